// How one family's pipelines are made: the FamilyBuilder each family's folder returns from its
// <y>_family_builder() function (core/models/families/family_list.h), LibTorch side. The
// registry over all of them, and how load_pipeline() dispatches a source to one, is
// family_builders.h; a family's own code includes only this header, which sits below the
// registry (docs/architecture.md, "Models").
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/engine/pipeline.h"
#include "core/sampling/noise_schedule.h"

namespace drf {

using PipelineMaker = std::function<std::unique_ptr<Pipeline>(const PipelineRequest& request,
                                                              std::optional<PredictionType> prediction)>;

struct FamilyBuilder {
  // Sources that are a bare name ("builtin", "analytic"); made by load_named.
  std::vector<std::string> named_sources;
  PipelineMaker load_named;
  // random:<preset> (preset = the text after "random:"); the prediction type is never overridden.
  std::function<std::unique_ptr<Pipeline>(const std::string& preset, const PipelineRequest& request)> make_random;
  // A diffusers folder (request.source) of the family; `prediction` overrides its scheduler's.
  PipelineMaker load_diffusers_folder;
  // A folder whose model_index.json names no class that a family lists: true when it is this
  // family's (SDXL: a StableDiffusionXL* class, which its loader refuses by name unless base or
  // refiner, or no class and a text_encoder_2/ subfolder). Empty = never.
  std::function<bool(const std::string& folder)> claims_folder;
  // A .safetensors single-file checkpoint (request.source) of the family.
  PipelineMaker load_single_file;
  // Gets the folders and files no family claims (exactly one builder sets it).
  bool fallback = false;
};

}  // namespace drf
