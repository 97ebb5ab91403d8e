// scheduler_config.json's _class_name: the DDPM-family classes share the training betas; the
// flow-matching class gives flow sigmas with its shift; anything else is refused by name.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/io/scheduler_config.h"
#include "core/util/errors.h"

using namespace drf;

namespace {

std::string error_of(const std::string& text) {
  try {
    scheduler_config_from_json(nlohmann::json::parse(text), "s.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(SchedulerClasses, FlowMatchingReadsShift) {
  const auto c = scheduler_config_from_json(
      nlohmann::json::parse(R"({"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000,
                               "shift": 3.0})"),
      "sd3.json");
  EXPECT_TRUE(c.flow_matching);
  EXPECT_EQ(c.shift, 3.0);
  EXPECT_EQ(c.prediction, PredictionType::FlowVelocity);
}

TEST(SchedulerClasses, UnknownClassesAreRefusedByName) {
  const std::string e = error_of(R"({"_class_name": "CogVideoXDPMScheduler"})");
  EXPECT_NE(e.find("CogVideoXDPMScheduler"), std::string::npos) << e;
  EXPECT_NE(e.find("not supported"), std::string::npos) << e;
  EXPECT_NE(error_of(R"({"_class_name": "FlowMatchEulerDiscreteScheduler", "use_dynamic_shifting": true})")
                .find("use_dynamic_shifting"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": -1})").find("shift"),
            std::string::npos);
  // The DDPM family shares the betas and is read.
  for (const char* cls : {"DPMSolverMultistepScheduler", "UniPCMultistepScheduler", "EulerAncestralDiscreteScheduler"})
    EXPECT_EQ(error_of(std::string(R"({"_class_name": ")") + cls + "\"}"), "") << cls;
}

// LCMScheduler / TCDScheduler mark a consistency-distilled model (the CLI and GUI then pick the
// LCM sampler, 4 steps, CFG 1); the schedule itself is the DDPM family's.
TEST(SchedulerClasses, LcmAndTcdClassesMarkConsistencyDistilledModels) {
  auto read = [](const std::string& cls) {
    return scheduler_config_from_json(nlohmann::json::parse(R"({"_class_name": ")" + cls +
                                                            R"(", "beta_schedule": "scaled_linear"})"),
                                      "s.json");
  };
  for (const char* cls : {"LCMScheduler", "TCDScheduler"}) {
    const ScheduleConfig c = read(cls);
    EXPECT_TRUE(c.consistency_distilled) << cls;
    EXPECT_FALSE(c.flow_matching) << cls;
    EXPECT_EQ(c.beta_schedule, BetaSchedule::ScaledLinear) << cls;
  }
  for (const char* cls : {"DDIMScheduler", "EulerDiscreteScheduler", "DPMSolverMultistepScheduler"})
    EXPECT_FALSE(read(cls).consistency_distilled) << cls;
}
