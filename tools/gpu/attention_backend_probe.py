"""Which of PyTorch's fused attention kernels is fastest for our shapes? (torch only)

usage: python3 tools/gpu/attention_backend_probe.py

Our attention calls at::scaled_dot_product_attention and lets ATen pick the kernel (cuDNN's flash
attention on Hopper, per the profiles in docs/sdxl.md and docs/sd3.md). This times each backend
alone on the self- and cross-attention shapes of SDXL (1024 px, batch 2) and the joint attention of
SD3 medium, with q/k/v laid out as the model lays them out (views of one packed buffer for self
attention), so a faster backend can be chosen per shape with numbers behind it.
"""
import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from cuda_timing import time_us  # tools/gpu/, the script's folder

CASES = [  # name, batch, heads, query tokens, key tokens
    ("sdxl 64x64 self", 2, 10, 4096, 4096),
    ("sdxl 32x32 self", 2, 20, 1024, 1024),
    ("sdxl 64x64 cross", 2, 10, 4096, 77),
    ("sdxl 32x32 cross", 2, 20, 1024, 77),
    ("sd3m joint", 2, 24, 4429, 4429),
]
BACKENDS = [SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION]


def tensors(b, h, n, m, dev):
    # Self attention: one [b, n, 3, h, 64] buffer, as our packed q/k/v product writes it.
    if n == m:
        qkv = torch.randn(b, n, 3, h, 64, device=dev, dtype=torch.float16)
        return [qkv[:, :, i].transpose(1, 2) for i in range(3)]
    q = torch.randn(b, n, h, 64, device=dev, dtype=torch.float16).transpose(1, 2)
    kv = torch.randn(b, m, 2, h, 64, device=dev, dtype=torch.float16)
    return [q, kv[:, :, 0].transpose(1, 2), kv[:, :, 1].transpose(1, 2)]


def main():
    dev = torch.device("cuda")
    print(f"{torch.cuda.get_device_name()} torch {torch.__version__} cudnn {torch.backends.cudnn.version()}")
    for name, b, h, n, m in CASES:
        q, k, v = tensors(b, h, n, m, dev)
        flops = 4 * b * h * n * m * 64
        reference = None
        cells = []
        for backend in BACKENDS:
            try:
                with sdpa_kernel([backend]):
                    out = F.scaled_dot_product_attention(q, k, v)
                    us = time_us(lambda: F.scaled_dot_product_attention(q, k, v), repeats=100)
            except RuntimeError as error:  # backend refuses the shape or layout
                cells.append(f"{backend.name}: n/a ({str(error).splitlines()[0][:60]})")
                continue
            reference = out if reference is None else reference
            diff = (out.float() - reference.float()).abs().max().item()
            cells.append(f"{backend.name}: {us:7.1f} us {flops / us / 1e6:4.0f} TF/s |d| {diff:.1e}")
        print(f"{name:18s} " + " ; ".join(cells), flush=True)


if __name__ == "__main__":
    main()
