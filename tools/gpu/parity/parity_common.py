"""Shared helpers for the parity case generators (torch + safetensors only).

A parity case is a folder holding:
  case.json          {"kind": "unet" | "text" | "vae", "reference": ..., "reference_error": {...}}
  config.json        the reference model's own config (diffusers / transformers format)
  weights.safetensors  the reference model's random weights, float32
  io.safetensors     inputs (float32 / int64) and "expected*" outputs computed in float64
"reference_error" records the reference implementation's own error at fp32 (and fp16 on a GPU)
against its float64 run, the yardstick tests/model/parity_runner.cpp scales its bounds by.
"""
import json
import os

import torch
from safetensors.torch import save_file


def setup_precision():
    # fp32 must mean fp32: no TF32 anywhere.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def perturb_vectors(model, seed):
    """Norm weights start at 1 and many biases at 0; make them random so that a swapped weight
    and bias, or a dropped bias, changes the output."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    with torch.no_grad():
        for _, p in sorted(model.named_parameters()):
            if p.ndim == 1:
                p.add_((torch.randn(p.shape, generator=g) * 0.1).to(p.device, p.dtype))


def rel_error(out, ref):
    ref = ref.double().cpu()
    diff = (out.double().cpu() - ref).abs().max().item()
    return {"max_abs": diff, "rel": diff / max(ref.abs().max().item(), 1e-30)}


def run_precisions(model, run, inputs):
    """run(model, inputs) -> dict of named outputs. Returns (float64 outputs on CPU,
    {"fp32": err, "fp16": err}) with the errors of the reference's own lower precisions."""
    dev = device()
    # model.to(dtype) casts the parameters in place: keep the float32 weights that get saved
    # and restore them at the end, or the saved case would hold fp16-rounded weights that the
    # float64 outputs were not computed with.
    # On the CPU: a full-size model's float32 copy would not fit beside its float64 run on the GPU.
    weights = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
    model.to(dev, torch.float64)
    cast = {k: (v.to(dev, torch.float64) if v.is_floating_point() else v.to(dev)) for k, v in inputs.items()}
    with torch.no_grad():
        exact = {k: v.double().cpu() for k, v in run(model, cast).items()}
    errors = {}
    for label, dtype in [("fp32", torch.float32)] + ([("fp16", torch.float16)] if dev.type == "cuda" else []):
        model.to(dtype)
        cast = {k: (v.to(dev, dtype) if v.is_floating_point() else v.to(dev)) for k, v in inputs.items()}
        with torch.no_grad():
            outs = run(model, cast)
        worst = None
        for k, v in outs.items():
            e = rel_error(v, exact[k])
            if worst is None or e["rel"] > worst["rel"]:
                worst = e
        errors[label] = worst
    model.to(torch.float32)
    model.load_state_dict(weights)
    return exact, errors


def save_case(root, name, kind, reference, config, model, inputs, expected, errors, extra=None):
    folder = os.path.join(root, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    state = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()
             if v.is_floating_point()}
    save_file(state, os.path.join(folder, "weights.safetensors"))
    io = {k: v.detach().cpu().contiguous() for k, v in inputs.items()}
    io.update({k: v.detach().to("cpu", torch.float64).contiguous() for k, v in expected.items()})
    save_file(io, os.path.join(folder, "io.safetensors"))
    info = {"kind": kind, "reference": reference, "reference_error": errors, "torch": torch.__version__,
            "device": str(device())}
    info.update(extra or {})
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(info, f, indent=2, sort_keys=True)
    print(f"{name}: {kind} ({reference}), reference self-error {errors}", flush=True)
