// The launcher's environment read by `driffusion generate --distributed`: torchrun's
// variables, Open MPI's, torchrun's agent store, and a clear error for each missing or bad one.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/engine/launch_env.h"
#include "core/util/errors.h"

namespace drf {
namespace {

LaunchEnv read(const std::map<std::string, std::string>& vars) {
  return read_launch_env([&vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

std::string error_of(const std::map<std::string, std::string>& vars) {
  try {
    read(vars);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

const std::map<std::string, std::string> kTorchrun{
    {"RANK", "2"},         {"WORLD_SIZE", "4"},       {"LOCAL_RANK", "0"},
    {"MASTER_ADDR", "10.0.0.5"}, {"MASTER_PORT", "29500"}, {"TORCHELASTIC_RUN_ID", "none"},
    {"TORCHELASTIC_USE_AGENT_STORE", "True"}, {"TORCHELASTIC_RESTART_COUNT", "1"}};

TEST(LaunchEnv, TorchrunVariables) {
  const LaunchEnv e = read(kTorchrun);
  EXPECT_EQ(e.rank, 2);
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.local_rank, 0);
  EXPECT_EQ(e.master_addr, "10.0.0.5");
  EXPECT_EQ(e.master_port, 29500);
  EXPECT_EQ(e.launcher, "torchrun");
  EXPECT_TRUE(e.agent_store);
  EXPECT_EQ(e.restart_count, 1);
}

TEST(LaunchEnv, OpenMpiVariablesWin) {
  const LaunchEnv e = read({{"OMPI_COMM_WORLD_RANK", "1"},
                            {"OMPI_COMM_WORLD_SIZE", "3"},
                            {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                            {"RANK", "0"},
                            {"MASTER_ADDR", "h0"},
                            {"MASTER_PORT", "29511"}});
  EXPECT_EQ(e.rank, 1);
  EXPECT_EQ(e.world_size, 3);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.launcher, "mpirun");
  EXPECT_FALSE(e.agent_store);
}

TEST(LaunchEnv, ByHandWithoutLocalRank) {
  const LaunchEnv e = read({{"RANK", "0"}, {"WORLD_SIZE", "1"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "1"}});
  EXPECT_EQ(e.launcher, "env");
  EXPECT_EQ(e.local_rank, 0);
  EXPECT_FALSE(e.agent_store);
}

TEST(LaunchEnv, MissingOrBadVariablesAreNamed) {
  auto without = [](const std::string& name) {
    auto v = kTorchrun;
    v.erase(name);
    return v;
  };
  for (const char* name : {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"})
    EXPECT_NE(error_of(without(name)).find(std::string(name) + " is not set"), std::string::npos) << name;
  auto bad = kTorchrun;
  bad["RANK"] = "4";  // ranks are 0..WORLD_SIZE-1
  EXPECT_NE(error_of(bad).find("RANK='4'"), std::string::npos);
  bad = kTorchrun;
  bad["MASTER_PORT"] = "70000";
  EXPECT_NE(error_of(bad).find("MASTER_PORT='70000'"), std::string::npos);
  bad = kTorchrun;
  bad["WORLD_SIZE"] = "2x";
  EXPECT_NE(error_of(bad).find("WORLD_SIZE='2x'"), std::string::npos);
  EXPECT_EQ(error_of(kTorchrun), "");
}

}  // namespace
}  // namespace drf
