#include "core/engine/process_world.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "core/engine/process_group_gloo.h"
#include "core/util/log.h"
#include "core/util/string_util.h"

namespace drf {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds seconds_from_env(const char* name, std::chrono::milliseconds fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const double s = std::strtod(v, &end);
  if (end == v || *end != '\0' || !(s > 0) || s > 86400)
    throw UsageError(std::string("environment variable ") + name + "='" + v + "' is not a number of seconds (0 to 86400)");
  return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

std::vector<uint8_t> bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }
std::string text(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }
std::string secs(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

std::string this_host() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "?";
  return name;
}

std::string encode(const PeerInfo& p) { return p.host + "\n" + std::to_string(p.pid) + "\n" + p.device + "\n" + p.build; }
PeerInfo decode(const std::string& s) {
  PeerInfo p;
  std::size_t a = s.find('\n'), b = a == std::string::npos ? a : s.find('\n', a + 1),
              c = b == std::string::npos ? b : s.find('\n', b + 1);
  if (c == std::string::npos) return p;
  p.host = s.substr(0, a);
  p.pid = std::atol(s.substr(a + 1, b - a - 1).c_str());
  p.device = s.substr(b + 1, c - b - 1);
  p.build = s.substr(c + 1);
  return p;
}

c10::intrusive_ptr<c10d::Store> connect_store(const LaunchEnv& env, bool serve, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions o;
  o.port = static_cast<std::uint16_t>(env.master_port);
  o.isServer = serve;
  o.waitWorkers = false;  // arrival is checked by the hello keys, which name who is missing
  o.timeout = timeout;
  auto tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
  return c10::make_intrusive<c10d::PrefixStore>("driffusion/attempt_" + std::to_string(env.restart_count), tcp);
}

// Waits for `keys` by polling (a TCPStore wait() that times out leaves its answer in the socket
// for the next request): returns "" when all are there, the reason another rank published
// when it reports a failure first, or throws std::runtime_error on the deadline.
std::string poll_keys(c10d::Store& store, const std::vector<std::string>& keys, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (store.check(keys)) return "";
    if (store.check({"abort"})) {
      const auto b = store.get("abort");
      return std::string(b.begin(), b.end());
    }
    if (Clock::now() > deadline) throw std::runtime_error("timed out");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

ProcessTransportFactory& nccl_factory_slot() {
  static ProcessTransportFactory f = nullptr;
  return f;
}

std::mutex& current_mutex() {
  static std::mutex m;
  return m;
}
std::shared_ptr<ProcessWorld>& current_slot() {
  static std::shared_ptr<ProcessWorld> w;
  return w;
}

}  // namespace

WorldTimeouts WorldTimeouts::from_environment() {
  WorldTimeouts t;
  t.rendezvous = seconds_from_env("DRIFFUSION_RENDEZVOUS_TIMEOUT_S", t.rendezvous);
  t.peer = seconds_from_env("DRIFFUSION_PEER_TIMEOUT_S", t.peer);
  t.collective = seconds_from_env("DRIFFUSION_COLLECTIVE_TIMEOUT_S", t.collective);
  return t;
}

struct ProcessWorld::Impl {
  LaunchEnv env;
  WorldTimeouts timeouts;
  PeerFailureHandler on_peer_failure;
  std::vector<PeerInfo> peers;
  c10::intrusive_ptr<c10d::Store> store;          // main thread (and the Gloo rendezvous)
  c10::intrusive_ptr<c10d::Store> watcher_store;  // the watcher's own connection
  int sequence = 0;                               // numbers broadcast/verify rounds
  std::map<std::string, std::shared_ptr<TransportGroup>> groups;

  std::thread watcher;
  std::mutex mutex;
  std::condition_variable cv;
  bool stop = false;
  std::atomic<bool> verdict{false};  // the watcher found a peer to blame

  std::string label(int r) const {
    const PeerInfo& p = peers[static_cast<std::size_t>(r)];
    return "rank " + std::to_string(r) + " (" + p.host + ", pid " + std::to_string(p.pid) + ", " + p.device + ")";
  }
  std::string store_address() const { return env.master_addr + ":" + std::to_string(env.master_port); }

  // Rank 0 serves the store (unless torchrun's agent does): before it exits, the others get a
  // moment to read the reason it published, rather than only losing the store.
  void linger_if_serving() const {
    if (env.rank == 0 && !env.agent_store) std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  }

  void blame(const std::string& message) {
    verdict = true;
    linger_if_serving();
    if (on_peer_failure) on_peer_failure(message);
  }

