#!/usr/bin/env bash
# On a GPU machine, from the repository root: build the headless CUDA variant, run the gpu and
# multigpu ctest labels, then `driffusion bench` for SD 1.5 (512 px) and SD 2.1 (768 px) over
# the given device counts. Results go to $OUT (or ./gpu-out): gpu_tests.txt, bench.txt and
# bench.json (every configuration of both models in one JSON document).
#   bash tools/gpu/run_gpu_suite.sh "1 2 3 4" [sd15 widths] [sd21 widths]
set -uo pipefail
DEVICE_COUNTS=${1:-1}
W15=${2:-1,2,3,4,5,6,8}
W21=${3:-1,2,3,4}
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1  # never NVLink multicast
nvidia-smi -L | tee -a "$OUT/bench.txt"
TP=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$TP" \
  -DDRIFFUSION_BUILD_GUI=OFF -DDRIFFUSION_WITH_OIIO=OFF -DTORCH_CUDA_ARCH_LIST=9.0 \
  -DDRIFFUSION_EXTRA_INCLUDE="$PWD/.deps/include" -DDRIFFUSION_GTEST_SOURCE_DIR="$PWD/.deps/googletest" >/dev/null
ninja -C build-gpu -k 0 2>&1 | grep -E "error|FAILED" | head -30
(cd build-gpu && ctest -L 'gpu|multigpu' --output-on-failure --timeout 400 >"$OUT/gpu_tests.txt" 2>&1)
tail -20 "$OUT/gpu_tests.txt"
mkdir -p /tmp/bench
for model in sd15 sd21; do
  widths=$W15; [ $model = sd21 ] && widths=$W21
  for g in $DEVICE_COUNTS; do
    timeout 150 build-gpu/bin/driffusion bench --model random:$model --devices "$g" --widths "$widths" \
      --repeats "${REPEATS:-3}" --out /tmp/bench/$model-$g.json 2>&1 | grep -v warning | tee -a "$OUT/bench.txt"
  done
done
python3 - "$OUT/bench.json" /tmp/bench/*.json <<'PY'
import json, sys
runs = [json.load(open(p)) for p in sys.argv[2:]]
json.dump({"runs": runs}, open(sys.argv[1], "w"), indent=1)
PY
