// load_pipeline: one dispatch through the model-family registry (core/models/families/): the
// source's kind (name, random preset, folder, file) and the registry's detection data pick a
// family, whose builder loads it. No family is named here.
#include <filesystem>
#include <optional>

#include "core/engine/pipeline.h"
#include "core/io/checkpoint_format.h"
#include "core/models/loaders/config_json.h"
#include "core/io/safetensors_reader.h"
#include "core/models/family_builders.h"
#include "core/models/model_families.h"
#include "core/models/loaders/weight_source.h"
#include "core/util/errors.h"
#include "core/util/log.h"

namespace drf {
namespace {

namespace fs = std::filesystem;

bool ends_with_ci(const std::string& s, const std::string& suffix) {
  if (s.size() < suffix.size()) return false;
  for (std::size_t i = 0; i < suffix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
  return true;
}

std::optional<PredictionType> prediction_override(const PipelineRequest& r) {
  if (r.prediction_type.empty()) return std::nullopt;
  return parse_prediction_type(r.prediction_type);
}

std::string random_model_list() {
  std::string out;
  for (const RandomModel& m : all_random_models()) out += (out.empty() ? "" : ", ") + m.source;
  return out;
}

std::string named_source_list() {
  std::string out;
  for (const auto& p : family_builders())
    for (const auto& n : p.second.named_sources) out += n + ", ";
  return out;
}

const FamilyBuilder& builder_of(const ModelFamily& family) {
  const FamilyBuilder* b = family_builder(family.id);
  if (!b) throw Error(ErrorKind::Internal, "model family '" + family.id + "' has no builder (family_builders.cpp)");
  return *b;
}

const FamilyBuilder& fallback_builder() {
  for (const auto& p : family_builders())
    if (p.second.fallback) return p.second;
  throw Error(ErrorKind::Internal, "no fallback family builder is registered");
}

// The family whose random_models hold `source`, nullptr when none.
const ModelFamily* family_of_random_model(const std::string& source) {
  for (const auto& f : model_families())
    for (const auto& m : f.random_models)
      if (m.source == source) return &f;
  return nullptr;
}

const FamilyBuilder& folder_builder(const std::string& folder) {
  const fs::path index = fs::path(folder) / "model_index.json";
  std::error_code ec;
  if (fs::is_regular_file(index, ec)) {
    const auto j = config_json::read_file(index.string());
    const std::string cls = config_json::get_string(j, "_class_name", "", index.string());
    if (const ModelFamily* f = family_of_pipeline_class(cls)) {
      const FamilyBuilder& b = builder_of(*f);
      if (b.load_diffusers_folder) return b;
    }
  }
  for (const auto& f : model_families()) {
    const FamilyBuilder* b = family_builder(f.id);
    if (b && b->claims_folder && b->load_diffusers_folder && b->claims_folder(folder)) return *b;
  }
  return fallback_builder();
}

const FamilyBuilder& single_file_builder(const std::string& path) {
  const SafetensorsWeightSource header(std::make_shared<const SafetensorsFile>(path));
  if (const ModelFamily* f = family_of_checkpoint([&](const std::string& k) { return header.contains(k); })) {
    const FamilyBuilder& b = builder_of(*f);
    if (b.load_single_file) return b;
  }
  return fallback_builder();
}

std::unique_ptr<Pipeline> load_by_family(const PipelineRequest& request) {
  const std::string& src = request.source;
  for (const auto& p : family_builders())
    for (const auto& n : p.second.named_sources)
      if (n == src) return p.second.load_named(request, prediction_override(request));
  if (src.rfind("random:", 0) == 0) {
    const ModelFamily* f = family_of_random_model(src);
    if (!f) throw InputError("unknown model '" + src + "' (random models: " + random_model_list() + ")");
    if (!request.prediction_type.empty())
      throw UsageError("the prediction type of a random:* model cannot be overridden");
    const FamilyBuilder& b = builder_of(*f);
    if (!b.make_random) throw Error(ErrorKind::Internal, "model family '" + f->id + "' lists random models but cannot make them");
    return b.make_random(src.substr(7), request);
  }
  std::error_code ec;
  if (has_pickle_extension(src)) throw InputError(pickle_refusal_message(src));
  if (fs::is_directory(src, ec)) return folder_builder(src).load_diffusers_folder(request, prediction_override(request));
  if (ends_with_ci(src, ".safetensors")) {
    if (!fs::exists(src, ec)) throw InputError("model file '" + src + "' does not exist");
    return single_file_builder(src).load_single_file(request, prediction_override(request));
  }
  if (fs::exists(src, ec))
    throw InputError("cannot load '" + src + "': expected a .safetensors checkpoint or a diffusers model folder");
  throw InputError("unknown model '" + src + "': not a built-in name (" + named_source_list() + random_model_list() +
                   "), a folder or a .safetensors file");
}

}  // namespace

std::unique_ptr<Pipeline> load_pipeline(const PipelineRequest& request) {
  std::unique_ptr<Pipeline> p = load_by_family(request);
  if (!request.vae.empty()) p->replace_vae(request.vae);
  for (const auto& l : request.loras) {
    const std::string changed = p->apply_lora(l.path, l.strength);
    core_log()->info("LoRA {} (strength {}) merged: {} layers", l.path, l.strength, changed);
  }
  return p;
}

}  // namespace drf
