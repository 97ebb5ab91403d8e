// The DRiffusion mode of a run (docs/method.md): sequential, or draft-and-refine rounds in the
// conservative or aggressive schedule. Plain C++: the settings (and so ui/) include it, and the
// planner, the fidelity table and the engine read it. Kept in sampling, below the engine's
// settings, so that the sampling library needs nothing from above it (core/CMakeLists.txt).
#pragma once
#include <string>

namespace drf {

enum class Mode { Sequential, Conservative, Aggressive };

const char* mode_name(Mode m);          // "sequential", "conservative", "aggressive"
Mode parse_mode(const std::string& s);  // case-insensitive; throws UsageError naming the value

}  // namespace drf
