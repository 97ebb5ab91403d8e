// Small pieces of the training loop, kept apart from the loop itself: the exponential moving
// average of the weights, gradient clipping without a host sync, the learning-rate schedule,
// the start-from-zero initialisation and the resumable trainer state.
#pragma once
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "app/train/model_export.h"

namespace drf::train {

// EMA of a module's parameters (fp32 shadows on the parameters' device).
class WeightEma {
 public:
  explicit WeightEma(torch::nn::Module& module);
  void update(double decay);  // shadow = decay * shadow + (1 - decay) * param
  TensorMap state() const;     // parameter name -> shadow

 private:
  std::vector<std::string> names_;
  std::vector<torch::Tensor> params_, shadow_;
};

// Scales all gradients so that their global L2 norm is at most max_norm; returns the norm
// before clipping as a 0-d device tensor (read it only when logging: reading syncs).
torch::Tensor clip_gradient_norm(const std::vector<torch::Tensor>& params, double max_norm);

// Linear warm-up over `warmup_steps` steps of this run, times a cosine from peak to min over the
// fraction of the planned total training time already spent (runs are time-boxed, so the
// schedule is in seconds, not steps).
double learning_rate(double peak, double min, int64_t run_step, int64_t warmup_steps, double spent_fraction);

// LDM's zero_module: the last convolution of every residual branch, every transformer's proj_out
// and the UNet's conv_out start at zero, so each block starts as the identity.
void zero_residual_outputs(torch::nn::Module& unet);

struct TrainerState {
  int64_t step = 0;        // optimizer steps over all runs
  double seconds = 0;      // training seconds over all runs (the LR schedule's clock)
  int64_t samples = 0;     // training examples seen
  int runs = 0;
  double last_loss = 0;
};
inline constexpr const char* kTrainerStateFile = "trainer_state.json";
// Throws InputError naming the file when it is missing or malformed.
TrainerState read_trainer_state(const std::filesystem::path& dir);
void write_trainer_state(const std::filesystem::path& dir, const TrainerState& state);

// "auto" = the first CUDA device when there is one, else the CPU; otherwise a LibTorch device name.
torch::Device training_device(const std::string& name);

// Wall seconds since t (the runs are time-boxed).
inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Creates the output folder (IoError naming it) and, on a GPU, allows TF32 products and lets
// cuDNN pick its fastest convolutions: what every training run starts with.
void start_training_run(const std::filesystem::path& out, const torch::Device& device);

}  // namespace drf::train
