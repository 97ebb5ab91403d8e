// A byte count in words for a sentence ("64 GB", "812 MB", "3 kB"): used by the job memory check
// (core/engine/job_memory.h) and the weights-vs-memory check of the loaders, so it sits in util,
// below both.
#pragma once
#include <cstdint>
#include <string>

namespace drf {

// "64 GB", "812 MB", "3 kB": one significant unit for a sentence.
std::string approximate_size(int64_t bytes);

}  // namespace drf
