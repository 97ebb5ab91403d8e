// libFuzzer target: tokenizer files. The input is "<vocab.json bytes>\0<merges.txt bytes>"; a
// tokenizer built from them (when they are accepted) must then encode a prompt safely.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/text/clip_tokenizer.h"
#include "core/util/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string vocab = input.substr(0, nul);
  const std::string merges = nul == std::string::npos ? "" : input.substr(nul + 1);
  try {
    const auto tok = drf::ClipTokenizer::from_text(vocab, merges, "fuzz");
    const auto t = tok.encode_padded("a photo of a cat, (masterpiece:1.2) caf\xC3\xA9 \xF0\x9F\x94\xA5", 77);
    if (t.ids.size() != 77) std::abort();
    (void)tok.decode(t.ids);
  } catch (const drf::InputError&) {
  }
  return 0;
}
