// `driffusion-train train`: trains the built-in emoji model (UNet2DConditionModel + CLIPTextModel
// from core/models) on the prepared emoji data with LibTorch autograd, in time-boxed runs that
// resume from the previous run's output. Each run writes a complete, loadable built-in model
// folder (fp16 EMA weights, configs, tokenizer) plus trainer_state.json and loss.csv, so every run's
// output is both the next run's checkpoint and a shippable model.
//
// Recipe (docs/builtin-model.md): DDPM objective with v-prediction on a cosine schedule, uniform
// timesteps, AdamW (no decay on biases and norms), linear warm-up then cosine decay over the
// planned total training time, gradient clipping at 1, EMA of the weights, bf16 autocast on CUDA,
// 10% empty captions for classifier-free guidance.
#pragma once
#include "app/train/train_args.h"

namespace drf::train {

int run_train(TrainArgs& args);

}  // namespace drf::train
