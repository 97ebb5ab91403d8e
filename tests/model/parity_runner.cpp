#include "parity_runner.h"

#include <algorithm>
#include <filesystem>

#include "core/io/json_file.h"
#include "core/io/safetensors_reader.h"
#include "core/models/vae/autoencoder_kl.h"
#include "core/models/clip/clip_text_model.h"
#include "core/models/loaders/config_json.h"
#include "core/engine/denoiser_accelerator.h"
#include "core/models/unet/unet_2d_condition.h"
#include "core/models/unet/unet_denoiser.h"
#include "core/models/loaders/weight_loader.h"
#include "core/models/sd3/sd3_denoiser.h"
#include "core/models/sd3/sd3_transformer.h"
#include "core/models/t5/t5_config.h"
#include "core/models/t5/t5_encoder.h"
#include "core/util/errors.h"

namespace drf::parity {
namespace fs = std::filesystem;
namespace {

const char* dtype_label(torch::Dtype d) {
  return d == torch::kFloat16 ? "fp16" : d == torch::kBFloat16 ? "bf16" : "fp32";
}

// Allowed error relative to max |expected|: a fixed floor per precision, or a multiple of the
// reference implementation's own error at that precision when that is larger (a deep fp16
// network cannot beat its own rounding).
double bound_for(torch::Dtype d, double reference_rel) {
  if (d == torch::kFloat32) return std::max(1e-4, 10 * reference_rel);
  return std::max(2e-2, 4 * reference_rel);
}

}  // namespace

std::vector<std::string> find_cases(const std::string& root) {
  std::vector<std::string> out;
  if (!fs::is_directory(root)) return out;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory() && fs::is_regular_file(e.path() / "case.json")) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Comparison> run_case(const std::string& dir, const torch::Device& device, torch::Dtype dtype,
                                 bool denoiser_path) {
  const auto info = read_json_file(dir + "/case.json");
  const std::string kind = get_string(info, "kind", "", dir + "/case.json");
  const auto config = config_json::read_file(dir + "/config.json");
  const SafetensorsFile io(dir + "/io.safetensors");
  SafetensorsWeightSource weights(std::make_shared<const SafetensorsFile>(dir + "/weights.safetensors"));
  const auto options = torch::TensorOptions().device(device).dtype(dtype);
  auto in = [&](const std::string& name, torch::Dtype d) { return io.tensor(name, d, device); };
  WeightLoadOptions lo;
  lo.component = kind;
  lo.ignorable = [](const std::string& k) {
    return k == "text_model.embeddings.position_ids" || k.rfind("text_projection", 0) == 0;
  };

  std::vector<std::pair<std::string, torch::Tensor>> outputs;  // (expected key, ours)
  torch::NoGradGuard no_grad;
  if (kind == "unet") {
    UNet2DConditionModel m(parse_unet_config(config, dir + "/config.json"), options);
    load_weights(*m, weights, dtype, device, lo);
    // text_time UNets (SDXL) also take diffusers' added_cond_kwargs.
    const bool added = io.contains("text_embeds");
    if (denoiser_path) {
      ConditioningTensors c(in("encoder_hidden_states", dtype));
      if (added) c.pooled = in("text_embeds", dtype), c.time_ids = in("time_ids", torch::kFloat32);
      m->eval();
      // The prediction type only tells GuidedPredictor how to convert: the raw output is compared.
      const auto denoiser =
          accelerate_denoiser(std::make_shared<UNetDenoiser>(m, PredictionType::Epsilon, dtype), device);
      const auto x = in("sample", dtype), t = in("timestep", torch::kFloat32);
      // The accelerator warms up and captures on its first calls: compare a replay.
      for (int i = 0; i < 2; ++i) denoiser->forward(x, t, c);
      outputs.emplace_back("expected", denoiser->forward(x, t, c).clone());
    } else {
      outputs.emplace_back("expected", m->forward(in("sample", dtype), in("timestep", torch::kFloat32),
                                                  in("encoder_hidden_states", dtype),
                                                  added ? in("text_embeds", dtype) : torch::Tensor(),
                                                  added ? in("time_ids", torch::kFloat32) : torch::Tensor()));
    }
  } else if (kind == "text") {
    ClipTextModel m(parse_clip_text_config(config, dir + "/config.json"), options);
    load_weights(*m, weights, dtype, device, lo);
    const auto ids = in("input_ids", torch::kLong);
    outputs.emplace_back("expected", m->forward(ids, 0));
    if (io.contains("expected_skip1")) outputs.emplace_back("expected_skip1", m->forward(ids, 1));
    // SDXL's use: hidden_states[-2] without the final LayerNorm, and the pooled (projected) output.
    if (io.contains("expected_penultimate") || io.contains("expected_pooled")) {
      const auto pen = m->forward_penultimate(ids, 0);
      if (io.contains("expected_penultimate")) outputs.emplace_back("expected_penultimate", pen.hidden);
      if (io.contains("expected_pooled")) outputs.emplace_back("expected_pooled", pen.pooled);
    }
  } else if (kind == "vae") {
    AutoencoderKL m(parse_vae_config(config, dir + "/config.json"), options);
    load_weights(*m, weights, dtype, device, lo);
    outputs.emplace_back("expected_decode", m->decode(in("latents", dtype)));
    if (io.contains("expected_encode_mean")) outputs.emplace_back("expected_encode_mean", m->encode_mean(in("image", dtype)));
  } else if (kind == "t5") {
    T5EncoderModel m(parse_t5_encoder_config(config, dir + "/config.json"), options);
    load_t5_encoder_weights(m, std::make_shared<SafetensorsWeightSource>(weights), dtype, device);
    outputs.emplace_back("expected", m->forward(in("input_ids", torch::kLong)));
  } else if (kind == "sd3_transformer") {
    SD3Transformer2DModel m(parse_sd3_transformer_config(config, dir + "/config.json"), options);
    lo.ignorable = nullptr;  // every key of diffusers' state dict, nothing else
    load_weights(*m, weights, dtype, device, lo);
    m->eval();
    const auto x = in("hidden_states", dtype), t = in("timestep", torch::kFloat32);
    ConditioningTensors c(in("encoder_hidden_states", dtype));
    c.pooled = in("pooled_projections", dtype);
    if (denoiser_path) {
      // As generation runs it: fused q/k/v per stream, the fused kernels, a replayed CUDA graph.
      const auto denoiser = accelerate_denoiser(std::make_shared<Sd3Denoiser>(m, dtype), device);
      for (int i = 0; i < 2; ++i) denoiser->forward(x, t, c);
      outputs.emplace_back("expected", denoiser->forward(x, t, c).clone());
    } else {
      outputs.emplace_back("expected", m->forward(x, c.context, c.pooled, t));
    }
  } else {
    throw InputError(dir + "/case.json: unknown kind '" + kind + "'");
  }

  const double reference_rel = [&] {
    const std::string key = dtype_label(dtype);
    if (!info.contains("reference_error") || !info.at("reference_error").contains(key)) return -1.0;
    return get_double(info.at("reference_error").at(key), "rel", -1.0, dir + "/case.json");
  }();
  std::vector<Comparison> out;
  for (const auto& [key, ours] : outputs) {
    const auto expected = io.tensor(key, torch::kFloat64, torch::kCPU);
    const auto diff = (ours.to(torch::kCPU, torch::kFloat64) - expected).abs();
    Comparison c;
    c.case_name = fs::path(dir).filename().string();
    c.output = key;
    c.device = device.str();
    c.dtype = dtype_label(dtype);
    c.path = !denoiser_path ? "module" : (kind == "unet" || kind == "sd3_transformer") ? "denoiser" : "fused";
    c.max_abs = diff.max().item<double>();
    c.rel = c.max_abs / std::max(expected.abs().max().item<double>(), 1e-30);
    c.reference_rel = reference_rel;
    c.bound = bound_for(dtype, std::max(reference_rel, 0.0));
    c.pass = std::isfinite(c.rel) && c.rel <= c.bound;
    out.push_back(c);
  }
  return out;
}

nlohmann::json to_json(const std::vector<Comparison>& results) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& c : results)
    arr.push_back({{"case", c.case_name}, {"output", c.output}, {"device", c.device}, {"dtype", c.dtype}, {"path", c.path},
                   {"max_abs", c.max_abs}, {"rel", c.rel}, {"reference_rel", c.reference_rel}, {"bound", c.bound},
                   {"pass", c.pass}});
  return arr;
}

}  // namespace drf::parity
