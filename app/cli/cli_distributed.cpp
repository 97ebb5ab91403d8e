#include "app/cli/cli_distributed.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "core/image/settings_json.h"
#include "core/io/sha256.h"
#include "core/util/printable_text.h"

namespace drf::cli {
namespace {

std::atomic<bool> g_reported{false};

// Settings as a rank runs them, without the device (each rank has its own).
std::string job_fingerprint(const DistributedJob& job) {
  GenerationSettings s = job.settings;
  s.devices.clear();
  nlohmann::json j{{"settings", nlohmann::json::parse(settings_to_json(s))}, {"prompts", job.prompts}, {"count", job.count}};
  return sha256_hex(j.dump());
}

}  // namespace

bool claim_peer_failure_report() { return !g_reported.exchange(true); }

std::shared_ptr<ProcessWorld> join_distributed(const GenerationSettings& settings, const char* command) {
  const LaunchEnv env = read_launch_env();
  if (settings.devices.size() > 1)
    throw UsageError("--distributed: each process runs on one device: --devices cpu, or --devices 1 for GPU LOCAL_RANK "
                     "(start one process per GPU)");
  PeerInfo self;
  self.device = settings.devices.empty() ? "cpu" : "cuda:" + std::to_string(env.local_rank);
  self.build = version_line();
  const std::string cmd = command;
  return ProcessWorld::join(env, self, WorldTimeouts::from_environment(), [cmd](const std::string& message) {
    if (claim_peer_failure_report()) {
      std::fprintf(stderr, "driffusion %s: %s\n", cmd.c_str(), printable_text(message, LineBreaks::Keep).c_str());
      std::fflush(stderr);
    }
    std::fflush(stdout);
    // The job cannot finish without the lost rank; the main thread may be blocked in a
    // collective that only a timeout would end. Nothing is half-written: images are written
    // through a temporary file and renamed.
    std::_Exit(kPeerFailure);
  });
}

DistributedJob agree_job(ProcessWorld& world, const DistributedJob& mine) {
  nlohmann::json j{{"settings", settings_to_json(mine.settings)}, {"prompts", mine.prompts}, {"count", mine.count}};
  const std::string text = world.broadcast("job", j.dump());
  DistributedJob job;
  try {
    const auto got = nlohmann::json::parse(text);
    job.settings = settings_from_json(got.at("settings").get<std::string>());
    job.prompts = got.at("prompts").get<std::vector<std::string>>();
    job.count = got.at("count").get<int>();
  } catch (const std::exception& e) {
    throw PeerFailure("the job that " + world.label(0) + " sent cannot be read: " + std::string(e.what()));
  }
  if (!mine.settings.devices.empty()) job.settings.devices = {world.env().local_rank};
  else job.settings.devices.clear();
  world.verify_same("job hash", job_fingerprint(job));
  return job;
}

}  // namespace drf::cli
