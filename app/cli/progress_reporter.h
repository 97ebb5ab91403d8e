// Progress of a generation on stderr, from the engine's JobEvents: an in-place bar (steps,
// rounds, serial latencies, ETA) on a terminal, a plain line per 10% otherwise, nothing with
// --quiet.
#pragma once
#include <chrono>
#include <string>

#include "core/engine/events.h"

namespace drf::cli {

class ProgressReporter {
 public:
  enum class Style { Bar, Lines, Silent };
  // Bar when stderr is a terminal, Lines when it is not, Silent when quiet.
  static Style style_for(bool quiet);

  explicit ProgressReporter(Style style) : style_(style) {}
  ~ProgressReporter() { clear_line(); }
  // Starts a new job; `label` prefixes its output ("image 2/5, seed 123").
  void begin(const std::string& label);
  void on_event(const JobEvent& e);
  // Prints a message on its own line (the bar is redrawn by the next event).
  void note(const std::string& message);

  // "12.3 s", "850 ms", "2 min 05 s".
  static std::string format_duration(double ms);

 private:
  void draw(const JobEvent& e);
  void clear_line();

  Style style_;
  std::string label_;
  bool bar_visible_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point sampling_start_{};
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace drf::cli
