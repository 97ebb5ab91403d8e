#include "core/engine/spmd_runner.h"

#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/engine/spmd_evaluator.h"
#include "core/sampling/draft_refine_sampler.h"
#include "core/sampling/sequential_sampler.h"
#include "core/util/device_sync.h"
#include "core/util/errors.h"
#include "core/util/log.h"

namespace drf {
namespace {

bool distinct_cuda(const std::vector<torch::Device>& devices) {
  std::set<int> seen;
  for (const auto& d : devices)
    if (!d.is_cuda() || !seen.insert(d.index()).second) return false;
  return true;
}

// Every worker gets the whole conditioning (each evaluates states of the same prompt), moved
// to its device; the split between workers is over states, not conditioning rows.
Conditioning conditioning_on(const Conditioning& c, const torch::Device& d) { return c.to(d); }

}  // namespace

std::shared_ptr<TransportGroup> make_transport_group(const std::vector<torch::Device>& devices, bool force_copy) {
  const int workers = static_cast<int>(devices.size());
  if (!force_copy && workers > 1 && distinct_cuda(devices) && nccl_transport_factory())
    return nccl_transport_factory()(devices);
  return make_copy_transport_group(workers);
}

SpmdRunResult run_spmd(const SpmdRunRequest& req) {
  const int workers = static_cast<int>(req.devices.size());
  if (workers < 1) throw UsageError("no devices to run on");
  std::shared_ptr<TransportGroup> group = req.group ? req.group : make_transport_group(req.devices, req.force_copy_transport);
  // A process group (torchrun/mpirun): this process runs one worker, the group's rank; the
  // other workers are the other processes, each running this same function.
  const int process_rank = group->process_rank();
  if ((process_rank >= 0 ? workers != 1 : group->size() != workers) || group->barrier().aborted())
    throw Error(ErrorKind::Internal, "run_spmd: transport group does not fit this run");

  // Replicas are made here, on one thread: loading is not meant to run concurrently.
  std::map<std::string, std::shared_ptr<Denoiser>> replicas;
  for (const auto& d : req.devices)
    if (!replicas.count(d.str()))
      replicas[d.str()] = req.denoiser_for ? req.denoiser_for(d) : req.pipeline->replicate_denoiser(d);

  TimingBoard board(group->size());
  std::vector<SamplingResult> results(static_cast<std::size_t>(workers));
  std::mutex error_mutex;
  std::exception_ptr first_error;
  bool first_is_abort = true;

  // `slot`: this process's worker index (into devices and results); `rank`: its rank in the group.
  auto worker = [&](int slot, int rank) {
    const torch::Device device = req.devices[static_cast<std::size_t>(slot)];
    try {
      auto transport = group->connect(rank, device);
      GuidedPredictor predictor(*replicas.at(device.str()), conditioning_on(req.conditioning, device),
                                req.max_states_per_call);
      SpmdEvaluator evaluator(rank, *group, *transport, predictor, req.cancel, req.measure ? &board : nullptr, device);
      SamplerOptions so = req.sampler_options;
      so.state_options = so.state_options.device(device);
      auto sampler = make_sampler(req.schedule, so);
      auto x0 = req.x0.to(device);
      SamplingObserver* observer = rank == 0 ? req.observer : nullptr;
      results[static_cast<std::size_t>(slot)] =
          req.plan.mode == Mode::Sequential ? sample_sequential(*sampler, evaluator, x0, observer)
                                            : sample_draft_refine(*sampler, evaluator, req.plan, x0, observer);
      // The result was produced on this worker's stream; finish it before another thread reads it.
      synchronize_device(device);
    } catch (...) {
      // The first real error wins over the "group aborted" errors it causes in the others.
      std::lock_guard<std::mutex> lock(error_mutex);
      const bool is_abort = group->barrier().aborted();
      if (!first_error || (first_is_abort && !is_abort)) {
        first_error = std::current_exception();
        first_is_abort = is_abort;
      }
      std::string what = (process_rank >= 0 ? group->worker_label(rank) : "worker " + std::to_string(rank)) + " (" +
                         device.str() + ") failed";
      try {
        throw;
      } catch (const std::exception& e) {
        what += ": " + std::string(e.what());
      } catch (...) {
      }
      group->abort(what);
    }
  };

  std::vector<std::thread> threads;
  for (int r = 1; r < workers; ++r) threads.emplace_back(worker, r, r);
  worker(0, process_rank >= 0 ? process_rank : 0);
  for (auto& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);

  SpmdRunResult out;
  out.sampling = results[0];
  out.transport = group->name();
  return out;
}

}  // namespace drf
