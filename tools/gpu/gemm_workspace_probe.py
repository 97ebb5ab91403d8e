"""Does a larger cuBLASLt workspace make SDXL's mid-sized products faster? (torch only)

usage: for ws in 1024 32768; do CUBLASLT_WORKSPACE_SIZE=$ws python3 tools/gpu/gemm_workspace_probe.py; done

PyTorch reads CUBLASLT_WORKSPACE_SIZE (KiB, default 1024) for its cuBLASLt workspace, the one
gpu/cublaslt_linear.cpp passes to cuBLASLt too. A bias linear layer in fp16 is a cuBLASLt product
with a bias epilogue (heuristic choice, no tuning): this times the shapes of SDXL's attention and
feed-forward products at 1024 px, batch 2 (DRIFFUSION_GEMM_LOG=1 of `driffusion bench --model
random:sdxl` lists them with our tuned times; docs/gpu.md).
"""
import os

import torch
import torch.nn.functional as F

from cuda_timing import time_us  # tools/gpu/, the script's folder

SHAPES = [  # rows, outputs, inputs: what the step spends on them (docs/sdxl.md, session 16)
    (2048, 1280, 1280), (2048, 3840, 1280), (2048, 10240, 1280), (2048, 1280, 5120),
    (8192, 640, 640), (8192, 1920, 640), (8192, 5120, 640), (8192, 640, 2560), (154, 2560, 2048),
]


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    print(f"{torch.cuda.get_device_name()} torch {torch.__version__} "
          f"CUBLASLT_WORKSPACE_SIZE={os.environ.get('CUBLASLT_WORKSPACE_SIZE', 'unset')}")
    for m, n, k in SHAPES:
        x = torch.randn(m, k, device=dev, dtype=torch.float16)
        w = torch.randn(n, k, device=dev, dtype=torch.float16)
        b = torch.randn(n, device=dev, dtype=torch.float16)
        us = time_us(lambda: F.linear(x, w, b))
        print(f"m {m:5d} n {n:5d} k {k:5d}: {us:7.1f} us, {2 * m * n * k / us / 1e6:5.0f} TFLOP/s", flush=True)


if __name__ == "__main__":
    main()
