#include "core/models/sd3/sd3_transformer.h"

#include <cmath>

#include "core/models/nn/attention.h"
#include "core/models/nn/fused_ops.h"
#include "core/models/nn/fused_projection.h"
#include "core/util/errors.h"
#include "core/util/torch_compat.h"

namespace drf {
namespace {

// Every norm of the MMDiT blocks and norm_out: LayerNorm without weights, eps 1e-6, then the
// adaLN modulation x * (1 + scale) + shift with [B, dim] vectors (one fused pass on the GPU).
torch::Tensor norm_modulate(const torch::Tensor& x, const torch::Tensor& shift, const torch::Tensor& scale) {
  return fused::layer_norm_modulate(x, shift, scale, 1e-6);
}

// RMS-normalises rows [start, start + count) of a [B, heads, tokens, head_dim] view in place.
void normalize_rows(Sd3RmsNorm& norm, const torch::Tensor& t, int64_t start, int64_t count) {
  if (!norm || count == 0) return;
  auto part = t.narrow(2, start, count);
  part.copy_(norm(part));
}

}  // namespace

Sd3RmsNormImpl::Sd3RmsNormImpl(int64_t dim, const torch::TensorOptions& options) {
  weight = register_parameter("weight", torch::empty({dim}, options), false);
}

torch::Tensor Sd3RmsNormImpl::forward(const torch::Tensor& x) {
  // diffusers: variance in float32, x * rsqrt(variance + eps) (promotes to float32), then the
  // weight's dtype for half weights, times the weight.
  auto variance = x.to(torch::kFloat32).pow(2).mean(-1, /*keepdim=*/true);
  auto y = x * torch::rsqrt(variance + 1e-6);
  if (weight.scalar_type() == torch::kFloat16 || weight.scalar_type() == torch::kBFloat16)
    y = y.to(weight.scalar_type());
  return y * weight;
}

Sd3FeedForwardImpl::Sd3FeedForwardImpl(int64_t dim, const torch::TensorOptions& options) {
  proj = layers::Linear(dim, 4 * dim, options);
  out = layers::Linear(4 * dim, dim, options);
  // "net.0" holds "proj" (diffusers GELU module), "net.1" is dropout (no weights), "net.2" the output.
  auto net = register_module("net", torch::nn::ModuleList());
  auto act = std::make_shared<torch::nn::Module>();
  act->register_module("proj", proj);
  net->push_back(act);
  net->push_back(std::make_shared<torch::nn::Module>());
  net->push_back(out);
}

torch::Tensor Sd3FeedForwardImpl::forward(const torch::Tensor& x) {
  return out(proj->forward_activated(x, fused::Activation::gelu_tanh));
}

Sd3JointAttentionImpl::Sd3JointAttentionImpl(int64_t dim, int64_t heads, int64_t head_dim, bool with_context,
                                             bool context_out, bool qk_norm, const torch::TensorOptions& options)
    : heads_(heads) {
  const int64_t inner = heads * head_dim;
  to_q = register_module("to_q", layers::Linear(dim, inner, options));
  to_k = register_module("to_k", layers::Linear(dim, inner, options));
  to_v = register_module("to_v", layers::Linear(dim, inner, options));
  if (qk_norm) {
    norm_q = register_module("norm_q", Sd3RmsNorm(head_dim, options));
    norm_k = register_module("norm_k", Sd3RmsNorm(head_dim, options));
  }
  if (with_context) {
    add_k_proj = register_module("add_k_proj", layers::Linear(dim, inner, options));
    add_v_proj = register_module("add_v_proj", layers::Linear(dim, inner, options));
    add_q_proj = register_module("add_q_proj", layers::Linear(dim, inner, options));
    if (qk_norm) {
      norm_added_q = register_module("norm_added_q", Sd3RmsNorm(head_dim, options));
      norm_added_k = register_module("norm_added_k", Sd3RmsNorm(head_dim, options));
    }
  }
  out = layers::Linear(inner, dim, options);
  to_out = register_module("to_out", torch::nn::ModuleList());
  to_out->push_back(out);
  if (with_context && context_out) to_add_out = register_module("to_add_out", layers::Linear(inner, dim, options));
}

void Sd3JointAttentionImpl::fuse_projections() {
  fuse_linear_weights({to_q, to_k, to_v});
  if (add_q_proj) fuse_linear_weights({add_q_proj, add_k_proj, add_v_proj});
}

std::pair<torch::Tensor, torch::Tensor> Sd3JointAttentionImpl::forward(const torch::Tensor& x,
                                                                        const torch::Tensor& context) {
  if (context.defined() && !add_q_proj)
    throw Error(ErrorKind::Internal, "SD3 attention without a context stream was given a context");
  const int64_t batch = x.size(0), image_tokens = x.size(1);
  const int64_t context_tokens = context.defined() ? context.size(1) : 0, tokens = image_tokens + context_tokens;
  const int64_t inner = to_q->weight.size(0);
  // Both streams' q, k and v go side by side into one [B, tokens, 3, heads, head_dim] buffer:
  // the image tokens first, then the context's, as diffusers concatenates them. That is the
  // packed layout the fused attention kernels read as it is, so no concatenation pass.
  auto qkv = torch::empty({batch, tokens, 3 * inner}, x.options());
  project_side_by_side({to_q, to_k, to_v}, x, qkv.narrow(1, 0, image_tokens));
  if (context.defined())
    project_side_by_side({add_q_proj, add_k_proj, add_v_proj}, context, qkv.narrow(1, image_tokens, context_tokens));
  const auto heads = qkv.view({batch, tokens, 3, heads_, inner / heads_}).permute({2, 0, 3, 1, 4});
  const auto q = heads[0], k = heads[1], v = heads[2];  // [B, heads, tokens, head_dim] each
  normalize_rows(norm_q, q, 0, image_tokens);
  normalize_rows(norm_k, k, 0, image_tokens);
  normalize_rows(norm_added_q, q, image_tokens, context_tokens);
  normalize_rows(norm_added_k, k, image_tokens, context_tokens);
  auto merged = merge_heads(compat::attention(q, k, v)).to(x.scalar_type());
  // The output projections read their token rows of `merged` in place (strided batches).
  auto image = merged.narrow(1, 0, image_tokens);
  if (!context.defined()) return {out(image), torch::Tensor()};
  auto ctx = merged.narrow(1, image_tokens, context_tokens);
  return {out(image), to_add_out ? to_add_out(ctx) : torch::Tensor()};
}

Sd3AdaNormImpl::Sd3AdaNormImpl(int64_t dim, int64_t chunks, const torch::TensorOptions& options) {
  linear = register_module("linear", layers::Linear(dim, chunks * dim, options));
}

std::vector<torch::Tensor> Sd3AdaNormImpl::modulation(const torch::Tensor& temb) {
  auto emb = linear(torch::silu(temb));
  return emb.chunk(linear->weight.size(0) / linear->weight.size(1), 1);
}

Sd3JointBlockImpl::Sd3JointBlockImpl(const Sd3TransformerConfig& c, bool context_pre_only, bool dual,
                                     const torch::TensorOptions& options)
    : context_pre_only_(context_pre_only), dual_(dual) {
  const int64_t dim = c.inner_dim();
  const bool qk = c.qk_norm == "rms_norm";
  norm1 = register_module("norm1", Sd3AdaNorm(dim, dual ? 9 : 6, options));
  norm1_context = register_module("norm1_context", Sd3AdaNorm(dim, context_pre_only ? 2 : 6, options));
  attn = register_module("attn", Sd3JointAttention(dim, c.num_attention_heads, c.attention_head_dim, true,
                                                   !context_pre_only, qk, options));
  if (dual)
    attn2 = register_module("attn2", Sd3JointAttention(dim, c.num_attention_heads, c.attention_head_dim, false, false,
                                                       qk, options));
  ff = register_module("ff", Sd3FeedForward(dim, options));
  if (!context_pre_only) ff_context = register_module("ff_context", Sd3FeedForward(dim, options));
}

std::pair<torch::Tensor, torch::Tensor> Sd3JointBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& context,
                                                                   const torch::Tensor& temb) {
  // Image stream: shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp[, shift_msa2,
  // scale_msa2, gate_msa2] (SD35AdaLayerNormZeroX modulates the same normalised x twice).
  const auto m = norm1->modulation(temb);
  const auto x_mod = norm_modulate(x, m[0], m[1]);
  const auto cm = norm1_context->modulation(temb);
  // AdaLayerNormContinuous of the last block: scale, shift; AdaLayerNormZero: shift, scale, ...
  const auto c_mod = context_pre_only_ ? norm_modulate(context, cm[1], cm[0]) : norm_modulate(context, cm[0], cm[1]);
  auto [attn_out, ctx_attn_out] = attn(x_mod, c_mod);
  auto h = torch::addcmul(x, m[2].unsqueeze(1), attn_out);
  if (dual_) {
    auto attn2_out = attn2(norm_modulate(x, m[6], m[7])).first;
    h = torch::addcmul(h, m[8].unsqueeze(1), attn2_out);
  }
  h = torch::addcmul(h, m[5].unsqueeze(1), ff(norm_modulate(h, m[3], m[4])));
  if (context_pre_only_) return {torch::Tensor(), h};
  auto c = torch::addcmul(context, cm[2].unsqueeze(1), ctx_attn_out);
  c = torch::addcmul(c, cm[5].unsqueeze(1), ff_context(norm_modulate(c, cm[3], cm[4])));
  return {c, h};
}

