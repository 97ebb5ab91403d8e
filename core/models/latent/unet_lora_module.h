// A UNet as a LoRA target (core/models/loaders/lora_merge.h) under its diffusers names and,
// for the SD 1.x / 2.x / SDXL layouts, the original LDM names kohya files use
// (lora_unet_input_blocks_4_1_proj_in...), taken from the single-file key map so that both
// spellings reach the same weight.
#pragma once
#include "core/models/loaders/lora_merge.h"
#include "core/models/unet/unet_2d_condition.h"

namespace drf {

LoraModule unet_lora_module(UNet2DConditionModel& unet, const UNetConfig& config);

}  // namespace drf
