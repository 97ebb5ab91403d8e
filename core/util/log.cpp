#include "core/util/log.h"

#include <mutex>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <vector>

namespace drf {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
  std::vector<std::shared_ptr<spdlog::logger>> loggers;
  spdlog::level::level_enum level = spdlog::level::warn;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger(const char* layer) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto& l : r.loggers)
    if (l->name() == layer) return l;
  auto l = std::make_shared<spdlog::logger>(layer, r.sinks.begin(), r.sinks.end());
  l->set_level(r.level);
  r.loggers.push_back(l);
  return l;
}

void add_log_sink(std::shared_ptr<spdlog::sinks::sink> sink) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.sinks.push_back(sink);
  for (auto& l : r.loggers) l->sinks().push_back(sink);
}

void set_log_level(spdlog::level::level_enum level) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.level = level;
  for (auto& l : r.loggers) l->set_level(level);
}

}  // namespace drf
