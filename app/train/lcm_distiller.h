// Latent consistency distillation (Luo et al. 2023, "Latent Consistency Models", Algorithm 1) of
// the built-in model into a few-step LCM model: `driffusion-train distill-lcm`.
//
// The student starts as a copy of the teacher's UNet and learns the consistency function
//   f(x, t) = c_skip(t) x + c_out(t) x0(x, t)
// (the boundary condition that core/sampling/lcm_sampler.cpp applies: u = 10 t, s_d = 0.5) so
// that f agrees along the teacher's guided probability-flow ODE: for a training image x0,
//   x_s   = alpha_s x0 + sigma_s eps                      at s = t + k (k = 20 of 1000)
//   x_t   = one DDIM step of the teacher with CFG w from x_s to t
//   loss  = pseudo-Huber( f_student(x_s, s) - f_target(x_t, t) )
// where the target is an EMA (0.95) of the student. Guidance w is baked in, so the student is
// sampled with CFG 1 (one network call per step). The text encoder is the teacher's, frozen.
// The exported folder is a built-in model folder whose scheduler config names LCMScheduler.
#pragma once

#include "app/train/train_args.h"

namespace drf::train {

int run_distill_lcm(TrainArgs& args);

}  // namespace drf::train