torch::Tensor sd3_sincos_position_table(int64_t dim, int64_t grid, int64_t base_size) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  // diffusers: positions arange(grid) / (grid / base_size) in float32, meshgrid "xy" (w first):
  // the first half of the channels encodes the column, the second the row.
  auto pos = torch::arange(grid, torch::TensorOptions().dtype(torch::kFloat32)) /
             (static_cast<float>(grid) / static_cast<float>(base_size));
  pos = pos.to(torch::kFloat64);
  const int64_t half = dim / 2;  // per axis
  auto omega = torch::arange(half / 2, f64) / (half / 2.0);
  omega = 1.0 / torch::pow(10000.0, omega);
  auto axis = [&](const torch::Tensor& p) {  // [M] -> [M, half]
    auto out = torch::outer(p, omega);
    return torch::cat({out.sin(), out.cos()}, 1);
  };
  auto cols = pos.unsqueeze(0).expand({grid, grid}).reshape({-1});  // w index of token i*grid+j is j
  auto rows = pos.unsqueeze(1).expand({grid, grid}).reshape({-1});
  return torch::cat({axis(cols), axis(rows)}, 1);
}

Sd3PatchEmbedImpl::Sd3PatchEmbedImpl(const Sd3TransformerConfig& c, const torch::TensorOptions& options) : config_(c) {
  proj = register_module("proj", layers::Conv2d(c.in_channels, c.inner_dim(), c.patch_size, c.patch_size, 0, options));
  pos_embed = register_buffer("pos_embed",
                              torch::empty({1, c.pos_embed_max_size * c.pos_embed_max_size, c.inner_dim()}, options));
}

