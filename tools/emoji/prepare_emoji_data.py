#!/usr/bin/env python3
"""Data preparation for the built-in emoji model (docs/builtin-model.md).

  build   npm packages -> <out>/images.safetensors (uint8 [N,64,64,3], RGBA composited on white),
          atlas.png (the same pixels as one PNG, small enough to carry to the GPU machine),
          meta.json, keys.tsv (index, vendor, base emoji, image code points, skin tone),
          captions.tsv (several captions per image), eval_prompts.tsv (200 canonical captions),
          contact_prompts.tsv (64 prompts for the contact sheet), bundle.json (image count).
  unpack  atlas.png + bundle.json -> images.safetensors (on the GPU machine, which has PIL but no npm).
          The files the GPU machine needs ("the bundle"): atlas.png, bundle.json, captions.tsv,
          keys.tsv, eval_prompts.tsv, contact_prompts.tsv.
  refs    images.safetensors + prompt list -> the test's reference thumbnails (tests/builtin/data).

Needs Python 3 with numpy and PIL (Debian: python3-numpy python3-pil). Deterministic: the same
packages give byte-identical outputs.
"""
import argparse
import json
import os
import random
import re
import struct
import sys
import unicodedata

import numpy as np
from PIL import Image

VENDORS = ("google", "twitter")  # never apple or facebook: their images are not licensed for this
SIZE = 64
ATLAS_COLUMNS = 96
TONES = {
    "1F3FB": "light skin tone",
    "1F3FC": "medium light skin tone",
    "1F3FD": "medium skin tone",
    "1F3FE": "medium dark skin tone",
    "1F3FF": "dark skin tone",
}


