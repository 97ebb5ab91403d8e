#include "app/train/emoji_trainer.h"

#include <chrono>
#include <cstdio>
#include <fstream>

#include <torch/cuda.h>

#include "app/train/batched_sampling.h"
#include "app/train/emoji_dataset.h"
#include "app/train/image_grid.h"
#include "app/train/model_export.h"
#include "app/train/training_parts.h"
#include "core/models/builtin/builtin_model.h"
#include "core/models/clip/prompt_tokenizer.h"
#include "core/models/loaders/random_weights.h"
#include "core/util/errors.h"
#include "core/util/log.h"
#include "core/util/torch_compat.h"

namespace drf::train {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  fs::path data, out, tokenizer, resume;
  double train_seconds = 60, schedule_seconds = 60, checkpoint_seconds = 150;
  int64_t batch = 256, warmup = 500, resume_warmup = 100, max_steps = 0, log_every = 100;
  double lr = 4e-4, min_lr = 3e-6, weight_decay = 0.01, ema = 0.9995, empty_caption = 0.1;
  uint64_t seed = 0;
  bool bf16 = true;
  std::string device = "auto";
  int grid_prompts = 64;
  double grid_guidance = 4.0;
};

Options parse(TrainArgs& a) {
  Options o;
  o.data = a.required("data");
  o.out = a.required("out");
  o.tokenizer = a.text("tokenizer", "resources/builtin/tokenizer");
  o.resume = a.text("resume", "");
  o.train_seconds = a.number("train-seconds", o.train_seconds);
  o.schedule_seconds = a.number("schedule-seconds", o.train_seconds);
  o.checkpoint_seconds = a.number("checkpoint-seconds", o.checkpoint_seconds);
  o.batch = a.integer("batch", o.batch);
  o.warmup = a.integer("warmup-steps", o.warmup);
  o.resume_warmup = a.integer("resume-warmup-steps", o.resume_warmup);
  o.max_steps = a.integer("max-steps", 0);
  o.log_every = a.integer("log-every", o.log_every);
  o.lr = a.number("lr", o.lr);
  o.min_lr = a.number("min-lr", o.min_lr);
  o.weight_decay = a.number("weight-decay", o.weight_decay);
  o.ema = a.number("ema", o.ema);
  o.empty_caption = a.number("empty-caption", o.empty_caption);
  o.seed = static_cast<uint64_t>(a.integer("seed", 0));
  o.bf16 = a.text("bf16", "on") != "off";
  o.device = a.text("device", o.device);
  o.grid_prompts = static_cast<int>(a.integer("grid-prompts", o.grid_prompts));
  o.grid_guidance = a.number("grid-guidance", o.grid_guidance);
  a.reject_unused();
  if (o.batch < 1 || o.train_seconds <= 0 || o.schedule_seconds <= 0 || o.log_every < 1 || o.warmup < 1 ||
      o.resume_warmup < 1 || !(o.ema > 0 && o.ema < 1) || o.lr <= 0)
    throw UsageError("train: batch, seconds, log-every and warm-up must be positive, 0 < ema < 1, lr > 0");
  return o;
}

void copy_loss_history(const fs::path& from_dir, const fs::path& to_dir) {
  std::error_code ec;
  const fs::path from = from_dir / "loss.csv", to = to_dir / "loss.csv";
  if (fs::exists(from, ec) && fs::weakly_canonical(from, ec) != fs::weakly_canonical(to, ec))
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (!fs::exists(to, ec)) std::ofstream(to) << "step,train_seconds,lr,loss,grad_norm,images_per_second\n";
}

// The end-of-run sample grid: the exported model through the product's pipeline and samplers.
void write_sample_grid(const Options& o, const torch::Device& device) {
  const fs::path prompts_file = o.data / "contact_prompts.tsv";
  std::error_code ec;
  if (o.grid_prompts <= 0 || !fs::exists(prompts_file, ec)) return;
  PipelineRequest req{"builtin", "", device, device.is_cuda() ? torch::kHalf : torch::kFloat32};
  auto pipeline = load_builtin_pipeline_from(o.out, req);
  std::vector<std::string> prompts;
  std::vector<uint64_t> seeds;
  for (const auto& row : read_indexed_lines(prompts_file.string())) {
    if (static_cast<int>(prompts.size()) == o.grid_prompts) break;
    prompts.push_back(row.second);
    seeds.push_back(seeds.size());
  }
  BatchSamplingSettings s;
  s.guidance = o.grid_guidance;
  auto r = generate_batch(*pipeline, prompts, seeds, s, 64);
  write_image_grid_ppm((o.out / "samples.ppm").string(), r.images, 8);
}

}  // namespace

