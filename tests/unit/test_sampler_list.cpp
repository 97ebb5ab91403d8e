// The solver list (core/sampling/sampler_list.h) and everything generated from it agree: entry i
// of the registry is SamplerKind i, the kinds the GUI and settings files stored keep their
// integers (append only), every public name picks exactly one solver, and each kind's factory
// builds that solver (its name and whether it adds noise match the list's line).
#include <cctype>
#include <iterator>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "core/sampling/sampler.h"
#include "core/sampling/sampler_list.h"
#include "core/sampling/sampler_registry.h"
#include "core/util/errors.h"

using namespace drf;

namespace {

#define DRF_TEST_COUNT_SAMPLER(...) +1
constexpr int kListedSamplers = 0 DRIFFUSION_SAMPLERS(DRF_TEST_COUNT_SAMPLER);
#undef DRF_TEST_COUNT_SAMPLER

std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::unique_ptr<Sampler> build(SamplerKind kind, const ScheduleConfig& config) {
  SamplerOptions o;
  o.kind = kind;
  o.steps = 6;
  o.seed = 3;
  o.state_shape = {1, 2, 2, 2};
  o.state_options = torch::TensorOptions().dtype(torch::kFloat32);
  return make_sampler(NoiseSchedule(config), o);
}

}  // namespace

TEST(SamplerList, RegistryEntryIIsKindI) {
  const auto& registry = sampler_registry();
  ASSERT_EQ(static_cast<int>(registry.size()), kListedSamplers);
  for (int i = 0; i < kListedSamplers; ++i) {
    EXPECT_EQ(static_cast<int>(registry[static_cast<std::size_t>(i)].kind), i) << registry[i].name;
    EXPECT_EQ(&sampler_info(static_cast<SamplerKind>(i)), &registry[static_cast<std::size_t>(i)]);
  }
}

TEST(SamplerList, StoredKindsKeepTheirIntegers) {
  // The GUI's combo boxes and saved window state hold these integers: new solvers go at the end.
  const char* const stored[] = {"ddim", "ddpm",  "euler", "euler_a",      "dpmpp_2m", "dpmpp_2m_sde",
                                "unipc", "unipc_nc", "heun", "dpmpp_3m_sde", "lcm"};
  const auto& registry = sampler_registry();
  ASSERT_GE(registry.size(), std::size(stored));
  for (std::size_t i = 0; i < std::size(stored); ++i) EXPECT_EQ(std::string(registry[i].name), stored[i]) << i;
  EXPECT_EQ(static_cast<int>(SamplerKind::DDIM), 0);
  EXPECT_EQ(static_cast<int>(SamplerKind::LCM), 10);
}

TEST(SamplerList, EveryNameSelectsOneSolver) {
  std::set<std::string> seen;
  for (const SamplerInfo& s : sampler_registry()) {
    // A solver may use one spelling for several of its names ("ddim" is CLI, display and ComfyUI).
    std::set<std::string> own = {lowercase(s.name), lowercase(s.display_name), lowercase(s.comfy_name)};
    for (const std::string& n : own) {
      EXPECT_TRUE(seen.insert(n).second) << "name '" << n << "' of " << s.name << " is taken by another solver";
      EXPECT_EQ(find_sampler(n), s.kind) << n;
    }
    EXPECT_FALSE(std::string(s.summary).empty()) << s.name;
  }
}

TEST(SamplerList, EachFactoryBuildsItsSolver) {
  ScheduleConfig flow;
  flow.flow_matching = true;
  flow.shift = 3.0;
  flow.prediction = PredictionType::FlowVelocity;
  for (const SamplerInfo& s : sampler_registry()) {
    auto sampler = build(s.kind, ScheduleConfig{});
    ASSERT_TRUE(sampler) << s.name;
    EXPECT_EQ(sampler->name(), s.display_name) << s.name;
    EXPECT_EQ(sampler->stochastic(), s.stochastic) << s.name;  // DDIM at its default eta 0
    EXPECT_GT(sampler->steps(), 0) << s.name;
    if (s.flow_models) {
      EXPECT_NO_THROW(build(s.kind, flow)) << s.name;
    } else {
      EXPECT_THROW(build(s.kind, flow), UsageError) << s.name;
    }
  }
}
