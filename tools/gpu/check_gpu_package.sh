#!/usr/bin/env bash
# GPU variant of the packages, checked on the GPU machine (the CI machine has no CUDA).
# Usage: tools/gpu/check_gpu_package.sh <build folder configured against PyTorch's CUDA LibTorch and built>
# Makes the relocatable .tar.gz with cpack, unpacks it elsewhere and checks that
#   - bin/driffusion's RUNPATH names the PyTorch installation's torch/lib (and NCCL's folder), not the build tree,
#   - ldd resolves every library (LibTorch, CUDA, NCCL) from that installation,
#   - the unpacked driffusion reports CUDA yes, sees the GPUs and runs the analytic oracle on them.
# Prints "gpu-package: N passed, N failed"; exit 1 on any failure. See docs/packaging.md.
set -u -o pipefail
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
BUILD=$(realpath "${1:?usage: $0 <gpu build folder>}")
WORK=$(mktemp -d /tmp/driffusion-gpu-package.XXXXXX)
PASSED=0; FAILED=0
check() {
  local name=$1; shift
  if ( "$@" ) >"$WORK/log" 2>&1; then PASSED=$((PASSED + 1)); echo "PASS  $name"; sed 's/^/      | /' "$WORK/log" | tail -n 8
  else FAILED=$((FAILED + 1)); echo "FAIL  $name"; sed 's/^/      | /' "$WORK/log" | tail -n 25; fi
}
TORCH_LIB=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
echo "PyTorch library folder: $TORCH_LIB"
check "cpack -G TGZ" bash -c "cd '$BUILD' && rm -rf packages && cpack -G TGZ && ls packages/*.tar.gz"
TGZ=$(ls "$BUILD"/packages/*.tar.gz 2>/dev/null | head -n1)
mkdir -p "$WORK/unpacked" && [[ -n "$TGZ" ]] && tar -xzf "$TGZ" -C "$WORK/unpacked"
BIN=$(ls -d "$WORK"/unpacked/*/bin 2>/dev/null | head -n1)/driffusion
runpath() {
  local r; r=$(readelf -d "$BIN" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p'); echo "RUNPATH: $r"
  [[ "$r" == *"$TORCH_LIB"* ]] && [[ "$r" != *"$BUILD"* ]]
}
check "RUNPATH names $TORCH_LIB and not the build tree" runpath
check "ldd resolves every library" bash -c "ldd '$BIN' | tee /dev/stderr | grep -q 'not found' && exit 1; ldd '$BIN' | grep -E 'torch_cuda|nccl|cudart'"
check "unpacked driffusion --version reports CUDA yes" bash -c "cd '$WORK' && '$BIN' --version | tee /dev/stderr | grep -q 'CUDA yes'"
check "unpacked driffusion oracle runs" bash -c "cd '$WORK' && '$BIN' oracle"
echo "gpu-package: $PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
