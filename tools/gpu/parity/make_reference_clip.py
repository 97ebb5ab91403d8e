"""Parity cases for the CLIP text encoder from transformers' CLIPTextModel (torch +
transformers + safetensors only; no diffusers, so this script may be committed).

usage: python3 make_reference_clip.py --out DIR [--full]
  tiny cases always (text_tiny: quick_gelu, text_tiny_gelu: gelu, both with clip-skip 1 too);
  --full adds the SD 1.5 text encoder (CLIP ViT-L/14) and the SD 2.1 one (OpenCLIP ViT-H/14,
  23 layers as diffusers ships it), and SDXL's two: CLIP ViT-L (CLIPTextModel) and OpenCLIP
  ViT-bigG (CLIPTextModelWithProjection), with the penultimate hidden states and the pooled
  output SDXL reads, and SD3's CLIP ViT-L (CLIPTextModelWithProjection: its pooled output is
  projected). Weights are random (seeded); outputs in float64.
"""
import argparse
import json

import torch
import transformers
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

import parity_common as pc

TINY = dict(vocab_size=300, hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
            max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5)
SD15 = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
            max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=768)
SD21 = dict(vocab_size=49408, hidden_size=1024, intermediate_size=4096, num_hidden_layers=23, num_attention_heads=16,
            max_position_embeddings=77, hidden_act="gelu", layer_norm_eps=1e-5, projection_dim=512)
# SDXL's text_encoder and text_encoder_2 (their config.json: legacy eos_token_id 2, so the pooled
# token is the one with the largest id, the tokenizer's end-of-text).
SDXL_L = dict(SD15)
SDXL_G = dict(vocab_size=49408, hidden_size=1280, intermediate_size=5120, num_hidden_layers=32, num_attention_heads=20,
              max_position_embeddings=77, hidden_act="gelu", layer_norm_eps=1e-5, projection_dim=1280)
# SD3's text_encoder: CLIP ViT-L with its 768 x 768 text_projection (SD3's text_encoder_2 is SDXL's bigG).
SD3_L = dict(SD15)
SDXL_PARAMETERS = {"text_sdxl_l": 123_060_480, "text_sdxl_g": 694_659_840,  # docs/sdxl.md, "Parameter counts"
                   "text_sd3_l": 123_060_480 + 768 * 768}


def ids_for(vocab, seed):
    g = torch.Generator().manual_seed(seed)
    bos, eos = vocab - 2, vocab - 1
    short = [bos] + torch.randint(0, vocab - 2, (9,), generator=g).tolist() + [eos] * 67
    full = [bos] + torch.randint(0, vocab - 2, (75,), generator=g).tolist() + [eos]
    return torch.tensor([short, full], dtype=torch.long)


def final_layer_norm(model):
    # transformers 4.x nests the transformer under .text_model; 5.x may not: find it by name.
    return next(m for name, m in model.named_modules() if name.endswith("final_layer_norm"))


def run(model, inputs):
    out = model(input_ids=inputs["input_ids"], output_hidden_states=True)
    return {"expected": out.last_hidden_state,
            "expected_skip1": final_layer_norm(model)(out.hidden_states[-2])}


class CheckpointKeys(torch.nn.Module):
    """Presents the model's weights under the checkpoint names (text_model.*) whatever the
    transformers version calls them, so the saved case loads like a diffusers text_encoder/."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def state_dict(self, *args, **kwargs):
        state = self.model.state_dict(*args, **kwargs)
        if any(k.startswith("text_model.") for k in state):
            return state
        return {"text_model." + k: v for k, v in state.items()}


def make(root, name, params, seed):
    torch.manual_seed(seed)
    # Eager attention: the plain math, independent of fused kernels.
    config = CLIPTextConfig(bos_token_id=params["vocab_size"] - 2, eos_token_id=params["vocab_size"] - 1,
                            pad_token_id=params["vocab_size"] - 1, attn_implementation="eager", **params)
    model = CLIPTextModel(config).eval()
    pc.perturb_vectors(model, seed)
    inputs = {"input_ids": ids_for(params["vocab_size"], seed)}
    expected, errors = pc.run_precisions(model, run, inputs)
    pc.save_case(root, name, "text", f"transformers {transformers.__version__} CLIPTextModel",
                 json.loads(config.to_json_string()), CheckpointKeys(model),
                 inputs, expected, errors)


def run_sdxl(model, inputs):
    out = model(input_ids=inputs["input_ids"], output_hidden_states=True)
    pooled = out.text_embeds if hasattr(out, "text_embeds") else out.pooler_output
    return {"expected": out.last_hidden_state, "expected_penultimate": out.hidden_states[-2],
            "expected_pooled": pooled}


def make_sdxl(root, name, params, seed, model_class):
    torch.manual_seed(seed)
    config = CLIPTextConfig(bos_token_id=0, eos_token_id=2, pad_token_id=1, attn_implementation="eager", **params)
    config.architectures = [model_class.__name__]
    with torch.device(pc.device()):  # bigG's random init is slow on the CPU
        model = model_class(config).eval()
    count = sum(p.numel() for p in model.parameters())
    assert count == SDXL_PARAMETERS[name], f"{name}: {count} parameters, SDXL has {SDXL_PARAMETERS[name]}"
    pc.perturb_vectors(model, seed)
    inputs = {"input_ids": ids_for(params["vocab_size"], seed)}
    expected, errors = pc.run_precisions(model, run_sdxl, inputs)
    pc.save_case(root, name, "text", f"transformers {transformers.__version__} {model_class.__name__}",
                 json.loads(config.to_json_string()), CheckpointKeys(model), inputs, expected, errors)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--full", action="store_true")
    a = ap.parse_args()
    pc.setup_precision()
    make(a.out, "text_tiny", TINY, 101)
    make(a.out, "text_tiny_gelu", dict(TINY, hidden_act="gelu", num_hidden_layers=3), 102)
    if a.full:
        make(a.out, "text_sd15", SD15, 103)
        make(a.out, "text_sd21", SD21, 104)
        make_sdxl(a.out, "text_sdxl_l", SDXL_L, 105, CLIPTextModel)
        make_sdxl(a.out, "text_sdxl_g", SDXL_G, 106, CLIPTextModelWithProjection)
        make_sdxl(a.out, "text_sd3_l", SD3_L, 107, CLIPTextModelWithProjection)


if __name__ == "__main__":
    main()
