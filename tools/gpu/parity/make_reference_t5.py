"""Parity references for SD3's text side from transformers / tokenizers (torch + transformers +
tokenizers + safetensors only; no diffusers, so this script may be committed).

usage: python3 make_reference_t5.py --out DIR --spm tests/t5/data/t5_tiny_spiece.model \
           --prompts tests/t5/data/t5_tokenizer_prompts.json [--full]
  DIR/parity_tiny/t5_tiny         T5EncoderModel (2 layers, buckets 8 / max distance 20, 40 tokens)
  DIR/parity_tiny/t5_tiny_buckets T5EncoderModel (1 layer, SD3's buckets 32 / 128, 256 tokens)
  DIR/parity_tiny/text_sd3_tiny_l CLIPTextModelWithProjection, quick_gelu (SD3's text_encoder, tiny)
  DIR/t5_tokenizer/tokenizer.json the fast tokenizer converted from the SentencePiece model
  DIR/t5_tokenizer/golden.json    ids per prompt (tokenizers.Tokenizer, and T5TokenizerFast padded to 256)
  DIR/t5_xxl_params.json          parameter count of T5EncoderModel(google/t5-v1_1-xxl config), meta device
  DIR/full/t5_xxl_full            --full: T5-XXL itself (4.76 G parameters, 2 x 256 tokens, built on
                                  the GPU; 19 GB of float32 weights), for driffusion_parity on the GPU
Weights are random (seeded); outputs in float64 (parity_common.run_precisions).
"""
import argparse
import json
import os

import torch
import transformers
from transformers import CLIPTextConfig, CLIPTextModelWithProjection, T5Config, T5EncoderModel

import parity_common as pc

T5_TINY = dict(vocab_size=320, d_model=32, d_kv=8, d_ff=48, num_layers=2, num_heads=2,
               relative_attention_num_buckets=8, relative_attention_max_distance=20,
               feed_forward_proj="gated-gelu", layer_norm_epsilon=1e-6, dropout_rate=0.0)
T5_XXL = dict(vocab_size=32128, d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
              relative_attention_num_buckets=32, relative_attention_max_distance=128,
              feed_forward_proj="gated-gelu", layer_norm_epsilon=1e-6, dropout_rate=0.0)
CLIP_L_TINY = dict(vocab_size=300, hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
                   max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=16)


class CheckpointState(torch.nn.Module):
    """The model's weights as checkpoint tensors: each one a copy (T5's tied shared /
    encoder.embed_tokens tables would otherwise share memory, which safetensors refuses), CLIP's
    under text_model.* whatever the transformers version calls them."""

    def __init__(self, model, clip=False):
        super().__init__()
        self.model = model
        self.clip = clip

    def state_dict(self, *args, **kwargs):
        # Copies on the CPU: T5-XXL's 19 GB would not fit twice beside its float64 run on the GPU.
        state = {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict(*args, **kwargs).items()}
        if self.clip and not any(k.startswith("text_model.") for k in state):
            state = {(k if k.startswith("text_projection") else "text_model." + k): v for k, v in state.items()}
        return state


T5_XXL_PARAMETERS = 4_762_310_656  # tests/t5/test_t5_encoder.cpp, FullSizeXxlParameterCountMatchesTransformers


def make_t5(root, name, params, length, seed, on_device=False):
    torch.manual_seed(seed)
    config = T5Config(is_encoder_decoder=False, use_cache=False, **params)
    config._attn_implementation = "eager"
    if on_device:  # T5-XXL's random init takes minutes on the CPU
        with torch.device(pc.device()):
            model = T5EncoderModel(config).eval()
        count = sum(p.numel() for p in model.parameters())
        assert count == T5_XXL_PARAMETERS, f"{name}: {count} parameters, T5-XXL's encoder has {T5_XXL_PARAMETERS}"
    else:
        model = T5EncoderModel(config).eval()
    pc.perturb_vectors(model, seed)
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, params["vocab_size"], (2, length), generator=g)
    expected, errors = pc.run_precisions(model, lambda m, x: {"expected": m(input_ids=x["input_ids"]).last_hidden_state},
                                         {"input_ids": ids})
    pc.save_case(root, name, "t5", f"transformers {transformers.__version__} T5EncoderModel",
                 json.loads(config.to_json_string()), CheckpointState(model), {"input_ids": ids}, expected, errors)