  // Heartbeats every 250 ms; a peer whose counter stands still for the peer timeout (and that
  // has not finished) is lost. Any rank's failure report ("abort") ends every other rank.
  void watch() {
    const int n = static_cast<int>(peers.size());
    std::vector<int64_t> last(static_cast<std::size_t>(n), -1);
    std::vector<Clock::time_point> seen(static_cast<std::size_t>(n), Clock::now());
    std::vector<bool> finished(static_cast<std::size_t>(n), false);
    const std::string me = std::to_string(env.rank);
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        if (cv.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop; })) return;
      }
      try {
        watcher_store->add("beat/" + me, 1);
        if (watcher_store->check({"abort"})) {
          blame(text(watcher_store->get("abort")));
          return;
        }
        const auto now = Clock::now();
        for (int p = 0; p < n; ++p) {
          const auto i = static_cast<std::size_t>(p);
          if (p == env.rank || finished[i]) continue;
          const int64_t beat = watcher_store->add("beat/" + std::to_string(p), 0);
          if (beat != last[i]) {
            last[i] = beat;
            seen[i] = now;
          } else if (now - seen[i] > timeouts.peer) {
            if (watcher_store->check({"done/" + std::to_string(p)})) {
              finished[i] = true;
              continue;
            }
            const std::string why = label(p) + " stopped responding: no heartbeat for " + secs(timeouts.peer) +
                                    " (the process was killed or crashed, or its host is unreachable)";
            if (!watcher_store->check({"abort"})) watcher_store->set("abort", bytes(why));
            blame(why);
            return;
          }
        }
      } catch (const std::exception& e) {
        std::unique_lock<std::mutex> lock(mutex);
        if (stop) return;
        lock.unlock();
        blame("lost the rendezvous store at " + store_address() + " (served by " +
              (env.agent_store ? std::string("torchrun's agent on rank 0's host") : label(0)) +
              "; that process has probably exited): " + first_line(e.what()));
        return;
      }
    }
  }

  void stop_watcher() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    cv.notify_all();
    if (watcher.joinable() && watcher.get_id() != std::this_thread::get_id()) watcher.join();
  }

  std::vector<std::string> keys(const std::string& prefix) const {
    std::vector<std::string> k;
    for (std::size_t r = 0; r < peers.size(); ++r) k.push_back(prefix + std::to_string(r));
    return k;
  }
};

std::shared_ptr<ProcessWorld> ProcessWorld::join(const LaunchEnv& env, const PeerInfo& self_in, const WorldTimeouts& timeouts,
                                                 PeerFailureHandler on_peer_failure) {
  auto impl = std::make_unique<Impl>();
  impl->env = env;
  impl->timeouts = timeouts;
  impl->on_peer_failure = std::move(on_peer_failure);
  PeerInfo self = self_in;
  if (self.host.empty()) self.host = this_host();
  if (self.pid == 0) self.pid = static_cast<long>(getpid());
  const bool serve = env.rank == 0 && !env.agent_store;
  try {
    impl->store = connect_store(env, serve, timeouts.rendezvous);
    impl->watcher_store = connect_store(env, false, timeouts.peer);
  } catch (const std::exception& e) {
    if (serve)
      throw UsageError("rank 0 cannot serve the rendezvous store on port " + std::to_string(env.master_port) +
                       " (MASTER_PORT in use by another job?): " + first_line(e.what()));
    throw PeerFailure("rank " + std::to_string(env.rank) + " (" + self.host + ") could not reach the rendezvous store at " +
                      impl->store_address() + " within " + secs(timeouts.rendezvous) +
                      ": rank 0 never started it, MASTER_ADDR is wrong, or a firewall blocks the port (" +
                      first_line(e.what()) + ")");
  }
  impl->peers.resize(static_cast<std::size_t>(env.world_size));
  const auto hello_keys = impl->keys("hello/");
  std::string why;
  try {
    impl->store->set("hello/" + std::to_string(env.rank), bytes(encode(self)));
    why = poll_keys(*impl->store, hello_keys, timeouts.rendezvous);
  } catch (const std::exception& e) {
    try {
      std::string missing;
      for (std::size_t r = 0; r < hello_keys.size(); ++r)
        if (!impl->store->check({hello_keys[r]})) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
      why = "rank(s) " + missing + " of " + std::to_string(env.world_size) + " never arrived within " +
            secs(timeouts.rendezvous) + " (store " + impl->store_address() +
            "; their host is unknown: a missing process never reports)";
      if (!impl->store->check({"abort"})) impl->store->set("abort", bytes(why));
      // The store lives in this process: leave the others time to read why.
      if (serve) std::this_thread::sleep_for(std::chrono::seconds(2));
    } catch (const std::exception&) {
      why = "the rendezvous store at " + impl->store_address() + " went away while waiting for every rank (" +
            first_line(e.what()) + ")";
    }
  }
  if (!why.empty()) throw PeerFailure(why);
  for (std::size_t r = 0; r < hello_keys.size(); ++r) impl->peers[r] = decode(text(impl->store->get(hello_keys[r])));
  for (std::size_t r = 1; r < impl->peers.size(); ++r)
    if (impl->peers[r].build != impl->peers[0].build)
      throw PeerFailure(impl->label(static_cast<int>(r)) + " runs '" + impl->peers[r].build + "' but " + impl->label(0) +
                        " runs '" + impl->peers[0].build + "': every rank must run the same driffusion build");
  Impl* raw = impl.get();
  impl->watcher = std::thread([raw] { raw->watch(); });
  core_log()->info("joined {} as rank {} of {} ({} launch, store {})", "a distributed job", env.rank, env.world_size,
                   env.launcher, impl->store_address());
  return std::shared_ptr<ProcessWorld>(new ProcessWorld(std::move(impl)));
}

