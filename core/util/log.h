// One spdlog logger per layer ("core", "gpu", "ui"). Sinks added with add_log_sink() reach
// every logger, which is how the GUI's log view sees engine messages.
#pragma once
#include <memory>
#include <spdlog/spdlog.h>

namespace drf {

std::shared_ptr<spdlog::logger> logger(const char* layer);  // created on first use
inline std::shared_ptr<spdlog::logger> core_log() { return logger("core"); }
void add_log_sink(std::shared_ptr<spdlog::sinks::sink> sink);
void set_log_level(spdlog::level::level_enum level);

}  // namespace drf
