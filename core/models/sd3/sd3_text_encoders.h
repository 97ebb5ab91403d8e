// SD3's prompt encoding (diffusers StableDiffusion3Pipeline.encode_prompt): CLIP ViT-L and
// OpenCLIP bigG (both CLIPTextModelWithProjection) give their penultimate hidden states (77
// tokens, 768 + 1280 = 2048 wide, concatenated along the features) and their projected pooled
// outputs (768 + 1280 = 2048: the transformer's "pooled" input); the CLIP states are zero-padded
// to the joint attention width (4096) and followed, along the sequence, by T5-XXL's
// last_hidden_state of 256 tokens. Without a T5 encoder those 256 rows are zeros, exactly as
// the reference pipeline does when text_encoder_3 is None (and the caller is warned).
#pragma once
#include <string>
#include <vector>

#include "core/models/clip/clip_text_model.h"
#include "core/models/clip/prompt_tokenizer.h"
#include "core/models/t5/t5_encoder.h"
#include "core/sampling/conditioning.h"

namespace drf {

struct Sd3TextEncoders {
  ClipTextModel clip_l{nullptr};  // text_encoder:   CLIPTextModelWithProjection (768, projection 768)
  ClipTextModel clip_g{nullptr};  // text_encoder_2: CLIPTextModelWithProjection (1280, projection 1280)
  T5EncoderModel t5{nullptr};     // text_encoder_3; null = no T5 (its tokens are zeros)
  // Where T5 runs (it may live on the CPU or another device than the CLIPs: 4.7 B parameters).
  torch::Device t5_device = torch::kCPU;
};

struct Sd3Tokenizers {
  std::shared_ptr<const PromptTokenizer> clip_l, clip_g;
  std::shared_ptr<const PromptTokenizer> t5;  // may be null when encoders.t5 is null
};

struct Sd3TextOptions {
  int clip_tokens = 77;
  int t5_tokens = 256;  // diffusers' max_sequence_length
  int clip_skip = 0;    // layers before the penultimate one (0 = SD3's default)
  int64_t joint_attention_dim = 4096;
};

// The warning appended when encoders.t5 is null.
extern const char* const kSd3NoT5Warning;

// One prompt -> context [1, clip_tokens + t5_tokens, joint_attention_dim] and pooled
// [1, clip_l projection + clip_g projection], float32 on `device`. Truncation warnings (and the
// no-T5 warning) are appended to `warnings`, prefixed by `what` ("prompt", "negative prompt").
// UsageError when the CLIP widths exceed joint_attention_dim or a tokenizer is missing.
ConditioningTensors encode_sd3_prompt(Sd3TextEncoders& encoders, const Sd3Tokenizers& tokenizers,
                                      const torch::Device& device, const std::string& text, const char* what,
                                      const Sd3TextOptions& options, std::vector<std::string>& warnings);

// SD3's text_encoder (openai/clip-vit-large-patch14 with its 768 projection) and text_encoder_2
// (OpenCLIP ViT-bigG/14 with its 1280 projection).
ClipTextConfig clip_text_config_sd3_l();
ClipTextConfig clip_text_config_sd3_g();
// Tiny counterparts for CPU tests (hidden 16 and 8 -> 24 wide, projections 16 and 8).
ClipTextConfig clip_text_config_sd3_tiny_l();
ClipTextConfig clip_text_config_sd3_tiny_g();

}  // namespace drf
