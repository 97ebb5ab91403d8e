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

// Generated from sampler_list.h, in its order: entry i is SamplerKind i.
const std::vector<SamplerInfo>& sampler_registry() {
  using namespace sampler_traits;
#define DRF_SAMPLER_INFO_ENTRY(Kind, id, display, comfy, traits, summary)                                   \
  {SamplerKind::Kind, #id, display, comfy, summary, ((traits) & kStochastic) != 0, ((traits) & kTakesEta) != 0, \
   ((traits) & kTakesSNoise) != 0, ((traits) & kFlowModels) != 0},
  static const std::vector<SamplerInfo> list = {DRIFFUSION_SAMPLERS(DRF_SAMPLER_INFO_ENTRY)};
#undef DRF_SAMPLER_INFO_ENTRY
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