def make_clip_l(root, seed):
    torch.manual_seed(seed)
    p = CLIP_L_TINY
    config = CLIPTextConfig(bos_token_id=p["vocab_size"] - 2, eos_token_id=p["vocab_size"] - 1,
                            pad_token_id=p["vocab_size"] - 1, **p)
    config._attn_implementation = "eager"
    config.architectures = ["CLIPTextModelWithProjection"]  # what save_pretrained writes; tells loaders of the projection
    model = CLIPTextModelWithProjection(config).eval()
    pc.perturb_vectors(model, seed)
    g = torch.Generator().manual_seed(seed)
    bos, eos = p["vocab_size"] - 2, p["vocab_size"] - 1
    rows = [[bos] + torch.randint(0, eos - 1, (9,), generator=g).tolist() + [eos] * 67,
            [bos] + torch.randint(0, eos - 1, (75,), generator=g).tolist() + [eos]]
    ids = torch.tensor(rows)

    def run(m, x):
        out = m(input_ids=x["input_ids"], output_hidden_states=True)
        return {"expected": out.last_hidden_state, "expected_penultimate": out.hidden_states[-2],
                "expected_pooled": out.text_embeds}

    expected, errors = pc.run_precisions(model, run, {"input_ids": ids})
    state_model = CheckpointState(model, clip=True)
    pc.save_case(root, "text_sd3_tiny_l", "text", f"transformers {transformers.__version__} CLIPTextModelWithProjection",
                 json.loads(config.to_json_string()), state_model, {"input_ids": ids}, expected, errors)


def t5_xxl_count(out):
    with torch.device("meta"):
        model = T5EncoderModel(T5Config(is_encoder_decoder=False, use_cache=False, **T5_XXL))
    n = sum(p.numel() for p in model.parameters())
    with open(os.path.join(out, "t5_xxl_params.json"), "w") as f:
        json.dump({"reference": f"transformers {transformers.__version__} T5EncoderModel, google/t5-v1_1-xxl config",
                   "parameters": n}, f, indent=1)
    print("T5-XXL encoder parameters", n, flush=True)


class SpmShim:
    """What transformers' T5Converter reads from a slow T5Tokenizer (which needs the sentencepiece
    package): the model file, the extra ids, the legacy prefix behaviour."""

    def __init__(self, path, pieces):
        self.vocab_file = path
        self._extra_ids = 100
        self.extra_ids = 100
        self.legacy = True
        self.add_prefix_space = True
        self._vocab = {p: i for i, p in enumerate(pieces)}
        self.eos_token = "</s>"
        self.eos_token_id = self._vocab["</s>"]

    def convert_tokens_to_ids(self, t):
        return self._vocab[t]

    def get_vocab(self):
        return dict(self._vocab)


def read_spm(path):
    """(pieces [(piece, score)], precompiled_charsmap bytes) of a SentencePiece ModelProto, read
    by hand (field 1 = pieces {1: piece, 2: score}, field 3 = normalizer_spec {2: charsmap}): no
    protobuf package needed."""
    import struct
    data = open(path, "rb").read()

    def varint(b, i):
        v = s = 0
        while True:
            c = b[i]; i += 1
            v |= (c & 0x7F) << s; s += 7
            if c < 0x80:
                return v, i

    def fields(b):
        i = 0
        while i < len(b):
            key, i = varint(b, i)
            f, w = key >> 3, key & 7
            if w == 2:
                n, i = varint(b, i)
                yield f, b[i:i + n]; i += n
            elif w == 0:
                v, i = varint(b, i)
                yield f, v
            elif w == 5:
                yield f, b[i:i + 4]; i += 4
            elif w == 1:
                yield f, b[i:i + 8]; i += 8
            else:
                raise ValueError("unexpected wire type")

    pieces, charsmap = [], b""
    for f, v in fields(data):
        if f == 1:
            piece, score = None, 0.0
            for g, w in fields(v):
                if g == 1:
                    piece = w.decode("utf-8")
                elif g == 2:
                    score = struct.unpack("<f", w)[0]
            pieces.append((piece, score))
        elif f == 3:
            for g, w in fields(v):
                if g == 2:
                    charsmap = w
    return pieces, charsmap


