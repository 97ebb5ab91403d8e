// driffusion info: build facts, devices, a model's architecture, or an image file's metadata.
#include <cstdio>

#include "app/cli/cli_results.h"
#include "app/cli/cli_settings.h"
#include "app/cli/commands.h"
#include "core/engine/engine.h"
#include "core/image/infotext.h"
#include "core/image/settings_json.h"
#include "core/io/safetensors_reader.h"
#include "core/models/loaders/lora_file.h"
#include "core/util/build_info.h"
#include "core/util/printable_text.h"

namespace drf::cli {
namespace {

using nlohmann::json;

std::string mib(std::size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

json devices_json() {
  json out = json::array();
  for (const DeviceInfo& d : Engine::devices())
    out.push_back({{"index", d.index}, {"name", d.name}, {"memory_total", d.memory_total}, {"memory_free", d.memory_free}});
  return out;
}

void print_devices(const json& devices) {
  std::printf("devices:\n");
  for (const auto& d : devices) {
    const int index = d["index"].get<int>();
    const std::string id = index < 0 ? "cpu" : "cuda:" + std::to_string(index);
    std::printf("  %-8s %s", id.c_str(), d["name"].get<std::string>().c_str());
    if (d["memory_total"].get<std::size_t>() > 0)
      std::printf("  (%s free of %s)", mib(d["memory_free"].get<std::size_t>()).c_str(),
                  mib(d["memory_total"].get<std::size_t>()).c_str());
    std::printf("\n");
  }
}

json formats_json() {
  json out = json::array();
  for (ImageFormat f : {ImageFormat::Png8, ImageFormat::Png16, ImageFormat::Tiff8, ImageFormat::Tiff16, ImageFormat::Exr,
                        ImageFormat::Ppm})
    if (image_format_available(f)) out.push_back(image_format_name(f));
  return out;
}

json model_json(const std::string& source, const std::string& tokenizer) {
  Engine engine;
  const ModelSummary m = engine.describe_model(source, tokenizer);
  json counts = json::object();
  long long total = 0;
  for (const auto& [component, count] : m.parameter_counts) {
    counts[component] = count;
    total += count;
  }
  return {{"name", m.name},
          {"source", m.source},
          {"architecture", m.architecture},
          {"prediction_type", m.prediction_type},
          {"native_width", m.native_width},
          {"native_height", m.native_height},
          {"pixel_space", m.pixel_space},
          {"parameter_counts", counts},
          {"parameters_total", total},
          // describe_model loads the model on the CPU; generation picks its dtype per device.
          {"dtype", "fp32 (loaded on the CPU for inspection; fp16 on GPU by default)"}};
}

void print_model(const json& m) {
  std::printf("model %s (%s)\n", printable_text(m["name"].get<std::string>()).c_str(),
              printable_text(m["source"].get<std::string>()).c_str());
  std::printf("  architecture     %s\n", m["architecture"].get<std::string>().c_str());
  std::printf("  prediction type  %s\n", m["prediction_type"].get<std::string>().c_str());
  std::printf("  native size      %dx%d%s\n", m["native_width"].get<int>(), m["native_height"].get<int>(),
              m["pixel_space"].get<bool>() ? " (pixel space)" : " (latent space)");
  std::printf("  dtype            %s\n", m["dtype"].get<std::string>().c_str());
  std::printf("  parameters       %.2f M\n", static_cast<double>(m["parameters_total"].get<long long>()) / 1e6);
  for (const auto& [component, count] : m["parameter_counts"].items())
    std::printf("    %-14s %.2f M\n", printable_text(component).c_str(), static_cast<double>(count.get<long long>()) / 1e6);
}

json lora_json(const std::string& file) {
  const LoraFileSummary s = summarize_lora_file(SafetensorsFile(file));
  json layers = json::object();
  for (const auto& [network, n] : s.layers) layers[network] = n;
  return {{"path", file},
          {"layouts", s.layouts},
          {"layers", layers},
          {"rank_min", s.min_rank},
          {"rank_max", s.max_rank},
          {"alpha_tensors", s.alpha_tensors},
          {"metadata_alpha", s.metadata_alpha},
          {"made_for", s.made_for},
          {"made_for_reason", s.made_for_reason}};
}

void print_lora(const json& l) {
  std::printf("LoRA %s\n", printable_text(l["path"].get<std::string>()).c_str());
  std::string layouts, layers;
  for (const auto& x : l["layouts"]) layouts += (layouts.empty() ? "" : " + ") + x.get<std::string>();
  for (const auto& [network, n] : l["layers"].items()) layers += (layers.empty() ? "" : ", ") + network + " " + std::to_string(n.get<int>());
  std::printf("  layout     %s\n", layouts.c_str());
  std::printf("  layers     %s\n", layers.c_str());
  const auto lo = l["rank_min"].get<int64_t>(), hi = l["rank_max"].get<int64_t>();
  std::printf("  rank       %s\n", (std::to_string(lo) + (lo == hi ? "" : "-" + std::to_string(hi))).c_str());
  const int alphas = l["alpha_tensors"].get<int>();
  std::printf("  alpha      %s\n", alphas > 0 ? ".alpha tensors (scale alpha / rank)"
                                  : l["metadata_alpha"].get<bool>() ? "lora_alpha in the file's metadata (scale alpha / rank)"
                                                                    : "none (scale 1)");
  const std::string made_for = l["made_for"].get<std::string>();
  std::printf("  made for   %s\n", made_for.empty() ? "cannot tell from its layer widths"
                                                     : (made_for + " (" + l["made_for_reason"].get<std::string>() + ")").c_str());
}

json image_json(const std::string& file) {
  const ImageMetadata md = read_image_metadata(file);
  json out{{"path", file}, {"parameters", md.parameters}};
  if (!md.parameters.empty()) {
    const InfotextParams p = parse_infotext(md.parameters);
    json fields = json::array();
    for (const auto& [key, value] : p.fields) fields.push_back({{"key", key}, {"value", value}});
    out["infotext"] = {{"prompt", p.settings.prompt},
                       {"negative_prompt", p.settings.negative_prompt},
                       {"fields", fields},
                       {"warnings", p.warnings}};
  }
  out["settings"] = nullptr;
  if (!md.settings_json.empty()) {
    try {
      out["settings"] = json::parse(run_record_to_json(run_record_from_json(md.settings_json)));
    } catch (const Error& e) {
      out["settings_error"] = e.what();
    }
  }
  json extra = json::object();
  for (const auto& [key, value] : md.extra) extra[key] = value;
  out["extra"] = extra;
  return out;
}

// Text from the image file, safe for the terminal (escape sequences in a PNG text chunk are
// shown as \x1b..., not obeyed); `lines` keeps the text's own line breaks.
std::string shown(const json& text, LineBreaks lines = LineBreaks::Escape) { return printable_text(text.get<std::string>(), lines); }

void print_image(const json& im) {
  std::printf("image %s\n", shown(im["path"]).c_str());
  if (im["parameters"].get<std::string>().empty()) {
    std::printf("  no parameters text\n");
  } else {
    std::printf("parameters:\n%s\n", shown(im["parameters"], LineBreaks::Keep).c_str());
    for (const auto& w : im["infotext"]["warnings"]) std::printf("  note: %s\n", shown(w).c_str());
  }
  // JSON escapes C0 controls itself, not C1 (U+0080..U+009F) or DEL: escaped here too.
  if (!im["settings"].is_null())
    std::printf("driffusion-settings:\n%s\n", printable_text(im["settings"].dump(2), LineBreaks::Keep).c_str());
  else if (im.contains("settings_error")) std::printf("driffusion-settings: unreadable: %s\n", shown(im["settings_error"]).c_str());
  else std::printf("driffusion-settings: none\n");
  for (const auto& [key, value] : im["extra"].items())
    std::printf("%s: %s\n", printable_text(key).c_str(), shown(value, LineBreaks::Keep).c_str());
}

}  // namespace

int run_info(int argc, char** argv) {
  ArgParser args("info",
                 "Without options: version, build facts, image formats and devices. With --devices, --model, --image or\n"
                 "--lora: "
                 "only those parts.");
  args.flag("devices", "list the compute devices")
      .option("model", "M", "describe a model: architecture, prediction type, parameter counts")
      .option("tokenizer", "DIR", "tokenizer folder for a single-file checkpoint")
      .option("image", "FILE", "print the generation metadata stored in an image file")
      .option("lora", "FILE", "describe a LoRA file: layout, layers per network, rank, alpha, the model family it fits")
      .flag("json", "print one JSON object (schema: docs/cli.md)");
  if (!args.parse(argc, argv, 2)) return kOk;
  const bool json_out = args.get_flag("json");
  const bool all = !args.get_flag("devices") && !args.has("model") && !args.has("image") && !args.has("lora");
  json out{{"command", "info"}, {"ok", true}};
  try {
    if (all) {
      out["build"] = build_json();
      out["image_formats"] = formats_json();
    }
    if (all || args.get_flag("devices")) out["devices"] = devices_json();
    if (args.has("model")) out["model"] = model_json(args.get("model"), args.get("tokenizer"));
    if (args.has("image")) out["image"] = image_json(args.get("image"));
    if (args.has("lora")) out["lora"] = lora_json(args.get("lora"));
  } catch (const Error& e) {
    if (json_out) print_json(error_json("info", e));
    throw;
  }
  if (json_out) {
    print_json(out);
    return kOk;
  }
  if (all) {
    std::printf("%s\n", version_line());
    std::printf("build type %s, image formats:", build::kBuildType);
    for (const auto& f : out["image_formats"]) std::printf(" %s", f.get<std::string>().c_str());
    std::printf("\n");
  }
  if (out.contains("devices")) print_devices(out["devices"]);
  if (out.contains("model")) print_model(out["model"]);
  if (out.contains("image")) print_image(out["image"]);
  if (out.contains("lora")) print_lora(out["lora"]);
  return kOk;
}

}  // namespace drf::cli
