#!/usr/bin/env python3
"""Sum the GPU kernels of Kineto traces (driffusion_profile_unet --trace) per category and per kernel.

    python3 tools/gpu/kernel_table.py DIR/trace-*.json

Categories come from kernel-name patterns (cuDNN/cuBLAS/CUTLASS/ATen naming); "layout" is time spent
converting between NCHW and NHWC, which channels-last is meant to remove.
"""
import json
import re
import sys
from collections import defaultdict

CATEGORIES = [  # first match wins
    ("attention", r"flash|fmha|attention|sdpa|cudnn_generated_fort_native_sdpa"),
    ("layout", r"nchwToNhwc|nhwcToNchw|transpose|Transpose|permute"),
    ("conv", r"conv|fprop|implicit_gemm|winograd|precomputed|xmma_fprop|dgrad"),
    ("gemm", r"gemm|Gemm|GEMM|cutlass|sm90_xmma|cublas|Kernel2|gemv"),
    ("groupnorm", r"GroupNorm|group_norm|RowwiseMoments|ComputeFusedParams|Welford"),
    ("layernorm", r"layer_norm|LayerNorm"),
    ("copy", r"copy|Copy|cat_|CatArray"),
    ("elementwise", r"elementwise|vectorized|unrolled|silu|gelu|GeLU|add|mul"),
]


def category(name):
    for cat, pattern in CATEGORIES:
        if re.search(pattern, name):
            return cat
    return "other"


def short(name, width=110):
    return name if len(name) <= width else name[: width - 3] + "..."


def table(path):
    with open(path) as f:
        events = json.load(f)["traceEvents"]
    kernels = [e for e in events if e.get("cat") == "kernel" and "dur" in e]
    if not kernels:
        print(f"{path}: no kernels")
        return
    total = sum(e["dur"] for e in kernels)
    span = max(e["ts"] + e["dur"] for e in kernels) - min(e["ts"] for e in kernels)
    per_cat = defaultdict(float)
    per_kernel = defaultdict(lambda: [0.0, 0])
    for e in kernels:
        per_cat[category(e["name"])] += e["dur"]
        k = per_kernel[e["name"]]
        k[0] += e["dur"]
        k[1] += 1
    print(f"== {path}: {len(kernels)} kernels, {total / 1000:.2f} ms busy, {span / 1000:.2f} ms span")
    for cat, us in sorted(per_cat.items(), key=lambda kv: -kv[1]):
        print(f"   {cat:12s} {us / 1000:8.3f} ms  {100 * us / total:5.1f} %")
    print("   top kernels (ms, count):")
    for name, (us, n) in sorted(per_kernel.items(), key=lambda kv: -kv[1][0])[:25]:
        print(f"   {us / 1000:8.3f} {n:5d}  [{category(name)}] {short(name)}")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        table(p)