void Sd3PatchEmbedImpl::fill_position_table() {
  torch::NoGradGuard no_grad;
  auto table = sd3_sincos_position_table(config_.inner_dim(), config_.pos_embed_max_size,
                                         config_.sample_size / config_.patch_size);
  // diffusers stores it as float32 (pos_embed.float()) before any dtype cast of the model.
  pos_embed.set_data(table.to(torch::kFloat32).unsqueeze(0).to(pos_embed.device(), pos_embed.scalar_type()));
}

torch::Tensor Sd3PatchEmbedImpl::forward(const torch::Tensor& latents) {
  const int64_t p = config_.patch_size, max = config_.pos_embed_max_size;
  const int64_t h = latents.size(2) / p, w = latents.size(3) / p;
  if (h > max || w > max)
    throw UsageError("a latent of " + std::to_string(latents.size(2)) + "x" + std::to_string(latents.size(3)) +
                     " is " + std::to_string(h) + "x" + std::to_string(w) + " patches, more than the model's position "
                     "table of " + std::to_string(max) + "x" + std::to_string(max));
  auto x = proj(latents).flatten(2).transpose(1, 2);  // [B, h*w, dim]
  const int64_t top = (max - h) / 2, left = (max - w) / 2;
  auto table = pos_embed.view({1, max, max, -1}).narrow(1, top, h).narrow(2, left, w).reshape({1, h * w, -1});
  return (x + table).to(x.scalar_type()).contiguous();
}

