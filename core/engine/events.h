// Events a generation job reports while it runs. Plain C++ (images are RGB byte buffers) so
// the GUI, the CLI progress bar and the statistics all consume the same stream.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/sampling/device_round_timing.h"

namespace drf {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // width * height * 3, row-major, RGB
  bool empty() const { return pixels.empty(); }
};

enum class JobEventKind { Started, TextEncoded, RoundDone, Decoding, Finished, Cancelled, Failed };

struct JobEvent {
  JobEventKind kind = JobEventKind::Started;
  int round = 0;              // 1-based round just finished (RoundDone)
  int rounds_total = 0;
  int steps_done = 0;
  int steps_total = 0;
  int latencies_done = 0;     // serial network latencies so far
  int latencies_total = 0;
  double elapsed_ms = 0;
  RgbImage preview;                 // refined state after this round (cheap projection)
  std::vector<RgbImage> drafts;     // this round's draft states (cheap projection)
  std::vector<DeviceRoundTiming> timings;
  std::string message;              // Failed: the error; otherwise optional detail
  std::string error_kind;           // Failed: "usage", "input", "device", "io", "internal"
};

}  // namespace drf