int run_train(TrainArgs& args) {
  const Options o = parse(args);
  const torch::Device device = training_device(o.device);
  const bool amp = o.bf16 && device.is_cuda();
  start_training_run(o.out, device);

  auto tokenizer = load_clip_tokenizer_folder(o.tokenizer.string(), "<|endoftext|>");
  const bool resuming = !o.resume.empty();
  BuiltinModelConfig config =
      resuming ? read_builtin_model_config(o.resume) : builtin_model_architecture(tokenizer->vocab_size());
  if (tokenizer->vocab_size() > config.text.vocab_size)
    throw InputError("the tokenizer in " + o.tokenizer.string() + " does not fit the model's vocabulary");
  TrainerState state = resuming ? read_trainer_state(o.resume) : TrainerState{};
  state.runs += 1;
  torch::manual_seed(o.seed + 7919 * static_cast<uint64_t>(state.runs));  // a fresh stream per run

  BuiltinModules m = build_builtin_modules(config, torch::TensorOptions().device(device).dtype(torch::kFloat32));
  if (resuming) {
    load_builtin_weights(m, o.resume, torch::kFloat32, device);
  } else {
    init_random_weights(*m.unet, o.seed + 1);
    init_random_weights(*m.text_encoder, o.seed + 2);
    zero_residual_outputs(*m.unet);
  }
  std::vector<torch::Tensor> params, decay, no_decay;
  for (auto* module : {static_cast<torch::nn::Module*>(m.unet.get()), static_cast<torch::nn::Module*>(m.text_encoder.get())}) {
    for (auto& p : module->named_parameters(true)) {
      p.value().set_requires_grad(true);
      params.push_back(p.value());
      const bool embedding = p.key().find("embedding") != std::string::npos;
      (p.value().dim() >= 2 && !embedding ? decay : no_decay).push_back(p.value());
    }
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                 torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(o.lr).weight_decay(0)));
  torch::optim::AdamW optimizer(std::move(groups), torch::optim::AdamWOptions(o.lr));
  WeightEma ema_unet(*m.unet), ema_text(*m.text_encoder);

  const auto images = load_emoji_images((o.data / "images.safetensors").string(), device);
  const CaptionTable captions = load_caption_table((o.data / "captions.tsv").string(), images.size(0), *tokenizer,
                                                   config.context_length(), device);
  const NoiseSchedule schedule(config.schedule);
  const auto abar = torch::tensor(schedule.alphas_cumprod(), torch::kFloat64).to(torch::kFloat32).to(device);
  const int64_t T = config.schedule.num_train_timesteps;
  core_log()->info("train: {} images, {} captions ({} truncated), {} + {} parameters, device {}, run {}, from step {}",
                   images.size(0), captions.ids.size(0), captions.truncated, layers::parameter_count(*m.unet),
                   layers::parameter_count(*m.text_encoder), device.str(), state.runs, state.step);

  copy_loss_history(resuming ? o.resume : o.out, o.out);
  std::ofstream loss_csv(o.out / "loss.csv", std::ios::app);
  const int64_t warmup = resuming ? o.resume_warmup : o.warmup;
  const double seconds_before = state.seconds;

  auto save = [&](double run_seconds) {
    state.seconds = seconds_before + run_seconds;
    export_builtin_model(o.out, config, ema_unet.state(), ema_text.state(), o.tokenizer);
    write_trainer_state(o.out, state);
    core_log()->info("train: saved step {} ({:.0f} s of training) to {}", state.step, state.seconds, o.out.string());
  };

  const auto start = Clock::now();
  auto window_start = start;
  double last_save = 0, elapsed = 0;
  torch::Tensor loss_sum = torch::zeros({}, torch::TensorOptions().device(device)), grad_norm;
  int64_t in_window = 0, run_step = 0;
  double lr = o.lr;
  while (true) {
    elapsed = seconds_since(start);
    if (elapsed >= o.train_seconds || (o.max_steps > 0 && run_step >= o.max_steps)) break;
    lr = learning_rate(o.lr, o.min_lr, run_step, warmup, (seconds_before + elapsed) / o.schedule_seconds);
    for (auto& g : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);

    TrainBatch b = sample_batch(images, captions, o.batch, o.empty_caption);
    auto t = torch::randint(0, T, {o.batch}, torch::TensorOptions().dtype(torch::kLong).device(device));
    auto a = abar.index_select(0, t).view({-1, 1, 1, 1});
    auto noise = torch::randn_like(b.x0);
    auto x_t = a.sqrt() * b.x0 + (1 - a).sqrt() * noise;
    auto v_target = a.sqrt() * noise - (1 - a).sqrt() * b.x0;  // v-prediction target

    if (amp) compat::set_cuda_autocast(true, torch::kBFloat16);
    auto context = m.text_encoder->forward(b.ids);
    auto v_pred = m.unet->forward(x_t, t.to(torch::kFloat32), context);
    if (amp) compat::set_cuda_autocast(false, torch::kBFloat16);
    auto loss = torch::mse_loss(v_pred.to(torch::kFloat32), v_target);

    optimizer.zero_grad();
    loss.backward();
    grad_norm = clip_gradient_norm(params, 1.0);
    optimizer.step();
    if (amp) compat::clear_autocast_cache();
    const double decay = std::min(o.ema, (1.0 + static_cast<double>(run_step)) / (10.0 + static_cast<double>(run_step)));
    ema_unet.update(decay);
    ema_text.update(decay);

    loss_sum += loss.detach();
    ++in_window;
    ++run_step;
    ++state.step;
    state.samples += o.batch;
    if (run_step % o.log_every == 0) {
      state.last_loss = loss_sum.item<double>() / static_cast<double>(in_window);
      const double window = seconds_since(window_start);
      const double ips = static_cast<double>(in_window * o.batch) / window;
      const double at = seconds_before + seconds_since(start);
      loss_csv << state.step << "," << at << "," << lr << "," << state.last_loss << "," << grad_norm.item<double>()
               << "," << ips << "\n";
      loss_csv.flush();
      core_log()->info("step {} loss {:.5f} lr {:.2e} grad {:.3f} {:.0f} img/s", state.step, state.last_loss, lr,
                       grad_norm.item<double>(), ips);
      loss_sum.zero_();
      in_window = 0;
      window_start = Clock::now();
    }
    if (elapsed - last_save >= o.checkpoint_seconds) {
      save(elapsed);
      last_save = elapsed;
    }
  }
  save(elapsed);
  std::printf("trained %lld steps this run (%lld in all, %.0f s in all), last loss %.5f\n",
              static_cast<long long>(run_step), static_cast<long long>(state.step), state.seconds, state.last_loss);
  write_sample_grid(o, device);
  return 0;
}

}  // namespace drf::train
