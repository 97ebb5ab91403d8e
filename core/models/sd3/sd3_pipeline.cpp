#include "core/models/sd3/sd3_pipeline.h"

#include "core/models/loaders/random_weights.h"
#include "core/util/errors.h"
#include "core/util/torch_compat.h"

namespace drf {

const char* const kSd3T5OffWarning =
    "T5 is off: its prompt tokens are zeros (as diffusers' StableDiffusion3Pipeline without text_encoder_3); "
    "prompts follow less closely";

torch::TensorOptions sd3_t5_tensor_options(const PipelineRequest& request) {
  if (!is_valid_t5_device(request.t5_device))
    throw UsageError("the T5 device must be empty (with the model), 'cpu' or 'cuda:N', got '" + request.t5_device + "'");
  const torch::Device device = request.t5_device.empty() ? request.device : torch::Device(request.t5_device);
  const torch::Dtype dtype = device.is_cpu() && request.dtype != torch::kBFloat16 ? torch::kFloat32 : request.dtype;
  return torch::TensorOptions().device(device).dtype(dtype);
}

Sd3Pipeline::Sd3Pipeline(Sd3ModelConfig config, Sd3Modules modules, Sd3Tokenizers tokenizers, SdPipelineInfo info,
                         torch::Device device, torch::Dtype dtype)
    : LatentPipeline(std::move(info), device, dtype),
      config_(std::move(config)),
      modules_(std::move(modules)),
      tokenizers_(std::move(tokenizers)) {
  config_.validate("SD3 model");
  if (!tokenizers_.clip_l || !tokenizers_.clip_g || (modules_.text.t5 && !tokenizers_.t5))
    throw Error(ErrorKind::Internal, "SD3 pipeline built without its tokenizers");
  for (const auto* t : {tokenizers_.clip_l.get(), tokenizers_.clip_g.get()})
    if (t->vocab_size() > config_.text_l.vocab_size || t->vocab_size() > config_.text_g.vocab_size)
      throw InputError(t->describe() + " uses ids up to " + std::to_string(t->vocab_size() - 1) +
                       " but the CLIP text encoders have fewer token embeddings: tokenizer and model do not belong together");
  if (modules_.text.t5 && tokenizers_.t5->vocab_size() > config_.t5.vocab_size)
    throw InputError(tokenizers_.t5->describe() + " uses ids up to " + std::to_string(tokenizers_.t5->vocab_size() - 1) +
                     " but the T5 encoder has only " + std::to_string(config_.t5.vocab_size) + " token embeddings");
  modules_.transformer->eval();
  modules_.text.clip_l->eval();
  modules_.text.clip_g->eval();
  if (modules_.text.t5) modules_.text.t5->eval();
  modules_.vae->eval();
  denoiser_ = std::make_shared<Sd3Denoiser>(modules_.transformer, dtype_);
}

ModelSummary Sd3Pipeline::summary() const {
  ModelSummary s = summary_header(config_.architecture, PredictionType::FlowVelocity, config_.native_image_size());
  s.parameter_counts.emplace_back("transformer", layers::parameter_count(*modules_.transformer));
  s.parameter_counts.emplace_back("text_encoder", layers::parameter_count(*modules_.text.clip_l));
  s.parameter_counts.emplace_back("text_encoder_2", layers::parameter_count(*modules_.text.clip_g));
  if (modules_.text.t5) s.parameter_counts.emplace_back("text_encoder_3", layers::parameter_count(*modules_.text.t5));
  s.parameter_counts.emplace_back("vae", layers::parameter_count(*modules_.vae));
  return s;
}

std::vector<int64_t> Sd3Pipeline::state_shape(int width, int height) const {
  const int64_t f = config_.vae.scale_factor(), step = config_.pixel_step();
  const int64_t native = config_.native_image_size();
  const int64_t max = config_.transformer.pos_embed_max_size * step, min = 2 * step;
  return checked_state_shape(width, height, native, step, min, max, f, config_.vae.latent_channels,
                             "the transformer's position table; trained around " + std::to_string(native) + "x" +
                                 std::to_string(native));
}

int64_t Sd3Pipeline::activation_bytes_per_row(const std::vector<int64_t>& shape) const {
  if (shape.size() != 4) return 0;
  const auto& t = config_.transformer;
  const int64_t p = t.patch_size, D = t.inner_dim();
  const int64_t tokens = (shape[2] / p) * (shape[3] / p) + 77 + (config_.has_t5 ? config_.t5_tokens : config_.t5_tokens);
  const int64_t elem = static_cast<int64_t>(torch::elementSize(dtype_));
  // One block's live tensors per token: the stream, its norm and modulated copy, q/k/v, the
  // attention output and projection (~8 D), the feed-forward's 4 D hidden and its GELU (8 D):
  // ~16 D. Without fused attention (LibTorch 1.x) the heads x tokens^2 scores come on top.
  int64_t bytes = tokens * 16 * D * elem;
  if (!compat::kHasSdpa) bytes += 2 * t.num_attention_heads * tokens * tokens * elem;
  return bytes;
}

std::string Sd3Pipeline::apply_lora(const std::string& path, double strength) {
  return merge_lora(path, strength,
                    {{"transformer", modules_.transformer.get(), {}},
                     {"text_encoder", modules_.text.clip_l.get(), {}},
                     {"text_encoder_2", modules_.text.clip_g.get(), {}}});
}

void Sd3Pipeline::set_text_options(const GenerationSettings& settings, std::vector<std::string>& warnings) {
  use_t5_ = settings.use_t5;
  if (!modules_.text.t5 && !settings.t5_device.empty())
    warnings.push_back(info_.name + " has no T5 text encoder: the T5 device is ignored");
}

Conditioning Sd3Pipeline::encode(const std::string& prompt, const std::string& negative, double guidance,
                                 int clip_skip, std::vector<std::string>& warnings) {
  // T5 turned off: encode as a model without it (zeros), and say it was the user's choice.
  const bool t5_off = !use_t5_ && modules_.text.t5;
  Sd3TextEncoders off_encoders;
  if (t5_off) {
    off_encoders = modules_.text;
    off_encoders.t5 = nullptr;
  }
  Sd3TextEncoders& encoders = t5_off ? off_encoders : modules_.text;
  std::vector<std::string> prompt_warnings;
  Sd3TextOptions o;
  o.t5_tokens = config_.t5_tokens;
  o.clip_skip = clip_skip;
  o.joint_attention_dim = config_.transformer.joint_attention_dim;
  torch::NoGradGuard no_grad;
  Conditioning c;
  c.guidance = guidance;
  c.cond = encode_sd3_prompt(encoders, tokenizers_, device_, prompt, "prompt", o, prompt_warnings).to(dtype_);
  // diffusers encodes the negative prompt ("" when none) for CFG: no zeroing for an empty one.
  std::vector<std::string> negative_warnings;
  if (guidance != 1.0)
    c.uncond = encode_sd3_prompt(encoders, tokenizers_, device_, negative, "negative prompt", o, negative_warnings)
                   .to(dtype_);
  for (auto& w : prompt_warnings) warnings.push_back(t5_off && w == kSd3NoT5Warning ? kSd3T5OffWarning : w);
  for (auto& w : negative_warnings)
    if (w != kSd3NoT5Warning) warnings.push_back(std::move(w));  // the no-T5 note once, from the prompt
  return c;
}

// The VAE unscales z / 1.5305 + 0.0609 (its config's scaling and shift factors).
torch::Tensor Sd3Pipeline::decode(const torch::Tensor& state) { return decode_with_vae(modules_.vae, state); }

torch::Tensor sd3_latent_preview(const torch::Tensor& latents) {
  static const float factors[16][3] = {
      {-0.0922f, -0.0175f, 0.0749f}, {0.0311f, 0.0633f, 0.0954f},   {0.1994f, 0.0927f, 0.0458f},
      {0.0856f, 0.0339f, 0.0902f},   {0.0587f, 0.0272f, -0.0496f},  {-0.0006f, 0.1104f, 0.0309f},
      {0.0978f, 0.0306f, 0.0427f},   {-0.0042f, 0.1038f, 0.1358f},  {-0.0194f, 0.0020f, 0.0669f},
      {-0.0488f, 0.0130f, -0.0268f}, {0.0922f, 0.0988f, 0.0951f},   {-0.0278f, 0.0524f, -0.0542f},
      {0.0332f, 0.0456f, 0.0895f},   {-0.0069f, -0.0030f, -0.0810f}, {-0.0596f, -0.0465f, -0.0293f},
      {-0.1448f, -0.1463f, -0.1189f}};
  if (latents.dim() != 4 || latents.size(1) != 16)
    throw UsageError("SD3 previews take [k, 16, h, w] latents");
  const auto m = torch::from_blob(const_cast<float*>(&factors[0][0]), {16, 3}, torch::kFloat32).clone();
  const auto bias = torch::tensor({0.2394f, 0.2135f, 0.1925f}).view({1, 3, 1, 1});
  auto x = latents.detach().to(torch::kCPU, torch::kFloat32);
  auto rgb = torch::einsum("kchw,cr->krhw", {x, m}) + bias;
  return ((rgb + 1) * 0.5).clamp(0, 1);
}

torch::Tensor Sd3Pipeline::preview(const torch::Tensor& states) { return sd3_latent_preview(states); }

std::shared_ptr<Denoiser> Sd3Pipeline::make_replica(const torch::Device& device) {
  return replicate_sd3_denoiser(modules_.transformer, dtype_, device);
}

std::unique_ptr<Sd3Pipeline> make_random_sd3_pipeline(const std::string& preset, const PipelineRequest& request) {
  Sd3ModelConfig config = sd3_preset(preset);
  const auto options = torch::TensorOptions().device(request.device).dtype(request.dtype);
  Sd3Modules modules = build_sd3_modules(config, options, sd3_t5_tensor_options(request));
  // One fixed seed per component: the same random model in every run and on every device.
  init_random_weights(*modules.transformer, 0x5d300001);
  modules.transformer->patch_embed()->fill_position_table();
  init_random_weights(*modules.text.clip_l, 0x5d300002);
  init_random_weights(*modules.text.clip_g, 0x5d300003);
  if (modules.text.t5) init_random_weights(*modules.text.t5, 0x5d300004);
  init_random_weights(*modules.vae, 0x5d300005);
  SdPipelineInfo info;
  info.source = request.source;
  info.name = preset == "sd3-medium"    ? "Random weights, SD3 medium architecture"
              : preset == "sd35-medium" ? "Random weights, SD3.5 medium architecture"
              : preset == "sd35-large"  ? "Random weights, SD3.5 large architecture"
                                        : "Random weights, tiny SD3 test architecture";
  Sd3Tokenizers tokenizers;
  if (!request.tokenizer_dir.empty()) {
    tokenizers.clip_l = load_clip_tokenizer_folder(request.tokenizer_dir, "<|endoftext|>");
    tokenizers.clip_g = load_clip_tokenizer_folder(request.tokenizer_dir, "!");
  } else {
    auto stand_in = std::make_shared<ByteLevelPromptTokenizer>(std::min(config.text_l.vocab_size, config.text_g.vocab_size));
    tokenizers.clip_l = tokenizers.clip_g = stand_in;
    info.notes.push_back("byte-level stand-in tokenizers (pass a tokenizer folder for real CLIP tokens)");
  }
  if (modules.text.t5) tokenizers.t5 = std::make_shared<ByteLevelPromptTokenizer>(config.t5.vocab_size);
  return std::make_unique<Sd3Pipeline>(std::move(config), std::move(modules), std::move(tokenizers), std::move(info),
                                       request.device, request.dtype);
}

}  // namespace drf
