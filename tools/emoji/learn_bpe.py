#!/usr/bin/env python3
"""Learns the built-in model's CLIP-style byte-level BPE vocabulary from its captions.

Writes vocab.json + merges.txt in exactly the layout of openai/clip-vit-large-patch14's tokenizer,
so the project's CLIP tokenizer (core/text/clip_tokenizer.h) reads them unchanged:
  ids 0..255     the 256 byte symbols in GPT-2's bytes_to_unicode order
  ids 256..511   the same symbols with the end-of-word mark "</w>"
  ids 512..      one token per merge, in merge order
  last two ids   <|startoftext|>, <|endoftext|>
merges.txt starts with "#version: 0.2". Words are pre-split as CLIP does (contractions, letter
runs, single digits, other non-space runs; lower case), then merges are learned greedily by pair
frequency (ties broken by the pair's text, so the result is deterministic) until every caption
word is one token or --max-vocab is reached.

usage: learn_bpe.py --captions .data/emoji/captions.tsv --out resources/builtin/tokenizer
"""
import argparse
import collections
import json
import os
import re

# CLIP's pattern with \p{L} / \p{N} narrowed to ASCII: the captions are ASCII (prepare_emoji_data.py).
WORD = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d|[a-z]+|[0-9]|[^\sa-z0-9]+")


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + \
        list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def word_symbols(word, byte_map):
    chars = [byte_map[b] for b in word.encode("utf-8")]
    return tuple(chars[:-1]) + (chars[-1] + "</w>",)


def learn(word_counts, max_merges):
    words = {w: list(w) for w in word_counts}
    counts = dict(word_counts)
    merges = []
    while len(merges) < max_merges:
        pairs = collections.Counter()
        for w, syms in words.items():
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] += counts[w]
        if not pairs:
            break  # every word is a single token
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        joined = best[0] + best[1]
        for w, syms in words.items():
            i, out = 0, []
            while i < len(syms):
                if i + 1 < len(syms) and syms[i] == best[0] and syms[i + 1] == best[1]:
                    out.append(joined)
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            words[w] = out
    return merges, words


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--captions", required=True, help="tsv: image index <tab> caption")
    p.add_argument("--out", required=True)
    p.add_argument("--max-vocab", type=int, default=8192)
    args = p.parse_args()

    byte_map = bytes_to_unicode()
    counter = collections.Counter()
    longest = 0
    with open(args.captions, encoding="utf-8") as f:
        for line in f:
            caption = line.rstrip("\n").split("\t", 1)[1].lower()
            tokens = WORD.findall(caption)
            longest = max(longest, len(tokens))
            counter.update(tokens)
    word_counts = {word_symbols(w, byte_map): c for w, c in counter.items()}
    merges, words = learn(word_counts, args.max_vocab - 512 - 2)

    base = list(byte_map.values())
    vocab_list = base + [s + "</w>" for s in base] + [a + b for a, b in merges] + ["<|startoftext|>", "<|endoftext|>"]
    vocab = {}
    for tok in vocab_list:
        vocab.setdefault(tok, len(vocab))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(args.out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    split = sum(1 for s in words.values() if len(s) > 1)
    print(f"{len(counter)} distinct words, {len(merges)} merges, vocab {len(vocab)}; "
          f"{split} words still split; longest caption {longest} pre-tokens (+2 for start/end)")


if __name__ == "__main__":
    main()
