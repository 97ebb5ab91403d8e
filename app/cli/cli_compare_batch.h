// driffusion compare in batch mode (--prompts FILE): every prompt x seed x DRiffusion
// configuration against the same solver's sequential image, summarised per configuration as
// mean / min PSNR, SSIM and, with reference thumbnails, the top-1 prompt-hit rate.
#pragma once
#include <cstdint>
#include <vector>

#include "app/cli/arg_parser.h"

namespace drf::cli {

int run_compare_batch(const ArgParser& args, const std::vector<std::uint64_t>& seeds);

}  // namespace drf::cli
