#!/usr/bin/env python3
"""Golden token ids for the C++ CLIP tokenizer tests, from transformers' CLIPTokenizer.

Runs on a machine with transformers installed (no network needed). Loads
transformers.CLIPTokenizer(vocab_file=..., merges_file=...) on the tiny committed vocabulary
tests/io/data/clip_tiny/{vocab.json,merges.txt}, tokenises every prompt of
tests/io/data/clip_tiny/golden_ids.json and writes the same JSON with the ids transformers gives
(and, when the `tokenizers` package can convert it, CLIPTokenizerFast's ids as "fast_ids").

Prompts marked "transformers_parity": true must match what the C++ tokenizer asserts; a mismatch
is listed on stderr and the exit status is 1. Prompts marked false exercise cleanup that only
OpenAI CLIP / transformers-with-ftfy perform (HTML entities, control characters), and prompts
marked "needs_ftfy" only match when ftfy is installed (without it CLIPTokenizer falls back to BERT's
BasicTokenizer); for those the transformers ids are printed as "transformers_ids" and the
committed ones are kept.

Usage (from the repository root):
  python3 tools/gpu/tokenizer_golden.py > /tmp/golden_ids.json
  # review stderr, then: cp /tmp/golden_ids.json tests/io/data/clip_tiny/golden_ids.json
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "tests", "io", "data", "clip_tiny"))
    args = ap.parse_args()

    import transformers
    from transformers import CLIPTokenizer

    try:
        import ftfy  # noqa: F401  (CLIPTokenizer cleans text with ftfy when it is installed)
        has_ftfy = True
    except ImportError:
        has_ftfy = False

    vocab = os.path.join(args.data, "vocab.json")
    merges = os.path.join(args.data, "merges.txt")
    slow = CLIPTokenizer(vocab_file=vocab, merges_file=merges)
    fast = None
    try:
        from transformers import CLIPTokenizerFast
        fast = CLIPTokenizerFast(vocab_file=vocab, merges_file=merges)
    except Exception as e:  # the tokenizers package may be missing
        print(f"note: CLIPTokenizerFast unavailable: {e}", file=sys.stderr)

    with open(os.path.join(args.data, "golden_ids.json"), encoding="utf-8") as f:
        committed = json.load(f)

    mismatches = []
    out_prompts = []
    for p in committed["prompts"]:
        ids = slow(p["prompt"])["input_ids"]
        entry = dict(p)
        expected_to_match = p["transformers_parity"] and (has_ftfy or not p.get("needs_ftfy", False))
        if expected_to_match:
            entry["ids"] = ids
            if ids != p["ids"]:
                mismatches.append((p["name"], p["ids"], ids))
        else:
            entry["transformers_ids"] = ids
        if fast is not None:
            entry["fast_ids"] = fast(p["prompt"])["input_ids"]
        out_prompts.append(entry)

    # Truncation and padding as the C++ encode_padded() does them (77 ids, EOS kept, EOS padding).
    long_prompt = "a photo of a cat " * 20
    padded = slow(long_prompt, padding="max_length", max_length=77, truncation=True)["input_ids"]

    result = {
        "source": f"transformers {transformers.__version__} CLIPTokenizer (ftfy installed: {has_ftfy})",
        "vocab": "vocab.json",
        "merges": "merges.txt",
        "prompts": out_prompts,
        "padded_long_prompt": {"prompt": long_prompt, "ids": padded},
    }
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    print()
    for name, ours, theirs in mismatches:
        print(f"MISMATCH {name}:\n  committed    {ours}\n  transformers {theirs}", file=sys.stderr)
    print(f"{len(out_prompts)} prompts, {len(mismatches)} parity mismatches, ftfy={has_ftfy}", file=sys.stderr)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
