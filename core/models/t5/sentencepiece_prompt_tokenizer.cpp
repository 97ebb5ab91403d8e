#include "core/models/t5/sentencepiece_prompt_tokenizer.h"

#include "core/util/errors.h"

#ifdef DRIFFUSION_HAVE_SENTENCEPIECE
#include <sentencepiece_processor.h>
#endif

namespace drf {

#ifdef DRIFFUSION_HAVE_SENTENCEPIECE

namespace {

class SentencePiecePromptTokenizer : public PromptTokenizer {
 public:
  explicit SentencePiecePromptTokenizer(const std::string& path) : path_(path) {
    const auto status = processor_.Load(path);
    if (!status.ok()) throw InputError(path + ": not a SentencePiece model (" + status.ToString() + ")");
    if (processor_.eos_id() < 0) throw InputError(path + ": the SentencePiece model has no end-of-sequence piece");
  }
  PromptTokens encode(const std::string& prompt, int context) const override {
    if (context < 1) throw UsageError("T5 token context must hold at least the end-of-sequence token");
    std::vector<int> ids;
    processor_.Encode(prompt, &ids);
    PromptTokens t;
    const std::size_t keep = static_cast<std::size_t>(context - 1);
    if (ids.size() > keep) {
      t.truncated = true;
      processor_.Decode(std::vector<int>(ids.begin() + static_cast<std::ptrdiff_t>(keep), ids.end()), &t.dropped_text);
      ids.resize(keep);
    }
    t.ids.assign(ids.begin(), ids.end());
    t.ids.push_back(processor_.eos_id());
    t.ids.resize(static_cast<std::size_t>(context), std::max(0, processor_.pad_id()));
    return t;
  }
  std::string describe() const override { return "SentencePiece tokenizer from " + path_; }
  int64_t vocab_size() const override { return processor_.GetPieceSize(); }

 private:
  sentencepiece::SentencePieceProcessor processor_;
  std::string path_;
};

}  // namespace

bool sentencepiece_available() { return true; }

std::shared_ptr<PromptTokenizer> load_sentencepiece_tokenizer(const std::string& path) {
  return std::make_shared<SentencePiecePromptTokenizer>(path);
}

#else

bool sentencepiece_available() { return false; }

std::shared_ptr<PromptTokenizer> load_sentencepiece_tokenizer(const std::string& path) {
  throw InputError(path + ": this build has no SentencePiece library (optional, libsentencepiece-dev); "
                   "use the folder's tokenizer.json, which is read without it");
}

#endif

}  // namespace drf
