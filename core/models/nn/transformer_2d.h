// diffusers Transformer2DModel (continuous input) with BasicTransformerBlock:
// GroupNorm -> proj_in (1x1 conv, or linear for SD 2.x "use_linear_projection") -> blocks of
// [LayerNorm, self-attention] [LayerNorm, cross-attention over the text] [LayerNorm, GEGLU
// feed-forward], each residual -> proj_out, plus the block's input.
#pragma once
#include "core/models/nn/attention.h"

namespace drf {

struct Transformer2DOptions {
  int64_t channels = 0;     // in = out channels
  int64_t heads = 8;
  int64_t head_dim = 40;    // inner dim = heads * head_dim
  int64_t context_dim = 768;
  int64_t layers = 1;       // transformer_layers_per_block
  int64_t groups = 32;
  bool linear_projection = false;
  bool upcast_attention = false;
};

// GEGLU feed-forward, keys "net.0.proj", "net.2" (net.1 is a parameter-free dropout).
// Its hidden activation is 12x the input's size (projection 8 x dim, gated 4 x dim): at SD 2.1's
// 96x96 tokens 71 MB per sample, the largest transient of the UNet and the bulk of what a
// batch of drafts costs beyond one draft. Rows go through in passes of at most
// max_rows_per_pass, which bounds that peak whatever the batch; each row's result is the same.
class FeedForwardImpl : public torch::nn::Module {
 public:
  // Large enough that the GEMMs stay efficient (several waves of tiles on a big GPU), small
  // enough that a pass holds at most 63 MB of hidden activation at 320 channels in fp16.
  static constexpr int64_t kDefaultMaxRowsPerPass = 8192;

  FeedForwardImpl(int64_t dim, int64_t inner, const torch::TensorOptions& options);
  // residual + ff(x); residual has x's shape.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual);

  int64_t max_rows_per_pass = kDefaultMaxRowsPerPass;  // <= 0: all rows at once

 private:
  layers::Linear proj{nullptr}, out{nullptr};
};
TORCH_MODULE(FeedForward);

class BasicTransformerBlockImpl : public torch::nn::Module {
 public:
  BasicTransformerBlockImpl(const Transformer2DOptions& o, const torch::TensorOptions& options);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& context);

 private:
  layers::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
  Attention attn1{nullptr}, attn2{nullptr};
  FeedForward ff{nullptr};
};
TORCH_MODULE(BasicTransformerBlock);

class Transformer2DImpl : public torch::nn::Module {
 public:
  Transformer2DImpl(const Transformer2DOptions& o, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context);

 private:
  bool linear_;
  layers::GroupNorm norm{nullptr};
  layers::Conv2d conv_in{nullptr}, conv_out{nullptr};
  layers::Linear linear_in{nullptr}, linear_out{nullptr};
  std::vector<BasicTransformerBlock> blocks_;
};
TORCH_MODULE(Transformer2D);

}  // namespace drf
