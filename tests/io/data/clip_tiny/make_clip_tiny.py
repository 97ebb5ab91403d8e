#!/usr/bin/env python3
"""Writes the tiny CLIP tokenizer files the tokenizer tests use (vocab.json, merges.txt).

The vocabulary is laid out like OpenAI CLIP's: the 256 byte-level symbols, the same with "</w>",
one entry per merge, then <|startoftext|> and <|endoftext|>. The merges cover the words of the
test prompts, including rank-order traps ("c a" ranks after "c at</w>", so "cat" must become
one token while "café" starts with "ca").

Usage: python3 make_clip_tiny.py <output folder>
"""
import json
import os
import sys

MERGES = [
    ("h", "o"), ("t", "o</w>"), ("p", "ho"), ("pho", "to</w>"),   # photo</w>
    ("o", "f</w>"),                                              # of</w>
    ("a", "t</w>"), ("c", "at</w>"),                             # cat</w>
    ("t", "h"), ("th", "e</w>"),                                 # the</w>
    ("s", "t</w>"), ("e", "st</w>"), ("b", "est</w>"),           # best</w>
    ("s", "t"), ("m", "a"), ("ma", "st"), ("e", "r"), ("mast", "er"),  # master
    ("p", "i"), ("pi", "e"), ("c", "e</w>"), ("pie", "ce</w>"),  # piece</w>
    ("'", "s</w>"), ("'", "t</w>"),                              # 's</w> 't</w>
    ("d", "o"), ("do", "n</w>"),                                 # don</w>
    ("c", "a"), ("Ã", "©</w>"), ("f", "Ã©</w>"), ("ca", "fÃ©</w>"),  # café</w>
    ("ð", "Ł"), ("Ķ", "¥"), ("ðŁ", "Ķ¥"), ("Ķ", "¥</w>"), ("ðŁ", "Ķ¥</w>"),  # 🔥
    ("!", "!</w>"), (")", ",</w>"),                              # !!</w> ),</w>
    ("d", "og</w>"), ("o", "g</w>"),                             # "d og</w>" never applies before "o g</w>" exists
    ("i", "r"), ("f", "ir"), ("e", "</w>"),                      # "e </w>" never matches: no "</w>" symbol
]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def main(out_dir):
    symbols = list(bytes_to_unicode().values())
    vocab = symbols + [s + "</w>" for s in symbols]
    for a, b in MERGES:
        if a + b not in vocab:
            vocab.append(a + b)
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({tok: i for i, tok in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(out_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in MERGES))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
