// The text conditioning of the last few prompts, kept with a loaded model.
//
// A comparison encodes the same prompt for the sequential and the DRiffusion run of every seed,
// and re-rolling a seed or changing the steps encodes it again: with SD3's T5-XXL on the CPU that
// is ~5 s each time, with SDXL's two encoders on a GPU ~0.4 s. The text encoders are
// deterministic, so a repeat gets the stored tensors, and the warnings encode() gave, instead.
// The key is everything encode() reads (text_key); the model itself is the LoadedModel holding
// this cache. Stored and returned tensors are copies, so a job can never change a stored one.
#pragma once
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <vector>

#include "core/engine/settings.h"
#include "core/sampling/conditioning.h"

namespace drf {

// Prompt, negative prompt, guidance, clip skip and the SD3 text options, as one string.
std::string text_key(const GenerationSettings& settings);

class ConditioningCache {
 public:
  using Encode = std::function<Conditioning(std::vector<std::string>& warnings)>;
  explicit ConditioningCache(std::size_t capacity = 8) : capacity_(capacity) {}

  // The conditioning stored for `key` (its warnings appended to `warnings`), or the one `encode`
  // makes, which is then stored in place of the least recently used entry. An exception from
  // `encode` (a cancel, an error) stores nothing.
  Conditioning get(const std::string& key, std::vector<std::string>& warnings, const Encode& encode);
  std::size_t size() const;
  void clear();

 private:
  struct Entry {
    std::string key;
    Conditioning conditioning;
    std::vector<std::string> warnings;
  };
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
};

}  // namespace drf
