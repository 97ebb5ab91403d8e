#include "core/models/loaders/weight_loader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>

#include <torch/cuda.h>

#include "core/util/errors.h"
#include "core/util/log.h"
#include "core/util/string_util.h"

namespace drf {
namespace {

// Half the hardware threads, at most 8: enough to keep the page-cache copies and an upload busy
// without taking every core from whatever else runs.
std::size_t loader_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return std::clamp<std::size_t>(hw / 2, 1, 8);
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::ostringstream o;
  o << "[";
  for (std::size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << "]";
  return o.str();
}

// Loads every target's tensor into it with several threads: each reads its share from the file
// (page-cache copies, the NaN / Inf check) and uploads it, so reading, checking and uploading
// overlap instead of taking turns over thousands of tensors. Each target takes its tensor at once
// (its placeholder's memory is freed: no second copy of the model). The first failure in target
// order is rethrown once every thread has stopped, so the message does not depend on timing:
// indices are taken in order and every taken one is loaded, so all below a failure were tried.
void load_in_parallel(const WeightSource& source, const std::string& prefix,
                      std::vector<std::pair<std::string, torch::Tensor>>& targets, torch::Dtype dtype,
                      const torch::Device& device, std::size_t threads) {
  const std::size_t n = targets.size();
  std::vector<std::exception_ptr> errors(n);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    torch::NoGradGuard no_grad;
    while (!failed.load()) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n) break;
      try {
        targets[i].second.set_data(source.load(prefix + targets[i].first, dtype, device));
      } catch (...) {
        errors[i] = std::current_exception();
        failed = true;
      }
    }
  };
  // A worker thread starts on the process's current device, not the caller's: an index-less
  // CUDA device ("cuda") loads on the calling thread alone.
  if (device.is_cuda() && !device.has_index()) threads = 1;
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (std::size_t t = 1; t < std::min(threads, n); ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones running (and this one) do the rest
    }
  }
  work();
  for (auto& t : pool) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  // The dtype conversions the threads queued after their uploads may still be running; later
  // work on other streams (graph capture) must see the weights.
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

}  // namespace

WeightLoadReport load_weights(torch::nn::Module& module, const WeightSource& source, torch::Dtype dtype,
                              const torch::Device& device, const WeightLoadOptions& o) {
  const std::string who = source.describe() + (o.component.empty() ? "" : " (" + o.component + ")");
  std::vector<std::pair<std::string, torch::Tensor>> targets;
  for (const auto& p : module.named_parameters(true)) targets.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) targets.emplace_back(b.key(), b.value());

  // Check everything first: nothing is loaded from a file that would fail half-way.
  std::set<std::string> used;
  for (const auto& [name, tensor] : targets) {
    const std::string key = o.prefix + name;
    if (!source.contains(key))
      throw InputError(who + ": tensor " + source.display_name(key) + " is missing (expected shape " +
                       shape_text(tensor.sizes().vec()) + ")");
    const auto stored = source.shape(key);
    if (stored != tensor.sizes().vec())
      throw InputError(who + ": tensor " + source.display_name(key) + " has shape " + shape_text(stored) +
                       ", expected " + shape_text(tensor.sizes().vec()));
    if (!source.is_floating(key))
      throw InputError(who + ": tensor " + source.display_name(key) + " is not stored as floating point");
    used.insert(key);
  }
  if (o.reject_unexpected) {
    for (const auto& key : source.names()) {
      if (!starts_with(key, o.prefix) || used.count(key)) continue;
      if (o.ignorable && o.ignorable(key)) continue;
      throw InputError(who + ": unexpected tensor " + source.display_name(key) +
                       ": the file does not match this architecture (wrong model type or config.json?)");
    }
  }

  const auto start = std::chrono::steady_clock::now();
  load_in_parallel(source, o.prefix, targets, dtype, device, o.threads > 0 ? o.threads : loader_threads());
  WeightLoadReport report;
  for (const auto& target : targets) {
    ++report.tensors;
    report.elements += target.second.numel();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  core_log()->debug("{}: {} tensors, {:.2f} G values loaded in {:.2f} s", who, report.tensors, report.elements / 1e9,
                    seconds);
  return report;
}

std::map<std::string, torch::Tensor> module_state(const torch::nn::Module& module, const std::string& prefix) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : module.named_parameters(true)) out[prefix + p.key()] = p.value();
  for (const auto& b : module.named_buffers(true)) out[prefix + b.key()] = b.value();
  return out;
}

}  // namespace drf