def build_backend(spm_path):
    """The fast tokenizer as transformers' T5Converter makes it; by hand with the tokenizers API
    (the same components as SpmConverter + T5Converter) when the converter cannot run here."""
    pieces, charsmap = read_spm(spm_path)
    vocab = pieces + [(f"<extra_id_{i}>", 0.0) for i in range(99, -1, -1)]
    try:
        from transformers.convert_slow_tokenizer import T5Converter
        return T5Converter(SpmShim(spm_path, [p for p, _ in vocab])).converted(), "transformers T5Converter"
    except Exception as e:  # noqa: BLE001
        print("T5Converter unavailable, building by hand:", repr(e), flush=True)
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    tok = Tokenizer(Unigram(vocab, unk_id=2, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(charsmap), normalizers.Strip(left=False, right=True),
                                           normalizers.Replace(Regex(" {2,}"), "\u2581")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(single=["$A", "</s>"], pair=["$A", "</s>", "$B", "</s>"],
                                                       special_tokens=[("</s>", 1)])
    return tok, "tokenizers API (SpmConverter components)"


def make_tokenizer(out, spm_path, prompts_path):
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast, T5TokenizerFast

    folder = os.path.join(out, "t5_tokenizer")
    os.makedirs(folder, exist_ok=True)
    backend, how = build_backend(spm_path)
    path = os.path.join(folder, "tokenizer.json")
    backend.save(path)
    # What the pipeline runs: T5TokenizerFast over that file (it adds pad/eos/unk/extra ids as
    # special added tokens), saved back so the committed file is the one the goldens came from.
    try:
        fast = T5TokenizerFast(tokenizer_file=path, extra_ids=100)
        cls = "T5TokenizerFast"
    except Exception as e:  # noqa: BLE001
        print("T5TokenizerFast(tokenizer_file=...) failed:", repr(e), flush=True)
        fast = PreTrainedTokenizerFast(tokenizer_file=path, eos_token="</s>", pad_token="<pad>", unk_token="<unk>",
                                       additional_special_tokens=[f"<extra_id_{i}>" for i in range(100)])
        cls = "PreTrainedTokenizerFast"
    fast.save_pretrained(folder)
    raw = Tokenizer.from_file(path)
    prompts = json.load(open(prompts_path))["prompts"]
    cases = []
    for p in prompts:
        padded = fast(p, padding="max_length", max_length=256, truncation=True, add_special_tokens=True).input_ids
        cases.append({"prompt": p, "ids": raw.encode(p).ids, "padded_256": padded,
                      "tokens": raw.encode(p).tokens})
    with open(os.path.join(folder, "golden.json"), "w") as f:
        json.dump({"reference": f"tokenizers {__import__('tokenizers').__version__}, transformers "
                                f"{transformers.__version__} {cls}; tokenizer.json made by {how} from "
                                f"t5_tiny_spiece.model", "cases": cases}, f, ensure_ascii=True, indent=0)
    print("tokenizer goldens:", len(cases), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--spm", required=True)
    ap.add_argument("--prompts", required=True)
    ap.add_argument("--full", action="store_true", help="also T5-XXL itself (GPU, ~60 GB of its memory)")
    a = ap.parse_args()
    pc.setup_precision()
    tiny = os.path.join(a.out, "parity_tiny")
    for step in (lambda: make_t5(tiny, "t5_tiny", T5_TINY, 40, 211),
                 lambda: make_t5(tiny, "t5_tiny_buckets", dict(T5_TINY, num_layers=1, relative_attention_num_buckets=32,
                                                                relative_attention_max_distance=128), 256, 212),
                 lambda: make_clip_l(tiny, 213),
                 lambda: t5_xxl_count(a.out),
                 lambda: make_tokenizer(a.out, a.spm, a.prompts)) + (
                 (lambda: make_t5(os.path.join(a.out, "full"), "t5_xxl_full", T5_XXL, 256, 214, on_device=True),)
                 if a.full else ()):
        try:
            step()
        except Exception as e:  # keep the other references when one fails
            import traceback
            traceback.print_exc()
            print("FAILED step:", e, flush=True)


if __name__ == "__main__":
    main()
