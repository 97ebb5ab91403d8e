#!/usr/bin/env bash
# One time-boxed training run of the built-in emoji model on the GPU machine (docs/builtin-model.md).
# Runs from the repository root of the device tool's copy, with these carried paths:
#   .deps/include  header-only spdlog, fmt, nlohmann-json (Debian packages)
#   .data/device   the data bundle of tools/emoji/prepare_emoji_data.py build
#   .data/gpu-state     (runs after the first) the previous run's state: trainer binary + model folder
# usage: tools/emoji/gpu_train.sh <deadline-seconds> <schedule-seconds> [train|smoke-eval|eval]
#   Trains until <deadline-seconds> after the start minus the time needed to save and pack, with the
#   cosine learning-rate schedule spread over <schedule-seconds> of training in all runs; with
#   "eval", keeps 150 s at the end for driffusion-train eval + bench ("smoke-eval": a 60 s check of both).
# Writes into $OUT: state.tar.00.. (binary + model folder in gpu-state/, 15 MiB pieces: for the next
# call, `cat state.tar.* | tar xf - -C .data` and carry .data/gpu-state), reports.tar (logs, loss.csv, eval/bench JSON), samples.png, contact.png.
set -uo pipefail
DEADLINE=${1:?deadline seconds}
SCHEDULE=${2:?schedule seconds}
MODE=${3:-train}
OUT=${OUT:?OUT must name the output folder}
ROOT=$(pwd)
WORK=/tmp/emoji-run
START=$(date +%s)
mkdir -p "$WORK/reports"
LOG="$WORK/reports/run.log"
BIN=""
log() { echo "[$(( $(date +%s) - START ))s] $*" | tee -a "$LOG"; }
# The model goes into $OUT as soon as training ends, before anything else can fail or run late.
pack_state() {
  [ -d "$WORK/model/unet" ] || return 0
  log "packing the model"
  [ -f "$WORK/model/samples.ppm" ] && python3 tools/emoji/ppm_to_png.py "$WORK/model/samples.ppm" "$OUT/samples.png"
  mkdir -p "$WORK/gpu-state"
  [ -n "$BIN" ] && cp "$BIN" "$WORK/gpu-state/driffusion-train"
  rm -f "$WORK/model/samples.ppm"
  cp -r "$WORK/model" "$WORK/gpu-state/"
  tar cf - -C "$WORK" gpu-state | split -b 15m -d - "$OUT/state.tar."
}
pack_reports() {
  log "packing the reports"
  [ -f "$WORK/eval/contact.ppm" ] && python3 tools/emoji/ppm_to_png.py "$WORK/eval/contact.ppm" "$OUT/contact.png"
  cp "$WORK/model/loss.csv" "$WORK/model/trainer_state.json" "$WORK/reports/" 2>/dev/null
  cp "$WORK"/eval/*.json "$WORK/reports/" 2>/dev/null
  tar cf "$OUT/reports.tar" -C "$WORK" reports
  ls -la "$OUT"
}
trap pack_reports EXIT

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee -a "$LOG"

# 1. The trainer: the previous run's binary, else built here (CUDA LibTorch of the machine's PyTorch).
if [ -x .data/gpu-state/driffusion-train ]; then
  BIN=$ROOT/.data/gpu-state/driffusion-train
  log "using the carried trainer binary"
else
  TORCH_PREFIX=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
  configure() {
    cmake -S . -B /tmp/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" \
      -DDRIFFUSION_EXTRA_INCLUDE="$ROOT/.deps/include" -DDRIFFUSION_BUILD_TESTS=OFF -DDRIFFUSION_BUILD_GUI=OFF \
      -DDRIFFUSION_WITH_OIIO=OFF -DCMAKE_CUDA_ARCHITECTURES=90 "$@" > "$WORK/reports/cmake.log" 2>&1
  }
  log "building driffusion-train"
  if ! (configure && ninja -C /tmp/build -j16 driffusion-train > "$WORK/reports/build.log" 2>&1); then
    log "build with the GPU backend failed (tail below); retrying without it"
    tail -30 "$WORK/reports/build.log"
    configure -DDRIFFUSION_TRAIN_WITH_GPU_BACKEND=OFF && ninja -C /tmp/build -j16 driffusion-train >> "$WORK/reports/build.log" 2>&1 \
      || { tail -60 "$WORK/reports/build.log"; log "build failed"; exit 1; }
  fi
  strip /tmp/build/bin/driffusion-train
  BIN=/tmp/build/bin/driffusion-train
  log "built $(du -h $BIN | cut -f1)"
fi

# 2. The data: atlas -> images.safetensors.
python3 tools/emoji/prepare_emoji_data.py unpack --data .data/device | tee -a "$LOG" || exit 1

# 3. Train until the deadline, keeping time to save, pack (and evaluate).
RESERVE=45
[ "$MODE" = eval ] && RESERVE=$((RESERVE + 150))
[ "$MODE" = smoke-eval ] && RESERVE=$((RESERVE + 60))
NOW=$(( $(date +%s) - START ))
TRAIN_SECONDS=$(( DEADLINE - NOW - RESERVE ))
RESUME=()
[ -d .data/gpu-state/model/unet ] && RESUME=(--resume "$ROOT/.data/gpu-state/model")
log "training for $TRAIN_SECONDS s ${RESUME[*]}"
"$BIN" train --data .data/device --tokenizer resources/builtin/tokenizer --out "$WORK/model" "${RESUME[@]}" \
  --train-seconds "$TRAIN_SECONDS" --schedule-seconds "$SCHEDULE" 2>&1 | tee -a "$LOG"
log "training done"
pack_state

# 4. Evaluation and speed on the GPU.
if [ "$MODE" = eval ] || [ "$MODE" = smoke-eval ]; then
  EXTRA=()
  [ "$MODE" = smoke-eval ] && EXTRA=(--prompts 16 --guidance-sweep 3 --widths 2)
  "$BIN" eval --model "$WORK/model" --data .data/device --out "$WORK/eval" "${EXTRA[@]}" 2>&1 | tee -a "$LOG"
  "$BIN" bench --model "$WORK/model" --out "$WORK/eval" --device cuda:0 --runs 10 2>&1 | tee -a "$LOG"
fi
log "done"
