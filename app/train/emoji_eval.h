// `driffusion-train eval`: the measurements docs/builtin-model.md reports for a built-in model
// folder. For the evaluation captions (training captions naming one image each) it generates
// with DDIM through the product's samplers, finds the nearest training image (L2 on 64x64 RGB)
// and counts top-1 / top-5 hits of the prompted image, first over a guidance sweep, then at the
// chosen guidance for DRiffusion widths 1..4 in both modes (plus PSNR/SSIM against the
// sequential image of the same seed). It also writes the contact sheet.
//
// `driffusion-train bench`: one image with the engine's default settings through drf::Engine
// (the path the CLI and GUI take), cold and warm, on the CPU or a GPU.
#pragma once
#include "app/train/train_args.h"

namespace drf::train {

int run_eval(TrainArgs& args);
int run_bench(TrainArgs& args);

}  // namespace drf::train
