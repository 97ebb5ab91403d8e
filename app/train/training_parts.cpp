#include "app/train/training_parts.h"

#include <algorithm>
#include <cmath>

#include "core/io/atomic_file.h"
#include "core/io/json_file.h"
#include "core/util/errors.h"
#include "core/util/string_util.h"

namespace drf::train {
namespace fs = std::filesystem;

torch::Device training_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  return torch::Device(name);
}

WeightEma::WeightEma(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.named_parameters(true)) {
    names_.push_back(p.key());
    params_.push_back(p.value());
    shadow_.push_back(p.value().detach().to(torch::kFloat32).clone());
  }
}

void WeightEma::update(double decay) {
  torch::NoGradGuard no_grad;
  at::_foreach_mul_(shadow_, decay);
  at::_foreach_add_(shadow_, params_, 1.0 - decay);
}

TensorMap WeightEma::state() const {
  TensorMap out;
  for (std::size_t i = 0; i < names_.size(); ++i) out[names_[i]] = shadow_[i];
  return out;
}

torch::Tensor clip_gradient_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> grads, norms;
  for (const auto& p : params) {
    if (!p.grad().defined()) continue;
    grads.push_back(p.grad());
    norms.push_back(p.grad().to(torch::kFloat32).norm());
  }
  if (grads.empty()) return torch::zeros({});
  auto total = torch::stack(norms).norm();
  auto coef = (total + 1e-6).reciprocal().mul(max_norm).clamp_max(1.0);
  for (auto& g : grads) g.mul_(coef.to(g.scalar_type()));
  return total;
}

double learning_rate(double peak, double min, int64_t run_step, int64_t warmup_steps, double spent_fraction) {
  const double f = std::clamp(spent_fraction, 0.0, 1.0);
  double lr = min + (peak - min) * 0.5 * (1.0 + std::cos(M_PI * f));
  if (run_step < warmup_steps) lr *= static_cast<double>(run_step + 1) / static_cast<double>(warmup_steps);
  return lr;
}

void zero_residual_outputs(torch::nn::Module& unet) {
  torch::NoGradGuard no_grad;
  for (auto& p : unet.named_parameters(true)) {
    const std::string& n = p.key();
    if (ends_with(n, ".conv2.weight") || ends_with(n, ".conv2.bias") || ends_with(n, ".proj_out.weight") ||
        ends_with(n, ".proj_out.bias") || n.rfind("conv_out.", 0) == 0)
      p.value().zero_();
  }
}

TrainerState read_trainer_state(const fs::path& dir) {
  const std::string path = (dir / kTrainerStateFile).string();
  const nlohmann::json j = read_json_file(path);
  require_object(j, path, "a trainer state");
  TrainerState s;
  s.step = get_int64(j, "step", -1, path);
  s.seconds = get_double(j, "train_seconds", -1, path);
  s.samples = get_int64(j, "samples", 0, path);
  s.runs = get_int(j, "runs", 0, path);
  s.last_loss = get_double(j, "last_loss", 0, path);
  if (s.step < 0 || s.seconds < 0) throw InputError(path + ": 'step' and 'train_seconds' are required");
  return s;
}

void write_trainer_state(const fs::path& dir, const TrainerState& s) {
  nlohmann::json j;
  j["step"] = s.step;
  j["train_seconds"] = s.seconds;
  j["samples"] = s.samples;
  j["runs"] = s.runs;
  j["last_loss"] = s.last_loss;
  const std::string text = j.dump(2) + "\n";
  AtomicFileWriter w((dir / kTrainerStateFile).string());
  w.write(text.data(), text.size());
  w.commit();
}

void start_training_run(const fs::path& out, const torch::Device& device) {
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw IoError("cannot create " + out.string() + ": " + ec.message());
  if (device.is_cuda()) {
    at::globalContext().setAllowTF32CuBLAS(true);
    at::globalContext().setAllowTF32CuDNN(true);
    at::globalContext().setBenchmarkCuDNN(true);
  }
}

}  // namespace drf::train
