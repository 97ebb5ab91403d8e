#!/usr/bin/env bash
# Parity of our UNet / CLIP text encoder / VAE with the reference implementations, on the GPU
# machine, from the repository root after building:
#
#   [EXTRA_CASES=DIR] bash tools/gpu/parity/run_parity.sh BUILD_DIR [--tiny-only]
#
# 1. make_reference_clip.py (transformers) and, for EXTRA_CASES, a reference script that is
#    not part of this repository (it imports diffusers) build random-weight
#    models with fixed seeds - tiny configs and the full SD 1.5 / SD 2.1 ones - and write
#    weights, inputs and float64 reference outputs to a temporary folder (about 10 GB with
#    the full configs; removed at the end).
# 2. BUILD_DIR/bin/driffusion_parity loads the same weights into our modules and compares in
#    fp32 on the CPU and fp32 (TF32 off) + fp16 on cuda:0.
# Results: $OUT/parity.json (+ parity.txt, the table), and $OUT/parity_tiny/ - the tiny cases
# (a few hundred KB), to be committed as tests/model/data/parity_tiny/ for the CPU test.
# Exit status: that of driffusion_parity (0 = every comparison within its bound).
set -euo pipefail
BUILD=${1:?usage: run_parity.sh BUILD_DIR [--tiny-only]}
FULL=--full
[[ "${2:-}" == "--tiny-only" ]] && FULL=
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$PWD/parity-out}
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/drf_parity.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"

python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__, "cuda", torch.cuda.is_available())'
python3 "$HERE/make_reference_clip.py" --out "$WORK/cases" $FULL
# UNet and VAE references come from diffusers, which this repository neither ships nor runs:
# whoever computes them (see docs/models.md) passes the folder of cases as EXTRA_CASES. It is
# read in place (the full-size cases are GBs: no copy).
roots=("$WORK/cases")
if [[ -n "${EXTRA_CASES:-}" && -d "${EXTRA_CASES}" ]]; then
  roots+=("$EXTRA_CASES")
else
  echo "no EXTRA_CASES folder: UNet and VAE parity skipped" >&2
fi

status=0
"$BUILD/bin/driffusion_parity" "${roots[@]}" --out "$OUT/parity.json" | tee "$OUT/parity.txt" || status=$?

mkdir -p "$OUT/parity_tiny"
for root in "${roots[@]}"; do
  for d in "$root"/*_tiny*; do
    [[ -d "$d" ]] && cp -r "$d" "$OUT/parity_tiny/"
  done
done
du -sh "$OUT/parity_tiny" || true
exit $status