# ---------------------------------------------------------------- safetensors (tiny writer/reader)
def write_safetensors(path, tensors, metadata=None):
    """tensors: name -> numpy array (uint8 or float32). Written atomically (temp file + rename)."""
    dtypes = {np.dtype(np.uint8): "U8", np.dtype(np.float32): "F32", np.dtype(np.int32): "I32"}
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        raw = a.tobytes()
        header[name] = {"dtype": dtypes[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
    os.replace(tmp, path)


def read_safetensors_u8(path, name):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        info = header[name]
        assert info["dtype"] == "U8", f"{path}: tensor {name} is {info['dtype']}, expected U8"
        begin, end = info["data_offsets"]
        f.seek(8 + n + begin)
        return np.frombuffer(f.read(end - begin), np.uint8).reshape(info["shape"])


# ---------------------------------------------------------------- captions
def clean_words(text):
    """Lower-case ASCII words: accents folded, '&' -> 'and', punctuation other than * # ' dropped."""
    text = text.replace("\u2019", "'").replace("&", " and ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9*#' ]+", " ", text)
    return " ".join(text.split())


def tone_phrase(key):
    if not key:
        return ""
    parts = key.split("-")
    names = [TONES[p] for p in parts]
    if len(set(names)) == 1:
        return names[0]
    return " and ".join(names)


def captions_for(rec):
    """Caption variants of one image. The first is the canonical, fully specified one."""
    name, tone, vendor = rec["name"], rec["tone"], rec["vendor"]
    t = (", " + tone) if tone else ""
    style = f"{vendor} style"
    caps = [f"{name}{t}, {style}", f"{name}{t}", f"{style} emoji of {name}{t}", f"{rec['subcategory']}, {name}{t}",
            f"{name} emoji{t}, {rec['category']}, {style}"]
    for short in rec["short_names"]:
        if short != name:
            caps.append(f"{short}{t}, {style}")
            caps.append(f"{short}{t}")
    seen, out = set(), []
    for c in caps:
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out


def load_records(npm_dir):
    """One record per (vendor, emoji, skin variation) image that exists in the package."""
    entries = None
    records = []
    for vendor in VENDORS:
        pkg = os.path.join(npm_dir, vendor, "package")
        with open(os.path.join(pkg, "emoji.json"), encoding="utf-8") as f:
            data = json.load(f)
        if entries is None:
            entries = data
        img_dir = os.path.join(pkg, "img", vendor, str(SIZE))
        flag = f"has_img_{vendor}"
        for e in sorted(data, key=lambda e: (e["sort_order"], e["unified"])):
            variants = [("", e)] + sorted((e.get("skin_variations") or {}).items())
            for tone_key, v in variants:
                if not v.get(flag):
                    continue
                path = os.path.join(img_dir, v["image"])
                if not os.path.isfile(path):
                    sys.exit(f"{path}: listed in emoji.json ({flag}) but missing")
                names = [clean_words(s.replace("_", " ").replace("-", " ")) for s in e["short_names"]]
                records.append({
                    "vendor": vendor, "unified": v["unified"], "image": v["image"], "path": path,
                    "base": e["unified"], "name": clean_words(e["name"]), "short_names": names,
                    "tone": tone_phrase(tone_key), "category": clean_words(e["category"]),
                    "subcategory": clean_words(e["subcategory"].replace("-", " ")),
                })
    return records


def composite(path):
    im = Image.open(path).convert("RGBA")
    if im.size != (SIZE, SIZE):
        im = im.resize((SIZE, SIZE), Image.LANCZOS)
    bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
    bg.alpha_composite(im)
    return np.asarray(bg.convert("RGB"))


def atlas_from(images):
    n = images.shape[0]
    rows = (n + ATLAS_COLUMNS - 1) // ATLAS_COLUMNS
    atlas = np.full((rows * SIZE, ATLAS_COLUMNS * SIZE, 3), 255, np.uint8)
    for i in range(n):
        r, c = divmod(i, ATLAS_COLUMNS)
        atlas[r * SIZE:(r + 1) * SIZE, c * SIZE:(c + 1) * SIZE] = images[i]
    return atlas


def images_from_atlas(atlas, n):
    out = np.empty((n, SIZE, SIZE, 3), np.uint8)
    for i in range(n):
        r, c = divmod(i, ATLAS_COLUMNS)
        out[i] = atlas[r * SIZE:(r + 1) * SIZE, c * SIZE:(c + 1) * SIZE]
    return out


def write_tsv(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write("\t".join(str(x) for x in row) + "\n")


def cmd_build(args):
    records = load_records(args.npm)
    images = np.stack([composite(r["path"]) for r in records])
    os.makedirs(args.out, exist_ok=True)
    write_safetensors(os.path.join(args.out, "images.safetensors"), {"images": images},
                      {"format": "uint8 NHWC RGB on white", "count": len(records)})
    Image.fromarray(atlas_from(images)).save(os.path.join(args.out, "atlas.png"), optimize=True)
    caption_rows, meta = [], []
    for i, r in enumerate(records):
        caps = captions_for(r)
        caption_rows += [(i, c) for c in caps]
        meta.append({k: r[k] for k in ("vendor", "unified", "image", "base", "name", "tone", "category",
                                       "subcategory")} | {"caption": caps[0]})
    with open(os.path.join(args.out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump({"count": len(records), "size": SIZE, "atlas_columns": ATLAS_COLUMNS, "images": meta}, f, indent=0)
    write_tsv(os.path.join(args.out, "captions.tsv"), caption_rows)
    write_tsv(os.path.join(args.out, "keys.tsv"),
              [(i, m["vendor"], m["base"], m["unified"], m["tone"] or "-") for i, m in enumerate(meta)])
    with open(os.path.join(args.out, "bundle.json"), "w", encoding="utf-8") as f:
        json.dump({"count": len(records), "size": SIZE, "atlas_columns": ATLAS_COLUMNS}, f)
    rng = random.Random(20261122)
    eval_ids = sorted(rng.sample(range(len(records)), 200))
    write_tsv(os.path.join(args.out, "eval_prompts.tsv"), [(i, meta[i]["caption"]) for i in eval_ids])
    contact = contact_sheet_ids(meta, rng)
    write_tsv(os.path.join(args.out, "contact_prompts.tsv"), [(i, meta[i]["caption"]) for i in contact])
    print(f"{len(records)} images, {len(caption_rows)} captions -> {args.out}")


def contact_sheet_ids(meta, rng):
    """64 images: 32 per vendor, spread over the categories, default skin only (a readable sheet)."""
    ids = []
    for vendor in VENDORS:
        pool = [i for i, m in enumerate(meta) if m["vendor"] == vendor and not m["tone"]]
        ids += sorted(rng.sample(pool, 32))
    return ids


def cmd_unpack(args):
    with open(os.path.join(args.data, "bundle.json"), encoding="utf-8") as f:
        n = json.load(f)["count"]
    atlas = np.asarray(Image.open(os.path.join(args.data, "atlas.png")).convert("RGB"))
    write_safetensors(os.path.join(args.data, "images.safetensors"), {"images": images_from_atlas(atlas, n)},
                      {"format": "uint8 NHWC RGB on white", "count": n})
    print(f"{n} images unpacked into {args.data}/images.safetensors")


def cmd_refs(args):
    """Reference thumbnails for tests/builtin: the prompted images first, then every image of the
    same emoji (the other vendor style, the other skin tones), then a fixed random sample of the
    others, area-downsampled to `--thumb` pixels. The test asserts that its generated image is
    nearest to the prompted one among all of them, so the vendor style and skin tone must be right."""
    images = read_safetensors_u8(os.path.join(args.data, "images.safetensors"), "images")
    with open(os.path.join(args.data, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)["images"]
    prompts = [line.rstrip("\n").split("\t") for line in open(args.prompts, encoding="utf-8") if line.strip()]
    wanted = [int(p[0]) for p in prompts]
    ids = list(wanted)
    for w in wanted:
        ids += [i for i, m in enumerate(meta) if m["base"] == meta[w]["base"] and i not in ids]
    rng = random.Random(7)
    for i in rng.sample(range(len(meta)), len(meta)):
        if len(ids) >= args.count:
            break
        if i not in ids:
            ids.append(i)
    t = args.thumb
    thumbs = np.stack([np.asarray(Image.fromarray(images[i]).resize((t, t), Image.BOX)) for i in ids])
    os.makedirs(args.out, exist_ok=True)
    write_safetensors(os.path.join(args.out, "reference_thumbnails.safetensors"), {"thumbnails": thumbs},
                      {"format": f"uint8 NHWC RGB {t}x{t}, area-downsampled", "source_indices": json.dumps(ids)})
    write_tsv(os.path.join(args.out, "prompts.tsv"),
              [(k, p[1], meta[int(p[0])]["unified"], meta[int(p[0])]["vendor"]) for k, p in enumerate(prompts)])
    print(f"{len(ids)} reference thumbnails -> {args.out}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--npm", required=True, help="folder with google/package and twitter/package")
    b.add_argument("--out", required=True)
    u = sub.add_parser("unpack")
    u.add_argument("--data", required=True, help="folder with atlas.png and bundle.json")
    r = sub.add_parser("refs")
    r.add_argument("--data", required=True)
    r.add_argument("--prompts", required=True, help="tsv: image index <tab> prompt")
    r.add_argument("--out", required=True)
    r.add_argument("--count", type=int, default=256)
    r.add_argument("--thumb", type=int, default=16)
    args = p.parse_args()
    {"build": cmd_build, "unpack": cmd_unpack, "refs": cmd_refs}[args.cmd](args)


if __name__ == "__main__":
    main()
