// libFuzzer target: CLIP tokenisation of arbitrary prompt bytes with the committed tiny
// vocabulary. Encoding must never throw and must always produce a well-formed context.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/text/clip_tokenizer.h"

#ifndef DRF_FUZZ_DATA
#error "DRF_FUZZ_DATA must name tests/io/data"
#endif

namespace {
std::unique_ptr<drf::ClipTokenizer> tokenizer;
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  tokenizer = std::make_unique<drf::ClipTokenizer>(DRF_FUZZ_DATA "/clip_tiny/vocab.json",
                                                   DRF_FUZZ_DATA "/clip_tiny/merges.txt");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string prompt(reinterpret_cast<const char*>(data), size);
  const drf::TokenizedPrompt t = tokenizer->encode_padded(prompt, 77);
  check(t.ids.size() == 77 && t.ids[0] == tokenizer->bos_id());
  check(t.eos_index >= 1 && t.eos_index <= 76 && t.ids[static_cast<std::size_t>(t.eos_index)] == tokenizer->eos_id());
  check(t.truncated == (t.prompt_tokens > 75 || size > drf::ClipTokenizer::kMaxPromptBytes));
  for (int id : t.ids) check(id >= 0 && id < tokenizer->vocab_size());
  (void)tokenizer->decode(t.ids);
  return 0;
}
