// The training set of the built-in model as prepared by tools/emoji/prepare_emoji_data.py:
// images.safetensors ("images": uint8 [N, 64, 64, 3], RGB on white) and captions.tsv
// ("<image index>\t<caption>" lines, grouped by image), tokenized once and kept on the device.
#pragma once
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/models/clip/prompt_tokenizer.h"

namespace drf::train {

// [N, 3, H, W] float in [-1, 1] on `device`: the pixel-space model's sample domain.
torch::Tensor load_emoji_images(const std::string& path, const torch::Device& device);
// The same images as uint8 [N, H, W, 3] on the CPU (for nearest-neighbour evaluation).
torch::Tensor load_emoji_images_u8(const std::string& path);

struct CaptionTable {
  torch::Tensor ids;      // [M, L] int64 token ids, grouped by image
  torch::Tensor offsets;  // [N + 1] int64: captions of image i are rows offsets[i] .. offsets[i+1]-1
  torch::Tensor empty;    // [L] ids of the empty caption (classifier-free guidance)
  int64_t truncated = 0;  // captions longer than the context
};

// Throws InputError naming the file and line for a malformed line, an index outside 0..N-1,
// captions not grouped by image, or an image without a caption.
CaptionTable load_caption_table(const std::string& tsv_path, int64_t image_count, const PromptTokenizer& tokenizer,
                                int context, const torch::Device& device);

struct TrainBatch {
  torch::Tensor x0;   // [B, 3, H, W]
  torch::Tensor ids;  // [B, L]
};

// Images uniformly at random, one of each image's captions at random, and the empty caption with
// probability `empty_probability`; all on the images' device with the global generator.
TrainBatch sample_batch(const torch::Tensor& images, const CaptionTable& captions, int64_t batch,
                        double empty_probability);

// "<index>\t<text>" lines (eval_prompts.tsv, contact_prompts.tsv); InputError naming file and line.
std::vector<std::pair<int64_t, std::string>> read_indexed_lines(const std::string& path);

}  // namespace drf::train
