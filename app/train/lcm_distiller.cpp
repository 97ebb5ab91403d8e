#include "app/train/lcm_distiller.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "app/train/emoji_dataset.h"
#include "app/train/model_export.h"
#include "app/train/training_parts.h"
#include "core/models/builtin/builtin_model.h"
#include "core/models/clip/prompt_tokenizer.h"
#include "core/models/nn/fused_ops.h"
#include "core/util/errors.h"
#include "core/util/log.h"
#include "core/util/torch_compat.h"

namespace drf::train {
namespace fs = std::filesystem;
namespace {

struct DistillOptions {
  fs::path teacher, data, out;
  double train_seconds = 60, guidance = 3.0, lr = 5e-5, min_lr = 5e-6, target_ema = 0.95, ema = 0.999;
  double huber_c = 0.001;
  int64_t batch = 256, skip = 20, warmup = 200, max_steps = 0, log_every = 50;
  uint64_t seed = 0;
  bool bf16 = true;
  std::string device = "auto";
};

DistillOptions parse_distill_options(TrainArgs& a) {
  DistillOptions o;
  o.teacher = a.required("teacher");
  o.data = a.required("data");
  o.out = a.required("out");
  o.train_seconds = a.number("train-seconds", o.train_seconds);
  o.guidance = a.number("guidance", o.guidance);
  o.lr = a.number("lr", o.lr);
  o.min_lr = a.number("min-lr", o.min_lr);
  o.target_ema = a.number("target-ema", o.target_ema);
  o.ema = a.number("ema", o.ema);
  o.huber_c = a.number("huber-c", o.huber_c);
  o.batch = a.integer("batch", o.batch);
  o.skip = a.integer("skip", o.skip);
  o.warmup = a.integer("warmup-steps", o.warmup);
  o.max_steps = a.integer("max-steps", 0);
  o.log_every = a.integer("log-every", o.log_every);
  o.seed = static_cast<uint64_t>(a.integer("seed", 0));
  o.bf16 = a.text("bf16", "on") != "off";
  o.device = a.text("device", o.device);
  a.reject_unused();
  if (o.batch < 1 || o.train_seconds <= 0 || o.log_every < 1 || o.warmup < 1 || o.lr <= 0 || o.min_lr > o.lr ||
      o.guidance < 1 ||
      !(o.target_ema >= 0 && o.target_ema < 1) || !(o.ema > 0 && o.ema < 1) || o.huber_c <= 0 || o.skip < 1)
    throw UsageError("distill-lcm: batch, seconds, log-every, warm-up, skip, lr and huber-c must be positive, "
                     "min-lr <= lr, guidance >= 1, 0 <= target-ema < 1, 0 < ema < 1");
  return o;
}

// LCM's boundary condition at training timestep t (float tensor [B]): {c_skip, c_out} as [B,1,1,1].
std::pair<torch::Tensor, torch::Tensor> lcm_boundary(const torch::Tensor& t) {
  const double sigma_data = 0.5;
  auto u = (t * 10.0).view({-1, 1, 1, 1});
  auto denom = u * u + sigma_data * sigma_data;
  return {sigma_data * sigma_data / denom, u / denom.sqrt()};
}

// x0 from the UNet's v-prediction at abar a: x0 = sqrt(a) x - sqrt(1 - a) v.
torch::Tensor x0_from_v(const torch::Tensor& x, const torch::Tensor& v, const torch::Tensor& a) {
  return a.sqrt() * x - (1 - a).sqrt() * v.to(torch::kFloat32);
}

// target <- mu target + (1 - mu) online, parameter by parameter (same module layout).
void ema_into(torch::nn::Module& target, torch::nn::Module& online, double mu) {
  torch::NoGradGuard no_grad;
  auto t = target.parameters(true), s = online.parameters(true);
  std::vector<torch::Tensor> tt(t.begin(), t.end()), ss(s.begin(), s.end());
  at::_foreach_mul_(tt, mu);
  at::_foreach_add_(tt, ss, 1.0 - mu);
}

}  // namespace

int run_distill_lcm(TrainArgs& args) {
  const DistillOptions o = parse_distill_options(args);
  const torch::Device device = training_device(o.device);
  const bool amp = o.bf16 && device.is_cuda();
  start_training_run(o.out, device);
  torch::manual_seed(o.seed);
  // The GPU backend's fused kernels are inference kernels (out= products, no autograd): the
  // student's forward under grad mode must run the reference ops.
  fused::set_kernels_enabled(false);

  const fs::path tokenizer_dir = o.teacher / builtin_files::kTokenizerDir;
  auto tokenizer = load_clip_tokenizer_folder(tokenizer_dir.string(), "<|endoftext|>");
  const BuiltinModelConfig config = read_builtin_model_config(o.teacher);
  if (config.schedule.prediction != PredictionType::VPrediction)
    throw InputError(o.teacher.string() + ": distill-lcm expects a v-prediction teacher");
  const auto f32 = torch::TensorOptions().device(device).dtype(torch::kFloat32);
  BuiltinModules teacher = build_builtin_modules(config, f32), student = build_builtin_modules(config, f32),
                 target = build_builtin_modules(config, f32);
  for (auto* m : {&teacher, &student, &target}) load_builtin_weights(*m, o.teacher, torch::kFloat32, device);
  for (auto* m : {&teacher, &target})
    for (auto& p : m->unet->parameters(true)) p.set_requires_grad(false);
  for (auto& p : teacher.text_encoder->parameters(true)) p.set_requires_grad(false);
  std::vector<torch::Tensor> params;
  for (auto& p : student.unet->parameters(true)) {
    p.set_requires_grad(true);
    params.push_back(p);
  }
  torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(o.lr).weight_decay(0.0));
  WeightEma export_ema(*student.unet), text_weights(*teacher.text_encoder);

