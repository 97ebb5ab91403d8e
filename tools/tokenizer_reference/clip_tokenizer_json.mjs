// Builds a `tokenizers`-format tokenizer.json (and the tokenizer_config.json beside it) from a CLIP
// vocab.json + merges.txt, with the pipeline Hugging Face's CLIPConverter
// (transformers/convert_slow_tokenizer.py) gives CLIPTokenizerFast, which is also what
// transformers 5's CLIPTokenizer and Transformers.js run:
//   normalizer     NFC, every \s+ run -> one space, lowercase
//   pre-tokenizer  Split on CLIP's regex keeping the matches (contractions, letter runs, single
//                  digits, runs of other non-space characters), then ByteLevel without a prefix space
//   model          BPE, end_of_word_suffix "</w>", unk "<|endoftext|>", no dropout, no unk fusing
//   post-processor RobertaProcessing: <|startoftext|> X <|endoftext|>, offsets not trimmed
// The special tokens are added the way an SD tokenizer folder declares them (tokenizer_config.json
// AddedTokens with normalized: true), so they are found in the normalized text.
//
// Usage as a script: node clip_tokenizer_json.mjs VOCAB_JSON MERGES_TXT OUT_DIR [PAD_TOKEN]
import fs from "node:fs";
import path from "node:path";
import url from "node:url";

export const BOS = "<|startoftext|>";
export const EOS = "<|endoftext|>";
const CLIP_SPLIT_REGEX = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";
const MAX_MERGES = 49152 - 256 - 2;  // the slice CLIPTokenizer takes of merges.txt

// merges.txt as CLIPTokenizer reads it: the whole text stripped, split on "\n", the "#version"
// line skipped, at most MAX_MERGES lines, each split on whitespace. CLIPConverter then takes
// list(bpe_ranks.keys()): a pair listed twice keeps the position of its first occurrence.
export function readMerges(text) {
  const lines = text.trim().split("\n").slice(1, MAX_MERGES + 1);
  const seen = new Set();
  const merges = [];
  for (const [i, line] of lines.entries()) {
    const parts = line.split(/\s+/).filter((s) => s.length > 0);
    if (parts.length !== 2) throw new Error(`merges line ${i + 2} is not two symbols: ${JSON.stringify(line)}`);
    const key = parts.join(" ");
    if (seen.has(key)) continue;
    seen.add(key);
    merges.push(parts);
  }
  return merges;
}

function addedToken(id, content) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
}

export function buildTokenizerJson(vocab, merges) {
  for (const t of [BOS, EOS]) if (!(t in vocab)) throw new Error(`vocabulary has no ${t}`);
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [addedToken(vocab[BOS], BOS), addedToken(vocab[EOS], EOS)].sort((a, b) => a.id - b.id),
    normalizer: {
      type: "Sequence",
      normalizers: [
        { type: "NFC" },
        { type: "Replace", pattern: { Regex: "\\s+" }, content: " " },
        { type: "Lowercase" },
      ],
    },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: CLIP_SPLIT_REGEX }, behavior: "Removed", invert: true },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: {
      type: "RobertaProcessing",
      sep: [EOS, vocab[EOS]],
      cls: [BOS, vocab[BOS]],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: EOS,
      continuing_subword_prefix: "",
      end_of_word_suffix: "</w>",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

// tokenizer_config.json of an SD 1.x tokenizer folder; SD 2.x pads with "!" instead.
export function buildTokenizerConfig(padToken = EOS) {
  const special = (content) => ({ __type: "AddedToken", content, lstrip: false, normalized: true, rstrip: false, single_word: false });
  return {
    add_prefix_space: false,
    bos_token: special(BOS),
    eos_token: special(EOS),
    unk_token: special(EOS),
    pad_token: padToken,
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
    errors: "replace",
    model_max_length: 77,
    tokenizer_class: "CLIPTokenizer",
  };
}

export function loadClipFiles(vocabPath, mergesPath, padToken = EOS) {
  const vocab = JSON.parse(fs.readFileSync(vocabPath, "utf8"));
  const merges = readMerges(fs.readFileSync(mergesPath, "utf8"));
  return { tokenizerJson: buildTokenizerJson(vocab, merges), tokenizerConfig: buildTokenizerConfig(padToken) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === url.fileURLToPath(import.meta.url)) {
  const [vocabPath, mergesPath, outDir, padToken] = process.argv.slice(2);
  if (!outDir) {
    console.error("usage: node clip_tokenizer_json.mjs VOCAB_JSON MERGES_TXT OUT_DIR [PAD_TOKEN]");
    process.exit(2);
  }
  const { tokenizerJson, tokenizerConfig } = loadClipFiles(vocabPath, mergesPath, padToken ?? EOS);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "tokenizer.json"), JSON.stringify(tokenizerJson, null, 2) + "\n");
  fs.writeFileSync(path.join(outDir, "tokenizer_config.json"), JSON.stringify(tokenizerConfig, null, 2) + "\n");
  console.log(`wrote ${outDir}/tokenizer.json and tokenizer_config.json`);
}