ProcessWorld::ProcessWorld(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ProcessWorld::~ProcessWorld() {
  impl_->stop_watcher();
  impl_->groups.clear();
}

int ProcessWorld::rank() const { return impl_->env.rank; }
int ProcessWorld::size() const { return impl_->env.world_size; }
const LaunchEnv& ProcessWorld::env() const { return impl_->env; }
const WorldTimeouts& ProcessWorld::timeouts() const { return impl_->timeouts; }
const std::vector<PeerInfo>& ProcessWorld::peers() const { return impl_->peers; }
std::string ProcessWorld::label(int rank) const { return impl_->label(rank); }

std::string ProcessWorld::broadcast(const std::string& what, const std::string& value) {
  const std::string key = "bcast/" + std::to_string(impl_->sequence++) + "/" + what;
  if (rank() == 0) {
    impl_->store->set(key, bytes(value));
    return value;
  }
  std::string why;
  try {
    why = poll_keys(*impl_->store, {key}, impl_->timeouts.rendezvous);
  } catch (const std::exception& e) {
    why = label(0) + " did not publish the " + what + " within " + secs(impl_->timeouts.rendezvous) + " (" +
          first_line(e.what()) + ")";
  }
  if (!why.empty()) throw PeerFailure(why);
  return text(impl_->store->get(key));
}

void ProcessWorld::verify_same(const std::string& what, const std::string& value) {
  const std::string prefix = "verify/" + std::to_string(impl_->sequence++) + "/";
  impl_->store->set(prefix + std::to_string(rank()), bytes(value));
  const auto keys = impl_->keys(prefix);
  std::string why;
  try {
    why = poll_keys(*impl_->store, keys, impl_->timeouts.collective);
  } catch (const std::exception& e) {
    why = "not every rank reported its " + what + " within " + secs(impl_->timeouts.collective) + " (" +
          first_line(e.what()) + ")";
  }
  if (!why.empty()) throw PeerFailure(why);
  const std::string reference = text(impl_->store->get(keys[0]));
  for (std::size_t r = 1; r < keys.size(); ++r) {
    const std::string v = text(impl_->store->get(keys[r]));
    if (v != reference)
      throw PeerFailure(label(static_cast<int>(r)) + " has " + what + " " + v + " but " + label(0) + " has " + reference +
                        ": every rank must run the same settings and model files");
  }
}

void ProcessWorld::report_failure(const std::string& message) {
  try {
    if (!impl_->store->check({"abort"})) impl_->store->set("abort", bytes(label(rank()) + " failed: " + message));
    impl_->linger_if_serving();
  } catch (const std::exception& e) {
    core_log()->warn("could not tell the other ranks about this failure: {}", first_line(e.what()));
  }
}

void ProcessWorld::wait_for_peer_verdict() {
  const auto until = Clock::now() + impl_->timeouts.peer + std::chrono::seconds(2);
  while (Clock::now() < until && !impl_->verdict) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

void ProcessWorld::finish() {
  if (rank() != 0) {
    impl_->stop_watcher();
    impl_->store->set("done/" + std::to_string(rank()), bytes("1"));
    return;
  }
  // Rank 0 may serve the store: it leaves only when every rank has finished with it.
  impl_->store->set("done/0", bytes("1"));
  try {
    const std::string why = poll_keys(*impl_->store, impl_->keys("done/"), impl_->timeouts.collective);
    if (!why.empty()) core_log()->warn("a rank failed after this one finished: {}", why);
  } catch (const std::exception& e) {
    core_log()->warn("not every rank reported the end of the job: {}", first_line(e.what()));
  }
  impl_->stop_watcher();
}

std::shared_ptr<TransportGroup> ProcessWorld::transport_group(const torch::Device& device) {
  auto& g = impl_->groups[device.str()];
  if (g) return g;
  if (device.is_cuda()) {
    if (!nccl_factory_slot())
      throw DeviceError("GPU ranks need NCCL, and this driffusion build has none (run the ranks on the CPU)");
    g = nccl_factory_slot()(*this, device);
  } else {
    g = make_gloo_transport_group(*this, c10::make_intrusive<c10d::PrefixStore>("gloo", impl_->store));
  }
  return g;
}

void register_nccl_process_transport_factory(ProcessTransportFactory factory) { nccl_factory_slot() = factory; }

void set_current_process_world(std::shared_ptr<ProcessWorld> world) {
  std::lock_guard<std::mutex> lock(current_mutex());
  current_slot() = std::move(world);
}
std::shared_ptr<ProcessWorld> current_process_world() {
  std::lock_guard<std::mutex> lock(current_mutex());
  return current_slot();
}

}  // namespace drf
