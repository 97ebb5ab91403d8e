#!/usr/bin/env bash
# The fidelity table of docs/fidelity.md: every solver x CFG x {aggressive, conservative} x widths
# 2, 3, 4 at 25 steps on the built-in model, through `driffusion compare --prompts` (batch mode),
# plus issue 19's repro case (grinning face / blurry, seed 12345, CFG 7, width 3). One JSON per
# job, JOBS processes at once (the built-in model is launch-bound on a GPU: 14 share one H200).
#
#   bash tools/gpu/fidelity_sweep.sh BIN OUTDIR
#
# Environment (defaults: the full grid): PROMPTS (prompt file; INDEX<TAB>prompt lines name the
# reference thumbnail for the top-1 hit), SEEDS (1,2), CFGS ("5 7"), SOLVERS (space-separated
# CLI names; default every solver), REPRO (1: also the repro case), DEV (device flags), JOBS,
# WARMUPS (space-separated --warmup-steps values, each a job of its own named ...-warmW; default:
# the solvers' own default, names without a suffix).
# On the 2-core CPU machine: JOBS=2 PROMPTS=... SEEDS=1 nice -n 10 bash tools/gpu/fidelity_sweep.sh ...
set -uo pipefail
BIN=${1:?driffusion binary}
OUT=${2:?output folder}
mkdir -p "$OUT"
PROMPTS=${PROMPTS:-tests/builtin/data/prompts.tsv}
REFS=tests/builtin/data/reference_thumbnails.safetensors
SEEDS=${SEEDS:-1,2}
CFGS=${CFGS:-7 5}
DEV=${DEV:---devices 1 --dtype fp32}
SOLVERS=${SOLVERS:-ddim euler heun dpmpp_2m unipc unipc_nc ddpm euler_a dpmpp_2m_sde dpmpp_3m_sde lcm}
printf 'grinning face\n' >"$OUT/repro_prompt.txt"
jobs() {  # one line per job: NAME|ARGS
  local s cfg w suffix flag
  for w in ${WARMUPS:-auto}; do
    suffix="-warm$w" flag="--warmup-steps $w"
    [ "$w" = auto ] && suffix="" flag=""
    if [ "${REPRO:-1}" = 1 ]; then
      for s in $SOLVERS; do
        echo "repro-$s$suffix|--sampler $s --prompts $OUT/repro_prompt.txt --negative blurry --seed 12345 --seeds 1 --cfg 7 --widths 3 $flag"
      done
    fi
    for cfg in $CFGS; do
      for s in $SOLVERS; do
        echo "table-$s-cfg$cfg$suffix|--sampler $s --prompts $PROMPTS --references $REFS --seeds $SEEDS --cfg $cfg --widths 2,3,4 $flag"
      done
    done
  done
}
run_one() {
  IFS='|' read -r name args <<<"$1"
  # shellcheck disable=SC2086  # args holds several words
  "$BIN" compare --model builtin --steps 25 --modes aggressive,conservative $DEV $args --json \
    >"$OUT/$name.json" 2>"$OUT/$name.err" || echo "failed: $name"
}
export -f run_one
export BIN OUT DEV
export OMP_NUM_THREADS=1
export DRIFFUSION_RESOURCE_DIR=${DRIFFUSION_RESOURCE_DIR:-$PWD/resources}  # resources/builtin, whatever the build copied
jobs | xargs -d '\n' -P "${JOBS:-12}" -I{} bash -c 'run_one "$@"' _ {}
