// The weights budget (core/models/loaders/weights_budget.h) for SD3's networks: parameter counts
// of the MMDiT and the T5 encoder on the meta device, and the files a diffusers component folder
// stores its weights in (one file, an fp16 variant, or every shard a sharded index names), so
// that an SD3 loader refuses a configuration larger than its weights before building anything.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/models/sd3/sd3_model.h"

namespace drf {

int64_t sd3_transformer_parameters(const Sd3TransformerConfig& config);
int64_t t5_encoder_parameters(const T5EncoderConfig& config);

// The weight files of a component folder: "<stem>.safetensors" (or its variant for
// `compute_dtype`), else the shards named by "<stem>.safetensors.index.json". InputError naming
// the folder when there are none, or naming the index when it is unreadable.
std::vector<std::string> sd3_component_weight_files(const std::filesystem::path& dir, const std::string& stem,
                                                    torch::Dtype compute_dtype);

// check_weights_budget for every network of `config` whose files are given (empty = not
// checked: the component comes from elsewhere): what = the config file or checkpoint named.
struct Sd3BudgetFiles {
  std::vector<std::string> transformer, clip_l, clip_g, t5, vae;
};
void check_sd3_weights_budget(const std::string& what, const Sd3ModelConfig& config, const Sd3BudgetFiles& files);

}  // namespace drf
