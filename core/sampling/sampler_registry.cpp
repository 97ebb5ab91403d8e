#include "core/sampling/sampler_registry.h"

#include <cctype>

#include "core/util/errors.h"

namespace drf {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

const std::vector<SamplerInfo>& sampler_registry() {
  static const std::vector<SamplerInfo> list = {
      {SamplerKind::DDIM, "ddim", "DDIM", "ddim", "DDIM (Song et al.); eta > 0 adds noise", false, true, false, true},
      {SamplerKind::DDPM, "ddpm", "DDPM", "ddpm", "ancestral DDPM posterior sampling", true, false, false, false},
      {SamplerKind::Euler, "euler", "Euler", "euler",
       "Euler ODE step (flow-matching Euler on flow models)", false, false, false, true},
      {SamplerKind::EulerAncestral, "euler_a", "Euler a", "euler_ancestral", "Euler ancestral (k-diffusion)", true,
       false, true, false},
      {SamplerKind::DpmPP2M, "dpmpp_2m", "DPM++ 2M", "dpmpp_2m", "DPM-Solver++ second-order multistep", false, false,
       false, true},
      {SamplerKind::DpmPP2MSde, "dpmpp_2m_sde", "DPM++ 2M SDE", "dpmpp_2m_sde",
       "DPM-Solver++ 2M, stochastic (midpoint)", true, false, true, false},
      {SamplerKind::UniPC, "unipc", "UniPC", "uni_pc_bh2", "UniPC bh2, second-order predictor with corrector", false,
       false, false, true},
      {SamplerKind::UniPCNoCorrector, "unipc_nc", "UniPC (no corrector)", "uni_pc_bh2_nc",
       "UniPC bh2 predictor only", false, false, false, true},
      {SamplerKind::Heun, "heun", "Heun", "heun",
       "Heun's second-order method; steps count network calls (2 per Heun step, 1 for the last)", false, false,
       false, true},
      {SamplerKind::DpmPP3MSde, "dpmpp_3m_sde", "DPM++ 3M SDE", "dpmpp_3m_sde",
       "DPM-Solver++ third-order multistep, stochastic (eta 1)", true, false, true, false},
      {SamplerKind::LCM, "lcm", "LCM", "lcm", "latent consistency sampling, for LCM-distilled models", true, false,
       false, false},
  };
  return list;
}

const std::vector<ScheduleInfo>& schedule_registry() {
  static const std::vector<ScheduleInfo> list = {
      {ScheduleKind::Default, "default", "Default",
       "the model's training timesteps (its timestep_spacing); shifted sigmas on flow models"},
      {ScheduleKind::Karras, "karras", "Karras", "Karras et al. rho = 7 between the default's extreme sigmas"},
      {ScheduleKind::Exponential, "exponential", "Exponential", "log-uniform sigmas between the default's extremes"},
      {ScheduleKind::SgmUniform, "sgm_uniform", "SGM Uniform", "uniform in training time over the full range"},
  };
  return list;
}

const SamplerInfo& sampler_info(SamplerKind kind) {
  for (const SamplerInfo& s : sampler_registry())
    if (s.kind == kind) return s;
  throw Error(ErrorKind::Internal, "sampler kind missing from the registry");
}

const ScheduleInfo& schedule_info(ScheduleKind kind) {
  for (const ScheduleInfo& s : schedule_registry())
    if (s.kind == kind) return s;
  throw Error(ErrorKind::Internal, "schedule kind missing from the registry");
}

std::optional<SamplerKind> find_sampler(const std::string& name) {
  const std::string l = lower(name);
  for (const SamplerInfo& s : sampler_registry())
    if (l == s.name || l == lower(s.display_name) || l == s.comfy_name) return s.kind;
  if (l == "euler_ancestral" || l == "euler ancestral") return SamplerKind::EulerAncestral;
  if (l == "uni_pc" || l == "unipc_bh2") return SamplerKind::UniPC;
  return std::nullopt;
}

std::optional<ScheduleKind> find_schedule(const std::string& name) {
  const std::string l = lower(name);
  for (const ScheduleInfo& s : schedule_registry())
    if (l == s.name || l == lower(s.display_name)) return s.kind;
  // AUTOMATIC1111's names for the spacing-based default.
  if (l == "automatic" || l == "uniform" || l == "normal") return ScheduleKind::Default;
  return std::nullopt;
}

std::string sampler_names() {
  std::string out;
  for (const SamplerInfo& s : sampler_registry()) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

std::string schedule_names() {
  std::string out;
  for (const ScheduleInfo& s : schedule_registry()) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

}  // namespace drf
