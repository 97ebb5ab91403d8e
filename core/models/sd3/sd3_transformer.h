// diffusers SD3Transformer2DModel (the MMDiT of SD3 and SD3.5) with its parameter names, so a
// diffusers transformer/ folder loads by name: pos_embed (2x2 patch convolution + cropped 2-D
// sin-cos table, a persistent buffer), time_text_embed (timestep + pooled text), context_embedder,
// transformer_blocks.N (joint blocks: image and context streams with their own AdaLayerNormZero
// modulation and feed-forward, one attention over both token sets; the last block only reads
// the context; SD3.5: RMS-normalised q/k, MMDiT-X second image-only attention), norm_out,
// proj_out, unpatchify.
#pragma once
#include "core/models/nn/layers.h"
#include "core/models/sd3/sd3_transformer_config.h"
#include "core/models/nn/timestep_embedding.h"

namespace drf {

// diffusers RMSNorm over the last dimension with a weight: x / rms(x) in float32, then the
// weight's dtype.
class Sd3RmsNormImpl : public torch::nn::Module {
 public:
  Sd3RmsNormImpl(int64_t dim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;
};
TORCH_MODULE(Sd3RmsNorm);

// Linear(dim -> 4 dim), tanh-GELU, Linear(4 dim -> dim): diffusers FeedForward "gelu-approximate"
// ("net.0.proj", "net.2").
class Sd3FeedForwardImpl : public torch::nn::Module {
 public:
  Sd3FeedForwardImpl(int64_t dim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  layers::Linear proj{nullptr}, out{nullptr};
};
TORCH_MODULE(Sd3FeedForward);

// diffusers Attention with JointAttnProcessor2_0. With a context stream (added_kv_proj_dim):
// image queries/keys/values (to_q/k/v) and context ones (add_q/k/v_proj) attend jointly, image
// tokens first; the output splits back into to_out.0 (image) and to_add_out (context, absent when
// the block is context_pre_only). Without one (the MMDiT-X attn2) plain self-attention.
class Sd3JointAttentionImpl : public torch::nn::Module {
 public:
  Sd3JointAttentionImpl(int64_t dim, int64_t heads, int64_t head_dim, bool with_context, bool context_out,
                        bool qk_norm, const torch::TensorOptions& options);
  // Returns {image output, context output (undefined without context or when context_pre_only)}.
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x, const torch::Tensor& context = {});
  // q, k and v of each stream as one matrix product (fused_projection.h); values unchanged.
  void fuse_projections();

 private:
  int64_t heads_;
  layers::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
  layers::Linear add_q_proj{nullptr}, add_k_proj{nullptr}, add_v_proj{nullptr}, to_add_out{nullptr};
  layers::Linear out{nullptr};
  torch::nn::ModuleList to_out;
  Sd3RmsNorm norm_q{nullptr}, norm_k{nullptr}, norm_added_q{nullptr}, norm_added_k{nullptr};
};
TORCH_MODULE(Sd3JointAttention);

// AdaLayerNormZero (6 chunks) / SD35AdaLayerNormZeroX (9 chunks) / AdaLayerNormContinuous
// (2 chunks, scale before shift): "linear" on silu(temb); the LayerNorm has no weights.
class Sd3AdaNormImpl : public torch::nn::Module {
 public:
  Sd3AdaNormImpl(int64_t dim, int64_t chunks, const torch::TensorOptions& options);
  // The `chunks` modulation vectors [B, dim] of silu(temb).
  std::vector<torch::Tensor> modulation(const torch::Tensor& temb);
  layers::Linear linear{nullptr};
};
TORCH_MODULE(Sd3AdaNorm);

class Sd3JointBlockImpl : public torch::nn::Module {
 public:
  Sd3JointBlockImpl(const Sd3TransformerConfig& c, bool context_pre_only, bool dual, const torch::TensorOptions& options);
  // Returns {context (undefined after a context_pre_only block), image}.
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x, const torch::Tensor& context,
                                                  const torch::Tensor& temb);
  bool context_pre_only() const { return context_pre_only_; }

 private:
  bool context_pre_only_, dual_;
  Sd3AdaNorm norm1{nullptr}, norm1_context{nullptr};
  Sd3JointAttention attn{nullptr}, attn2{nullptr};
  Sd3FeedForward ff{nullptr}, ff_context{nullptr};
};
TORCH_MODULE(Sd3JointBlock);

// diffusers PatchEmbed(pos_embed_max_size): proj (Conv2d p x p, stride p) and the buffer
// pos_embed [1, max^2, dim], cropped to the centre of the table for the input's patch grid.
class Sd3PatchEmbedImpl : public torch::nn::Module {
 public:
  Sd3PatchEmbedImpl(const Sd3TransformerConfig& c, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& latents);  // [B, C, H, W] -> [B, H/p * W/p, dim]
  // Fills pos_embed with diffusers' get_2d_sincos_pos_embed (grid pos_embed_max_size, base size
  // sample_size / patch_size), computed in float64; checkpoints carry the table themselves.
  void fill_position_table();
  torch::Tensor pos_embed;

 private:
  Sd3TransformerConfig config_;
  layers::Conv2d proj{nullptr};
};
TORCH_MODULE(Sd3PatchEmbed);

// [max^2, dim] float64: diffusers get_2d_sincos_pos_embed(dim, grid, base_size).
torch::Tensor sd3_sincos_position_table(int64_t dim, int64_t grid, int64_t base_size);

// timestep_embedder (sinusoids of 256 -> dim) + text_embedder (pooled -> dim, SiLU MLP).
class Sd3TimeTextEmbedImpl : public torch::nn::Module {
 public:
  Sd3TimeTextEmbedImpl(int64_t dim, int64_t pooled_dim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& timesteps, const torch::Tensor& pooled);

 private:
  TimestepEmbedding timestep_embedder{nullptr};
  TimestepEmbedding text_embedder{nullptr};  // same linear_1 / SiLU / linear_2 shape
};
TORCH_MODULE(Sd3TimeTextEmbed);

class SD3Transformer2DModelImpl : public torch::nn::Module {
 public:
  SD3Transformer2DModelImpl(Sd3TransformerConfig config, const torch::TensorOptions& options);
  // latents [B, C, H, W] (H, W multiples of patch_size), context [B, S, joint_attention_dim],
  // pooled [B, pooled_projection_dim], timesteps [B] (sigma * 1000) -> velocity [B, C, H, W].
  torch::Tensor forward(const torch::Tensor& latents, const torch::Tensor& context, const torch::Tensor& pooled,
                        const torch::Tensor& timesteps);
  const Sd3TransformerConfig& config() const { return config_; }
  Sd3PatchEmbed& patch_embed() { return pos_embed; }
  // Every attention's q, k and v as one matrix product per stream (fused_projection.h): the GPU
  // denoisers do this once their weights are in place. Values unchanged.
  void fuse_projections();

 private:
  Sd3TransformerConfig config_;
  Sd3PatchEmbed pos_embed{nullptr};
  Sd3TimeTextEmbed time_text_embed{nullptr};
  layers::Linear context_embedder{nullptr};
  torch::nn::ModuleList transformer_blocks;
  std::vector<Sd3JointBlock> blocks_;
  Sd3AdaNorm norm_out{nullptr};
  layers::Linear proj_out{nullptr};
};
TORCH_MODULE(SD3Transformer2DModel);

}  // namespace drf
