// Does a model's configuration fit the weights files next to it? Checked after the configs are
// parsed and before any module is built. A configuration within the documented bounds
// (block_out_channels up to 16384, 64 layers per block, a text encoder 1M wide...) can imply
// hundreds of billions of parameters; building its modules would reserve gigabytes before the
// first tensor of the file is compared with them (issue 24, class 3). Every parameter must come
// from the files (core/models/loaders/weight_loader.h) stored as F16, BF16, F32 or F64, so a file holds at
// least 2 bytes per parameter: a configuration implying more is refused with the numbers.
// Each network counts its own parameters with parameters_on_meta (unet_parameters in
// core/models/unet/unet_2d_condition.h, clip_text_parameters, vae_parameters, SD3's in
// core/models/sd3/sd3_weights_budget.h).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace drf {

// The fewest bytes a weights file spends on one parameter (F16/BF16).
inline constexpr int64_t kMinBytesPerStoredParameter = 2;

// The parameters `build_and_count` finds in modules it builds with the options it is given: the
// meta device (shapes, no memory), so counting an absurd configuration costs nothing.
int64_t parameters_on_meta(const std::function<int64_t(const torch::TensorOptions&)>& build_and_count);

// Total size of the files in bytes; a file that cannot be sized counts 0.
int64_t weights_files_bytes(const std::vector<std::string>& files);

// Throws InputError when `parameters` * kMinBytesPerStoredParameter exceeds the total size of
// `files`: "<what> implies 1.2e+11 parameters (at least 240 GB of weights at 2 bytes each),
// but <files> hold 3.1 MB: the configuration does not belong to these weights".
void check_weights_budget(const std::string& what, int64_t parameters, const std::vector<std::string>& files);

}  // namespace drf
