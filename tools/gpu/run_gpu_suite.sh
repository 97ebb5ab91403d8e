#!/usr/bin/env bash
# On a GPU machine, from the repository root: build the headless CUDA variant, run the GPU test
# labels and `driffusion bench`. Phases run in the order given, so one device call can batch them:
#
#   bash tools/gpu/run_gpu_suite.sh build tests bench:sd15:1,2:1,2,3,4,5,6 bench:sd21:1,2:1,2,3,4
#
#   build                       configure + build build-gpu (needs .deps carried: see docs/gpu.md)
#   tests                       ctest -L 'gpu|multigpu' -> $OUT/gpu_tests.txt
#   profile:MODEL:BATCHES       driffusion_profile_unet (MODEL: sd15, sd21, sdxl, sdxl-refiner, sd3-medium,
#                               sd35-medium, sd35-large): eager/graph ms and activation MB per batch
#                               and layout, Kineto traces summed by tools/gpu/kernel_table.py ->
#                               $OUT/profile-MODEL.txt (TRACE=0: no traces; PROFILE_ARGS: more flags)
#   bench:MODEL:DEVS:WIDTHS     driffusion bench for random:MODEL -> $OUT/bench-MODEL.{json,txt}
#                               (DEVS: device counts; REPEATS, default 3, timed runs each;
#                               TAG is appended to the file names, e.g. for an A/B run;
#                               BENCH_ARGS: more flags, e.g. --draft-memory 0)
# Results go to $OUT (or ./gpu-out). Exit status: non-zero when a phase failed.
set -uo pipefail
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1  # never NVLink multicast
status=0
stamp() { echo "[$(date +%T)] $*"; }

build() {
  local tp
  tp=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$tp" \
    -DDRIFFUSION_BUILD_GUI=OFF -DDRIFFUSION_WITH_OIIO=OFF -DTORCH_CUDA_ARCH_LIST=9.0 \
    -DDRIFFUSION_EXTRA_INCLUDE="$PWD/.deps/include" -DDRIFFUSION_GTEST_SOURCE_DIR="$PWD/.deps/googletest" >/dev/null
  # Only what the GPU machine runs: the CLI, the GPU suites and the parity tool.
  ninja -C build-gpu -k 0 driffusion test_fused_kernels test_gpu_engine test_gpu_soak test_multigpu_nccl test_model_cuda test_sdxl_cuda_graph test_weight_upload driffusion_write_checkpoint driffusion_parity driffusion_profile_unet \
    >"$OUT/build.log" 2>&1 || { grep -E "error|FAILED" "$OUT/build.log" | head -30; return 1; }
}

tests() {
  (cd build-gpu && DRIFFUSION_COLLECTIVE_TIMEOUT_S=${DRIFFUSION_COLLECTIVE_TIMEOUT_S:-30} ctest -L 'gpu|multigpu' --output-on-failure --timeout 300 >"$OUT/gpu_tests.txt" 2>&1)
  local rc=$?
  grep -E "^\[  (PASSED|FAILED|  OK|  SKIPPED) |tests passed|tests failed|Test +#" "$OUT/gpu_tests.txt" | tail -40
  return $rc
}

bench() {  # MODEL DEVS WIDTHS
  # shellcheck disable=SC2086  # BENCH_ARGS holds several flags
  build-gpu/bin/driffusion bench --model "random:$1" --devices "$2" --widths "$3" --repeats "${REPEATS:-3}" \
    --out "$OUT/bench-$1${TAG:-}.json" ${BENCH_ARGS:-} 2>&1 | grep -v warning | tee "$OUT/bench-$1${TAG:-}.txt"
}

profile() {  # MODEL BATCHES
  local dir=/tmp/traces-$1
  mkdir -p "$dir"
  if [ "${TRACE:-1}" = 0 ]; then  # timings and memory only
    # shellcheck disable=SC2086  # PROFILE_ARGS holds several flags
    build-gpu/bin/driffusion_profile_unet --model "$1" --batches "$2" --out "$dir" ${PROFILE_ARGS:-} 2>&1 |
      grep -v -i warning | tee "$OUT/profile-$1${TAG:-}.txt"
    return "${PIPESTATUS[0]}"
  fi
  # shellcheck disable=SC2086
  { build-gpu/bin/driffusion_profile_unet --model "$1" --batches "$2" --out "$dir" --trace ${PROFILE_ARGS:-} &&
    python3 tools/gpu/kernel_table.py "$dir"/trace-*.json; } 2>&1 | grep -v -i warning | tee "$OUT/profile-$1${TAG:-}.txt"
  return "${PIPESTATUS[0]}"
}

nvidia-smi -L
for phase in "$@"; do
  stamp "phase $phase"
  IFS=: read -r name a b c <<<"$phase"
  case $name in
    build) build || status=1 ;;
    tests) tests || status=1 ;;
    bench) bench "$a" "$b" "$c" || status=1 ;;
    profile) profile "$a" "$b" || status=1 ;;
    *) echo "unknown phase $phase" >&2; status=2 ;;
  esac
done
stamp "done (status $status)"
exit $status
