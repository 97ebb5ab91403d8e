// DRIFFUSION_DETERMINISTIC=1: every GPU algorithm is chosen by the libraries' heuristics, none by
// timing. cuDNN's benchmark mode and our cuBLASLt autotune time several candidates per shape and
// keep the fastest; timings differ between runs and processes, so two runs of one job could pick
// different algorithms and differ in the last bits (a --distributed job of one GPU rank against a
// single-process run: max 1/255 in 558 of 12288 values, 2026-12-05). With this set, repeated runs
// and --distributed jobs reproduce a single process's image bit for bit on the same GPU model.
#pragma once
#include "core/util/environment_switch.h"

namespace drf::gpu {

inline bool deterministic_algorithms() { return environment_says_on("DRIFFUSION_DETERMINISTIC"); }

}  // namespace drf::gpu