  const auto images = load_emoji_images((o.data / "images.safetensors").string(), device);
  const CaptionTable captions = load_caption_table((o.data / "captions.tsv").string(), images.size(0), *tokenizer,
                                                   config.context_length(), device);
  const NoiseSchedule schedule(config.schedule);
  const auto abar = torch::tensor(schedule.alphas_cumprod(), torch::kFloat64).to(torch::kFloat32).to(device);
  const int64_t T = config.schedule.num_train_timesteps, grid = T / o.skip;
  if (grid < 1) throw UsageError("distill-lcm: --skip must be below the teacher's " + std::to_string(T) + " timesteps");
  core_log()->info("distill-lcm: {} images, teacher {}, guidance {}, skip {}, batch {}, lr {:.1e}, device {}",
                   images.size(0), o.teacher.string(), o.guidance, o.skip, o.batch, o.lr, device.str());
  std::ofstream loss_csv(o.out / "lcm_loss.csv");
  loss_csv << "step,seconds,lr,loss,grad_norm\n";

  const auto start = std::chrono::steady_clock::now();
  torch::Tensor loss_sum = torch::zeros({}, f32), grad_norm;
  int64_t step = 0, in_window = 0;
  double lr = o.lr, elapsed = 0;
  const auto empty_ids = captions.empty.unsqueeze(0).expand({o.batch, captions.empty.size(0)});
  while (true) {
    elapsed = seconds_since(start);
    if (elapsed >= o.train_seconds || (o.max_steps > 0 && step >= o.max_steps)) break;
    lr = learning_rate(o.lr, o.min_lr, step, o.warmup, elapsed / o.train_seconds);
    for (auto& g : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);

    TrainBatch b = sample_batch(images, captions, o.batch, 0.0);
    // s on LCM's grid k-1, 2k-1, ..., T-1; t = s - k (the grid point below; -1 becomes 0).
    auto n = torch::randint(1, grid + 1, {o.batch}, torch::TensorOptions().dtype(torch::kLong).device(device));
    auto s = n * o.skip - 1, t = (s - o.skip).clamp_min(0);
    auto a_s = abar.index_select(0, s).view({-1, 1, 1, 1}), a_t = abar.index_select(0, t).view({-1, 1, 1, 1});
    auto x_s = a_s.sqrt() * b.x0 + (1 - a_s).sqrt() * torch::randn_like(b.x0);
    const auto s_f = s.to(torch::kFloat32), t_f = t.to(torch::kFloat32);

    torch::Tensor f_target, ctx_c;
    {
      torch::NoGradGuard no_grad;
      if (amp) compat::set_cuda_autocast(true, torch::kBFloat16);
      auto ctx = teacher.text_encoder->forward(torch::cat({b.ids, empty_ids}));
      ctx_c = ctx.slice(0, 0, o.batch);  // the frozen text encoder's context, shared with the student
      auto v = teacher.unet->forward(torch::cat({x_s, x_s}), torch::cat({s_f, s_f}), ctx).to(torch::kFloat32);
      auto v_c = v.slice(0, 0, o.batch), v_u = v.slice(0, o.batch);
      // CFG on the x0 estimate (linear in v, so the same as guiding v), then DDIM from s to t.
      auto x0_g = x0_from_v(x_s, v_u + o.guidance * (v_c - v_u), a_s);
      auto eps_g = (x_s - a_s.sqrt() * x0_g) / (1 - a_s).sqrt();
      auto x_t = a_t.sqrt() * x0_g + (1 - a_t).sqrt() * eps_g;
      auto v_t = target.unet->forward(x_t, t_f, ctx_c);
      const auto [cs_t, co_t] = lcm_boundary(t_f);
      f_target = cs_t * x_t + co_t * x0_from_v(x_t, v_t, a_t);
      if (amp) compat::set_cuda_autocast(false, torch::kBFloat16);
    }
    if (amp) compat::set_cuda_autocast(true, torch::kBFloat16);
    auto v_s = student.unet->forward(x_s, s_f, ctx_c);
    if (amp) compat::set_cuda_autocast(false, torch::kBFloat16);
    const auto [cs_s, co_s] = lcm_boundary(s_f);
    auto f_student = cs_s * x_s + co_s * x0_from_v(x_s, v_s, a_s);
    auto diff = (f_student - f_target).pow(2);
    auto loss = ((diff + o.huber_c * o.huber_c).sqrt() - o.huber_c).mean();

    optimizer.zero_grad();
    loss.backward();
    grad_norm = clip_gradient_norm(params, 1.0);
    optimizer.step();
    if (amp) compat::clear_autocast_cache();
    ema_into(*target.unet, *student.unet, o.target_ema);
    export_ema.update(std::min(o.ema, (1.0 + static_cast<double>(step)) / (10.0 + static_cast<double>(step))));

    loss_sum += loss.detach();
    ++in_window;
    ++step;
    if (step % o.log_every == 0) {
      const double mean = loss_sum.item<double>() / static_cast<double>(in_window);
      loss_csv << step << "," << seconds_since(start) << "," << lr << "," << mean << "," << grad_norm.item<double>()
               << "\n";
      loss_csv.flush();
      core_log()->info("distill step {} loss {:.6f} lr {:.2e} grad {:.3f}", step, mean, lr, grad_norm.item<double>());
      loss_sum.zero_();
      in_window = 0;
    }
  }
  BuiltinModelConfig distilled = config;
  distilled.schedule.consistency_distilled = true;  // the scheduler config names LCMScheduler
  export_builtin_model(o.out, distilled, export_ema.state(), text_weights.state(), tokenizer_dir);
  std::printf("distilled %lld steps in %.0f s into %s\n", static_cast<long long>(step), elapsed, o.out.string().c_str());
  return 0;
}

}  // namespace drf::train
