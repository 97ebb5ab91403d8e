#include "core/engine/conditioning_cache.h"

#include <cstdio>

namespace drf {
namespace {

Conditioning copy_of(const Conditioning& c) {
  const auto clone = [](const torch::Tensor& t) { return t.clone(); };
  Conditioning out;
  out.cond = c.cond.map(clone);
  out.uncond = c.uncond.map(clone);
  out.guidance = c.guidance;
  return out;
}

}  // namespace

std::string text_key(const GenerationSettings& s) {
  char guidance[32];
  std::snprintf(guidance, sizeof guidance, "%.17g", s.guidance);  // every bit of the double
  // Lengths first, so no prompt text can imitate a field boundary.
  return std::to_string(s.prompt.size()) + ":" + s.prompt + "|" + std::to_string(s.negative_prompt.size()) + ":" +
         s.negative_prompt + "|g" + guidance + "|skip" + std::to_string(s.clip_skip) + "|t5" + (s.use_t5 ? "1" : "0") +
         "@" + s.t5_device;
}

Conditioning ConditioningCache::get(const std::string& key, std::vector<std::string>& warnings, const Encode& encode) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->key != key) continue;
      entries_.splice(entries_.begin(), entries_, it);
      warnings.insert(warnings.end(), it->warnings.begin(), it->warnings.end());
      return copy_of(it->conditioning);
    }
  }
  // Encode outside the lock: it may take seconds, and a cancel must not wait for another job.
  std::vector<std::string> encode_warnings;
  Conditioning made = encode(encode_warnings);
  warnings.insert(warnings.end(), encode_warnings.begin(), encode_warnings.end());
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.remove_if([&](const Entry& e) { return e.key == key; });  // another job may have stored it meanwhile
  entries_.push_front(Entry{key, copy_of(made), std::move(encode_warnings)});
  while (entries_.size() > capacity_) entries_.pop_back();
  return made;
}

std::size_t ConditioningCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

void ConditioningCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
}

}  // namespace drf
