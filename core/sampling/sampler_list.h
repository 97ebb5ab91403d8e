// The one list of solvers. Adding a solver is its file pair (<id>_sampler.{h,cpp}: the step and
// `std::unique_ptr<Sampler> make_<id>_sampler(const SolverContext&)`) plus one line appended
// here; the SamplerKind enum (sampler_kind.h), the registry the CLI, settings JSON, infotext and
// the GUI read (sampler_registry.cpp) and make_sampler's dispatch (sampler.cpp) are generated
// from this list. Plain C++ without LibTorch: ui/ and the LibTorch-free fuzzers read it.
//
// S(Kind, id, "Display name", "comfy_name", traits, "summary"):
//   Kind          the SamplerKind value;
//   id            the CLI / settings JSON name, and the factory's name make_<id>_sampler;
//   Display name  the AUTOMATIC1111 infotext and GUI name;
//   comfy_name    ComfyUI's sampler_name;
//   traits        SamplerTraits flags (or 0): kStochastic adds fresh noise every step (DDIM
//                 only when eta > 0, so not marked), kTakesEta DDIM's eta, kTakesSNoise the scale
//                 of the added noise, kFlowModels usable with flow-matching models (SD3, Flux);
//   summary       one line for --help and tooltips.
// APPEND ONLY: a SamplerKind's integer is its position here, and the GUI stores the integers.
#pragma once

namespace drf {
namespace sampler_traits {
constexpr unsigned kStochastic = 1u, kTakesEta = 2u, kTakesSNoise = 4u, kFlowModels = 8u;
}  // namespace sampler_traits
}  // namespace drf

// clang-format off
#define DRIFFUSION_SAMPLERS(S)                                                                              \
  S(DDIM, ddim, "DDIM", "ddim", kTakesEta | kFlowModels, "DDIM (Song et al.); eta > 0 adds noise")           \
  S(DDPM, ddpm, "DDPM", "ddpm", kStochastic, "ancestral DDPM posterior sampling")                            \
  S(Euler, euler, "Euler", "euler", kFlowModels, "Euler ODE step (flow-matching Euler on flow models)")      \
  S(EulerAncestral, euler_a, "Euler a", "euler_ancestral", kStochastic | kTakesSNoise,                      \
    "Euler ancestral (k-diffusion)")                                                                          \
  S(DpmPP2M, dpmpp_2m, "DPM++ 2M", "dpmpp_2m", kFlowModels, "DPM-Solver++ second-order multistep")          \
  S(DpmPP2MSde, dpmpp_2m_sde, "DPM++ 2M SDE", "dpmpp_2m_sde", kStochastic | kTakesSNoise,                    \
    "DPM-Solver++ 2M, stochastic (midpoint)")                                                                 \
  S(UniPC, unipc, "UniPC", "uni_pc_bh2", kFlowModels, "UniPC bh2, second-order predictor with corrector")    \
  S(UniPCNoCorrector, unipc_nc, "UniPC (no corrector)", "uni_pc_bh2_nc", kFlowModels,                       \
    "UniPC bh2 predictor only")                                                                               \
  S(Heun, heun, "Heun", "heun", kFlowModels,                                                                 \
    "Heun's second-order method; steps count network calls (2 per Heun step, 1 for the last)")               \
  S(DpmPP3MSde, dpmpp_3m_sde, "DPM++ 3M SDE", "dpmpp_3m_sde", kStochastic | kTakesSNoise,                    \
    "DPM-Solver++ third-order multistep, stochastic (eta 1)")                                                 \
  S(LCM, lcm, "LCM", "lcm", kStochastic, "latent consistency sampling, for LCM-distilled models")
// clang-format on