Sd3TimeTextEmbedImpl::Sd3TimeTextEmbedImpl(int64_t dim, int64_t pooled_dim, const torch::TensorOptions& options) {
  timestep_embedder = register_module("timestep_embedder", TimestepEmbedding(256, dim, options));
  text_embedder = register_module("text_embedder", TimestepEmbedding(pooled_dim, dim, options));
}

torch::Tensor Sd3TimeTextEmbedImpl::forward(const torch::Tensor& timesteps, const torch::Tensor& pooled) {
  auto features = timestep_sinusoids(timesteps, 256, /*flip_sin_to_cos=*/true, /*freq_shift=*/0.0);
  return timestep_embedder(features.to(pooled.scalar_type())) + text_embedder(pooled);
}

SD3Transformer2DModelImpl::SD3Transformer2DModelImpl(Sd3TransformerConfig config, const torch::TensorOptions& options)
    : config_(std::move(config)) {
  config_.validate("SD3 transformer");
  const int64_t dim = config_.inner_dim();
  pos_embed = register_module("pos_embed", Sd3PatchEmbed(config_, options));
  time_text_embed = register_module("time_text_embed", Sd3TimeTextEmbed(dim, config_.pooled_projection_dim, options));
  context_embedder = register_module("context_embedder",
                                     layers::Linear(config_.joint_attention_dim, config_.caption_projection_dim, options));
  transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < config_.num_layers; ++i) {
    blocks_.push_back(Sd3JointBlock(config_, i == config_.num_layers - 1, config_.is_dual(i), options));
    transformer_blocks->push_back(blocks_.back());
  }
  norm_out = register_module("norm_out", Sd3AdaNorm(dim, 2, options));
  proj_out = register_module("proj_out", layers::Linear(dim, config_.patch_size * config_.patch_size * config_.out_channels,
                                                        options));
}

void SD3Transformer2DModelImpl::fuse_projections() {
  for (const auto& m : modules(/*include_self=*/false))
    if (auto attention = std::dynamic_pointer_cast<Sd3JointAttentionImpl>(m)) attention->fuse_projections();
}

torch::Tensor SD3Transformer2DModelImpl::forward(const torch::Tensor& latents, const torch::Tensor& context,
                                                 const torch::Tensor& pooled, const torch::Tensor& timesteps) {
  const auto& c = config_;
  const int64_t p = c.patch_size;
  if (latents.dim() != 4 || latents.size(1) != c.in_channels || latents.size(2) % p != 0 || latents.size(3) % p != 0)
    throw UsageError("SD3 transformer: latents must be [B, " + std::to_string(c.in_channels) +
                     ", H, W] with H and W multiples of " + std::to_string(p));
  const int64_t B = latents.size(0);
  if (!context.defined() || context.dim() != 3 || context.size(0) != B || context.size(2) != c.joint_attention_dim)
    throw UsageError("SD3 transformer: context must be [" + std::to_string(B) + ", S, " +
                     std::to_string(c.joint_attention_dim) + "]");
  if (!pooled.defined() || pooled.dim() != 2 || pooled.size(0) != B || pooled.size(1) != c.pooled_projection_dim)
    throw UsageError("SD3 transformer: pooled text embedding must be [" + std::to_string(B) + ", " +
                     std::to_string(c.pooled_projection_dim) + "]");
  const int64_t h = latents.size(2) / p, w = latents.size(3) / p;
  auto x = pos_embed(latents);
  auto temb = time_text_embed(timesteps.reshape({-1}).expand({B}), pooled);
  auto ctx = context_embedder(context);
  for (auto& block : blocks_) std::tie(ctx, x) = block(x, ctx, temb);
  const auto m = norm_out->modulation(temb);  // AdaLayerNormContinuous: scale, shift
  x = proj_out(norm_modulate(x, m[1], m[0]));
  // unpatchify: [B, h*w, p*p*C] -> [B, h, w, p, q, C] -> [B, C, h, p, w, q]
  x = x.reshape({B, h, w, p, p, c.out_channels}).permute({0, 5, 1, 3, 2, 4});
  return x.reshape({B, c.out_channels, h * p, w * p});
}

}  // namespace drf
