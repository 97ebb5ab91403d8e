#!/usr/bin/env bash
# On the GPU machine (one GPU), from the repository root: the NCCL rank path of
# `driffusion generate --distributed` (docs/distributed.md). Builds the CLI of the headless CUDA
# variant, makes one image in one process on GPU 0, then the same job as a world of one GPU rank
# under torchrun (ncclCommInitRank with the unique id through the store, the AllGather, rank 0
# writing), and compares the pixels. Two ranks on one GPU are not allowed by NCCL: a world of
# several GPU ranks needs a machine with several GPUs.
#   bash tools/gpu/run_distributed_check.sh        (results under $OUT, default ./gpu-out)
set -uo pipefail
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1  # never NVLink multicast
stamp() { echo "[$(date +%T)] $*"; }
tp=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
stamp "configure"
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$tp" \
  -DDRIFFUSION_BUILD_GUI=OFF -DDRIFFUSION_WITH_OIIO=OFF -DTORCH_CUDA_ARCH_LIST=9.0 \
  -DDRIFFUSION_EXTRA_INCLUDE="$PWD/.deps/include" -DDRIFFUSION_GTEST_SOURCE_DIR="$PWD/.deps/googletest" >"$OUT/configure.log" 2>&1
stamp "build"
ninja -C build-gpu -k 0 driffusion >"$OUT/build.log" 2>&1 || { grep -E "error|FAILED" "$OUT/build.log" | head -40; exit 1; }
bin=$PWD/build-gpu/bin/driffusion
"$bin" --version | tee "$OUT/version.txt"
# Algorithms by heuristics, not timing (gpu/deterministic.h): without it two single-process
# runs may already differ in the last bits (2026-12-05: 558 of 12288 values by 1/255).
export DRIFFUSION_DETERMINISTIC=1
job=(generate --model random:tiny --devices 1 --steps 8 --mode aggressive --width 3 --seed 11 --prompt "a red apple" --json)
stamp "one process"
"$bin" "${job[@]}" --out "$OUT/single.ppm" >"$OUT/single.json" 2>"$OUT/single.err"; echo "exit $?"
stamp "one process again (control: is the single-process run itself reproducible?)"
"$bin" "${job[@]}" --out "$OUT/single2.ppm" >/dev/null 2>"$OUT/single2.err"; echo "exit $?"
stamp "torchrun, world of 1 GPU rank"
DRIFFUSION_COLLECTIVE_TIMEOUT_S=30 python3 -m torch.distributed.run --nproc_per_node 1 --master_port 29517 --no_python \
  "$bin" "${job[@]}" --out "$OUT/distributed.ppm" --distributed >"$OUT/distributed.json" 2>"$OUT/distributed.err"; echo "exit $?"
tail -5 "$OUT/distributed.err"
python3 - "$OUT/single.ppm" "$OUT/distributed.ppm" "$OUT/single2.ppm" <<'PY' | tee "$OUT/compare.txt"
import sys
def pixels(path):  # P6 with comment lines (the settings): the raster after the header
    data = open(path, 'rb').read(); pos = 0; fields = []
    while len(fields) < 4:
        while data[pos:pos+1].isspace(): pos += 1
        if data[pos:pos+1] == b'#': pos = data.index(b'\n', pos) + 1; continue
        end = pos
        while not data[end:end+1].isspace(): end += 1
        fields.append(data[pos:end]); pos = end
    return fields, data[pos+1:]
a, b, c = (pixels(p) for p in sys.argv[1:4])
for name, other in (("distributed", b), ("second single-process run", c)):
    differing = sum(1 for x, y in zip(a[1], other[1]) if x != y)
    print(f"single vs {name}: header {a[0] == other[0]}, pixels identical: {a == other} "
          f"({differing} of {len(a[1])} values differ)")
PY
grep -A4 '"serial_latencies\|"devices"' "$OUT/distributed.json" | head -20
stamp done
