#!/usr/bin/env bash
# The fidelity table of docs/fidelity.md, on the GPU machine (one H200): every solver x CFG 5, 7
# x {aggressive, conservative} x widths 2, 3, 4 at 25 steps on the built-in model, through
# `driffusion compare --prompts` (batch mode), for each draft variant (first- / second-order
# draft; for stochastic solvers the transfer beta 0, 0.5, 1 or lowpass), plus issue 19's repro case.
# Runs JOBS processes at once (the built-in model is launch-bound on a GPU); one JSON per job.
#
#   bash tools/gpu/fidelity_sweep.sh BIN OUTDIR
set -uo pipefail
BIN=${1:?driffusion binary}
OUT=${2:?output folder}
mkdir -p "$OUT"
PROMPTS=tests/builtin/data/prompts.tsv
REFS=tests/builtin/data/reference_thumbnails.safetensors
SEEDS=${SEEDS:-1,2}
DEV=${DEV:---devices 1 --dtype fp32}
printf 'grinning face\n' >"$OUT/repro_prompt.txt"
# name|solver flags|stochastic(1/0)
SOLVERS="ddim|--sampler ddim|0
euler|--sampler euler|0
dpmpp_2m|--sampler dpmpp_2m|0
unipc|--sampler unipc|0
unipc_nc|--sampler unipc_nc|0
ddpm|--sampler ddpm|1
ddim_eta05|--sampler ddim --eta 0.5|1
euler_a|--sampler euler_a|1
dpmpp_2m_sde|--sampler dpmpp_2m_sde|1"
jobs() {  # one line per job: NAME|ENV|ARGS; the repro case first, then the table's default, then variants
  local set v env
  for set in repro table; do
    for v in "o1 b0" "o1 blowpass" "o1 b1" "o2 b0" "o2 blowpass" "o1 b0.5"; do
      while IFS='|' read -r name flags sto; do
        set -- $v
        [ "$sto" = 0 ] && [ "$2" != b0 ] && continue
        env="DRIFFUSION_DRAFT_ORDER=${1#o} DRIFFUSION_STOCHASTIC_TRANSFER=${2#b}"
        if [ $set = repro ]; then
          echo "repro-$name-$1-$2|$env|$flags --prompts $OUT/repro_prompt.txt --negative blurry --seed 12345 --seeds 1 --cfg 7 --widths 3"
        else
          for cfg in 7 5; do
            echo "table-$name-cfg$cfg-$1-$2|$env|$flags --prompts $PROMPTS --references $REFS --seeds $SEEDS --cfg $cfg --widths 2,3,4"
          done
        fi
      done <<<"$SOLVERS"
    done
  done
}
run_one() {
  IFS='|' read -r name env args <<<"$1"
  # shellcheck disable=SC2086  # env and args hold several words
  env $env "$BIN" compare --model builtin --steps 25 --modes aggressive,conservative $DEV $args --json \
    >"$OUT/$name.json" 2>"$OUT/$name.err" || echo "failed: $name"
}
export -f run_one
export BIN OUT DEV
export OMP_NUM_THREADS=1
export DRIFFUSION_RESOURCE_DIR=${DRIFFUSION_RESOURCE_DIR:-$PWD/resources}  # resources/builtin, whatever the build copied
jobs | xargs -d '\n' -P "${JOBS:-12}" -I{} bash -c 'run_one "$@"' _ {}
