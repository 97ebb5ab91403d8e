#include "app/train/emoji_eval.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include "app/train/batched_sampling.h"
#include "app/train/emoji_dataset.h"
#include "app/train/image_grid.h"
#include "app/train/nearest_images.h"
#include "app/train/training_parts.h"
#include "core/engine/engine.h"
#include "core/engine/image_convert.h"
#include "core/image/image_metrics.h"
#include "core/io/atomic_file.h"
#include "core/io/remove_tree.h"
#include "core/models/builtin/builtin_model.h"
#include "core/sampling/sampler_registry.h"
#include "core/util/errors.h"
#include "core/util/log.h"
#include "core/util/resource_paths.h"

namespace drf::train {
namespace fs = std::filesystem;
namespace {

void write_text(const fs::path& path, const std::string& text) {
  AtomicFileWriter w(path.string());
  w.write(text.data(), text.size());
  w.commit();
}

// image index -> "vendor base" key, from keys.tsv ("<index>\t<vendor>\t<base>\t..."): two images
// with the same key are the same emoji in the same style, differing at most in skin tone.
std::vector<std::string> read_emoji_keys(const fs::path& path, int64_t count) {
  std::vector<std::string> keys(static_cast<std::size_t>(count));
  std::ifstream in(path);
  if (!in) throw InputError("cannot open " + path.string());
  std::string line;
  while (std::getline(in, line)) {
    const auto t1 = line.find('\t'), t2 = line.find('\t', t1 + 1), t3 = line.find('\t', t2 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) throw InputError(path.string() + ": malformed line");
    const auto index = std::stoll(line.substr(0, t1));
    if (index < 0 || index >= count) throw InputError(path.string() + ": index out of range");
    keys[static_cast<std::size_t>(index)] = line.substr(t1 + 1, (t3 == std::string::npos ? line.size() : t3) - t1 - 1);
  }
  return keys;
}

struct Hits {
  double top1 = 0, top5 = 0, same_emoji = 0;
};

Hits count_hits(const NearestImages& nn, const torch::Tensor& images, const std::vector<int64_t>& targets,
                const std::vector<std::string>& keys) {
  auto idx = nn.nearest(images, 5);
  auto a = idx.accessor<int64_t, 2>();
  Hits h;
  for (int64_t i = 0; i < idx.size(0); ++i) {
    const int64_t target = targets[static_cast<std::size_t>(i)];
    h.top1 += a[i][0] == target;
    bool in5 = false;
    for (int j = 0; j < 5; ++j) in5 = in5 || a[i][j] == target;
    h.top5 += in5;
    h.same_emoji += keys[static_cast<std::size_t>(a[i][0])] == keys[static_cast<std::size_t>(target)];
  }
  const double n = static_cast<double>(idx.size(0));
  h.top1 /= n;
  h.top5 /= n;
  h.same_emoji /= n;
  return h;
}

nlohmann::json hits_json(const Hits& h) {
  return {{"top1", h.top1}, {"top5", h.top5}, {"same_emoji_top1", h.same_emoji}};
}

}  // namespace

int run_eval(TrainArgs& args) {
  const fs::path model = args.required("model"), data = args.required("data"), out = args.required("out");
  const torch::Device device = training_device(args.text("device", "auto"));
  const std::string dtype_name = args.text("dtype", device.is_cuda() ? "fp16" : "fp32");
  const int steps = static_cast<int>(args.integer("steps", 25));
  const std::string sampler_name = args.text("sampler", "ddim");
  const auto sampler = find_sampler(sampler_name);
  if (!sampler) throw UsageError("eval: unknown sampler '" + sampler_name + "'");
  const auto sweep = args.numbers("guidance-sweep", {1.5, 2, 3, 4, 5, 6});
  const int prompt_count = static_cast<int>(args.integer("prompts", 200));
  const int chunk = static_cast<int>(args.integer("chunk", 200));
  const int max_width = static_cast<int>(args.integer("widths", 4));
  args.reject_unused();
  if (sweep.empty() || steps < 1 || prompt_count < 1 || chunk < 1 || max_width < 1)
    throw UsageError("eval: steps, prompts, chunk and widths must be positive and the sweep non-empty");
  std::error_code ec;
  fs::create_directories(out, ec);

  PipelineRequest req{"builtin", "", device, dtype_name == "fp16" ? torch::kHalf : torch::kFloat32};
  auto pipeline = load_builtin_pipeline_from(model, req);
  const auto train_u8 = load_emoji_images_u8((data / "images.safetensors").string());
  const NearestImages nn(train_u8, device);
  const auto keys = read_emoji_keys(data / "keys.tsv", train_u8.size(0));

  std::vector<std::string> prompts;
  std::vector<int64_t> targets;
  std::vector<uint64_t> seeds;
  for (const auto& row : read_indexed_lines((data / "eval_prompts.tsv").string())) {
    if (static_cast<int>(prompts.size()) == prompt_count) break;
    targets.push_back(row.first);
    prompts.push_back(row.second);
    seeds.push_back(seeds.size());
  }
  nlohmann::json report;
  report["model"] = model.string();
  report["device"] = device.str();
  report["dtype"] = dtype_name;
  report["steps"] = steps;
  report["sampler"] = sampler_info(*sampler).name;
  report["prompts"] = prompts.size();
  report["reference_images"] = nn.size();

  // 1. Guidance sweep with the sequential sampler.
  double best_guidance = sweep.front();
  double best_top1 = -1;
  std::map<double, torch::Tensor> sequential;
  for (double g : sweep) {
    BatchSamplingSettings s;
    s.steps = steps;
    s.sampler = *sampler;
    s.guidance = g;
    auto r = generate_batch(*pipeline, prompts, seeds, s, chunk);
    const Hits h = count_hits(nn, r.images, targets, keys);
    sequential[g] = r.images;
    nlohmann::json row = hits_json(h);
    row["guidance"] = g;
    row["sampling_ms_all_prompts"] = r.sampling_ms;
    report["guidance_sweep"].push_back(row);
    std::printf("guidance %.2f: top-1 %.3f top-5 %.3f same-emoji %.3f\n", g, h.top1, h.top5, h.same_emoji);
    if (h.top1 > best_top1 + 1e-9) {
      best_top1 = h.top1;
      best_guidance = g;
    }
  }
  report["chosen_guidance"] = best_guidance;

  // 2. DRiffusion at the chosen guidance: widths 1..max, both modes, against sequential.
  const torch::Tensor& seq = sequential[best_guidance];
  for (Mode mode : {Mode::Conservative, Mode::Aggressive}) {
    for (int w = 1; w <= max_width; ++w) {
      BatchSamplingSettings s;
      s.steps = steps;
      s.sampler = *sampler;
      s.guidance = best_guidance;
      s.mode = mode;
      s.width = w;
      auto r = generate_batch(*pipeline, prompts, seeds, s, chunk);
      const Hits h = count_hits(nn, r.images, targets, keys);
      double psnr_sum = 0, ssim_sum = 0;
      int identical = 0, finite = 0;
      for (int64_t i = 0; i < r.images.size(0); ++i) {
        const RgbImage a = to_rgb8(r.images[i]), b = to_rgb8(seq[i]);
        const double p = psnr(a, b);
        if (std::isinf(p)) {
          ++identical;
        } else {
          psnr_sum += p;
          ++finite;
        }
        ssim_sum += ssim(a, b);
      }
      nlohmann::json row = hits_json(h);
      row["mode"] = mode_name(mode);
      row["width"] = w;
      row["serial_latencies"] = r.serial_latencies;
      row["psnr_mean_db_over_differing"] = finite > 0 ? psnr_sum / finite : 0.0;
      row["identical_images"] = identical;
      row["ssim_mean"] = ssim_sum / static_cast<double>(r.images.size(0));
      report["driffusion"].push_back(row);
      std::printf("%s width %d (%d latencies): top-1 %.3f top-5 %.3f PSNR %.2f dB (%d identical) SSIM %.4f\n",
                  mode_name(mode), w, r.serial_latencies, h.top1, h.top5,
                  finite > 0 ? psnr_sum / finite : 0.0, identical, ssim_sum / static_cast<double>(r.images.size(0)));
    }
  }

  // 3. Contact sheet: generated image next to the prompted training image, 64 prompts.
  std::vector<std::string> contact;
  std::vector<int64_t> contact_targets;
  std::vector<uint64_t> contact_seeds;
  for (const auto& row : read_indexed_lines((data / "contact_prompts.tsv").string())) {
    contact.push_back(row.second);
    contact_targets.push_back(row.first);
    contact_seeds.push_back(contact_seeds.size());
  }
  if (!contact.empty()) {
    BatchSamplingSettings s;
    s.steps = steps;
    s.sampler = *sampler;
    s.guidance = best_guidance;
    auto r = generate_batch(*pipeline, contact, contact_seeds, s, chunk);
    auto truth = train_u8.index_select(0, torch::tensor(contact_targets, torch::kLong)).permute({0, 3, 1, 2})
                     .to(torch::kFloat32).div(255.0);
    auto pairs = torch::stack({r.images, truth}, 1).reshape({-1, 3, r.images.size(2), r.images.size(3)});
    write_image_grid_ppm((out / "contact.ppm").string(), pairs, 16);
    const Hits h = count_hits(nn, r.images, contact_targets, keys);
    report["contact_sheet"] = hits_json(h);
  }
  write_text(out / "eval.json", report.dump(2) + "\n");
  std::printf("chosen guidance %.2f; report in %s\n", best_guidance, (out / "eval.json").string().c_str());
  return 0;
}

int run_bench(TrainArgs& args) {
  const fs::path model = args.required("model"), out = args.required("out");
  const torch::Device device = training_device(args.text("device", "auto"));
  const int runs = static_cast<int>(args.integer("runs", 10));
  const std::string prompt = args.text("prompt", "grinning face, google style");
  args.reject_unused();
  if (runs < 1) throw UsageError("bench: --runs must be positive");
  // The engine finds the built-in model in its resource folder; point it at a copy of `model`.
  std::error_code ec;
  const fs::path res = out / "bench_resources";
  remove_tree(res, ec);
  fs::create_directories(res, ec);
  fs::copy(model, res / builtin_files::kResourceSubdir, fs::copy_options::recursive, ec);
  if (ec) throw IoError("cannot copy " + model.string() + " to " + res.string() + ": " + ec.message());
  write_text(res / kResourceMarkerFile, "DRiffusion resource folder for driffusion-train bench\n");
  ::setenv(kResourceDirEnv, res.c_str(), 1);

  nlohmann::json report;
  report["device"] = device.str();
  Engine engine;
  for (const auto& [mode, width] : std::vector<std::pair<Mode, int>>{{Mode::Sequential, 1}, {Mode::Aggressive, 2},
                                                                      {Mode::Aggressive, 4}}) {
    GenerationSettings s;  // the defaults: builtin model, DDIM, 25 steps, guidance 5
    s.prompt = prompt;
    s.mode = mode;
    s.width = width;
    if (device.is_cuda()) s.devices = {static_cast<int>(device.index() < 0 ? 0 : device.index())};
    std::vector<double> total, sampling;
    double cold = 0;
    for (int i = 0; i <= runs; ++i) {
      s.seed = static_cast<uint64_t>(i);
      GenerationResult r = engine.generate(s, JobObserver{});
      if (i == 0) {
        cold = r.stats.total_ms;
      } else {
        total.push_back(r.stats.total_ms);
        sampling.push_back(r.stats.sampling_ms);
      }
    }
    std::sort(total.begin(), total.end());
    std::sort(sampling.begin(), sampling.end());
    nlohmann::json row;
    row["mode"] = mode_name(mode);
    row["width"] = width;
    row["first_run_ms"] = cold;
    row["median_total_ms"] = total[total.size() / 2];
    row["median_sampling_ms"] = sampling[sampling.size() / 2];
    row["runs"] = runs;
    report["runs"].push_back(row);
    std::printf("%s width %d on %s: first %.1f ms, median %.1f ms end to end (sampling %.1f ms) over %d runs\n",
                mode_name(mode), width, device.str().c_str(), cold, total[total.size() / 2],
                sampling[sampling.size() / 2], runs);
  }
  write_text(out / ("bench_" + std::string(device.is_cuda() ? "gpu" : "cpu") + ".json"), report.dump(2) + "\n");
  remove_tree(res, ec);
  return 0;
}

}  // namespace drf::train
