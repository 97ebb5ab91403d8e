#include "core/util/log.h"

#include <mutex>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <vector>

#include "core/util/printable_text.h"

namespace drf {
namespace {

// Every sink sees messages through this wrapper: control characters from file names, tensor
// names or PNG text are escaped (printable_text), and a line break starts an indented
// continuation line, so a hostile string can neither drive the terminal nor forge a log record.
class EscapingSink : public spdlog::sinks::sink {
 public:
  explicit EscapingSink(spdlog::sink_ptr inner) : inner_(std::move(inner)) {}
  void log(const spdlog::details::log_msg& msg) override {
    if (!inner_->should_log(msg.level)) return;
    const std::string escaped = printable_text(std::string(msg.payload.data(), msg.payload.size()), LineBreaks::Keep);
    std::string text;
    text.reserve(escaped.size());
    for (char c : escaped) text += c == '\n' ? std::string("\n    ") : std::string(1, c);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(text.data(), text.size());
    inner_->log(copy);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override { inner_->set_formatter(std::move(formatter)); }

 private:
  spdlog::sink_ptr inner_;
};

spdlog::sink_ptr escaping(spdlog::sink_ptr sink) { return std::make_shared<EscapingSink>(std::move(sink)); }

struct Registry {
  std::mutex mutex;
  std::vector<spdlog::sink_ptr> sinks{escaping(std::make_shared<spdlog::sinks::stderr_color_sink_mt>())};
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
  sink = escaping(std::move(sink));
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
