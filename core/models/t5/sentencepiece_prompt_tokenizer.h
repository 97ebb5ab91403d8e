// T5 prompt ids from a SentencePiece model file (spiece.model, as google/t5-v1_1-xxl ships it)
// through the SentencePiece library, when this build has it: an optional dependency
// (libsentencepiece-dev); core/CMakeLists.txt defines DRIFFUSION_HAVE_SENTENCEPIECE on this one
// unit only when the library is found. Without it, loading says so and points at tokenizer.json,
// which our own Unigram tokenizer reads on every build (t5_prompt_tokenizer.h).
// Ids: the model's pieces, then EOS, truncated to context - 1 + EOS, padded with the pad id
// (T5Tokenizer's slow, SentencePiece-backed behaviour).
#pragma once
#include <memory>
#include <string>

#include "core/models/clip/prompt_tokenizer.h"

namespace drf {

bool sentencepiece_available();

// InputError naming the file when it cannot be read or parsed, or when this build lacks the
// library.
std::shared_ptr<PromptTokenizer> load_sentencepiece_tokenizer(const std::string& spiece_model_path);

}  // namespace drf
