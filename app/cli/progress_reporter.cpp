#include "app/cli/progress_reporter.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace drf::cli {

ProgressReporter::Style ProgressReporter::style_for(bool quiet) {
  if (quiet) return Style::Silent;
  return ::isatty(STDERR_FILENO) ? Style::Bar : Style::Lines;
}

std::string ProgressReporter::format_duration(double ms) {
  char buf[64];
  if (ms < 1000) std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  else if (ms < 60000) std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000);
  else std::snprintf(buf, sizeof buf, "%d min %02d s", static_cast<int>(ms / 60000), static_cast<int>(ms / 1000) % 60);
  return buf;
}

void ProgressReporter::begin(const std::string& label) {
  clear_line();
  label_ = label;
  last_decile_ = -1;
  sampling_start_ = std::chrono::steady_clock::now();
  last_draw_ = {};
}

void ProgressReporter::note(const std::string& message) {
  if (style_ == Style::Silent) return;
  clear_line();
  std::fprintf(stderr, "%s\n", message.c_str());
}

void ProgressReporter::clear_line() {
  if (!bar_visible_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  bar_visible_ = false;
}

void ProgressReporter::on_event(const JobEvent& e) {
  if (style_ == Style::Silent) return;
  switch (e.kind) {
    case JobEventKind::Started:
      if (style_ == Style::Lines) std::fprintf(stderr, "%s: started\n", label_.c_str());
      break;
    case JobEventKind::TextEncoded:
      sampling_start_ = std::chrono::steady_clock::now();
      break;
    case JobEventKind::RoundDone:
      draw(e);
      break;
    case JobEventKind::Decoding:
      if (style_ == Style::Bar) {
        std::fprintf(stderr, "\r\033[K%s [%s] step %d/%d  decoding", label_.c_str(), std::string(24, '#').c_str(),
                     e.steps_done, e.steps_total);
        bar_visible_ = true;
      }
      break;
    case JobEventKind::Finished:
      clear_line();
      if (style_ == Style::Lines)
        std::fprintf(stderr, "%s: done in %s\n", label_.c_str(), format_duration(e.elapsed_ms).c_str());
      break;
    case JobEventKind::Cancelled:
      clear_line();
      std::fprintf(stderr, "%s: cancelled\n", label_.c_str());
      break;
    case JobEventKind::Failed:
      clear_line();
      break;
  }
  std::fflush(stderr);
}

void ProgressReporter::draw(const JobEvent& e) {
  const int steps_total = std::max(1, e.steps_total);
  const double fraction = std::clamp(static_cast<double>(e.steps_done) / steps_total, 0.0, 1.0);
  // The ETA extrapolates the sampling rounds only (model loading and text encoding are done).
  const double sampling_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sampling_start_).count();
  std::string eta = "-";
  if (e.round > 0 && e.rounds_total > 0 && e.round < e.rounds_total)
    eta = format_duration(sampling_ms / e.round * (e.rounds_total - e.round));

  if (style_ == Style::Lines) {
    const int decile = static_cast<int>(fraction * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(stderr, "%s: step %d/%d, round %d/%d, latencies %d/%d, %s, ETA %s\n", label_.c_str(), e.steps_done,
                 e.steps_total, e.round, e.rounds_total, e.latencies_done, e.latencies_total,
                 format_duration(e.elapsed_ms).c_str(), eta.c_str());
    return;
  }
  // Redraw at most 20 times a second: a fast model finishes hundreds of rounds a second.
  const auto now = std::chrono::steady_clock::now();
  if (e.round != e.rounds_total && now - last_draw_ < std::chrono::milliseconds(50)) return;
  last_draw_ = now;
  constexpr int kBarWidth = 24;
  const int filled = static_cast<int>(fraction * kBarWidth + 0.5);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kBarWidth - filled), '-');
  std::fprintf(stderr, "\r\033[K%s [%s] step %d/%d  round %d/%d  latency %d/%d  %s  ETA %s", label_.c_str(), bar.c_str(),
               e.steps_done, e.steps_total, e.round, e.rounds_total, e.latencies_done, e.latencies_total,
               format_duration(e.elapsed_ms).c_str(), eta.c_str());
  bar_visible_ = true;
}

}  // namespace drf::cli
