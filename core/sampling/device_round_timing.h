// Time one device spent in one DRiffusion round: what the evaluators measure and the sampling
// loops report (RoundReport), and what the engine's JobEvent carries to the GUI and the CLI.
// Kept in sampling, below the engine's events, so that sampling includes nothing above it
// (tools/check_layers.py).
#pragma once
#include <string>

namespace drf {

// Milliseconds of one worker in one round.
struct DeviceRoundTiming {
  int device = 0;          // worker index
  std::string name;        // "cuda:0", "cpu"
  double eval_ms = 0;      // network evaluation of its drafts
  double comm_ms = 0;      // gathering the other workers' results
  double refine_ms = 0;    // skip + refine arithmetic
  double idle_ms = 0;      // waiting for the slowest worker
};

}  // namespace drf
