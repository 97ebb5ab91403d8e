#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (README.md's two commands):
#   bash tools/dev.sh run    install what is needed, build, start DRiffusion Studio (built-in model)
#   bash tools/dev.sh test   install what is needed, build, run the test suites
# Other verbs: deps (install only), build (build only), headless, sanitize, fuzz, package.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${JOBS:-$(nproc)}

# Debian 12 packages the build, the tests and the packaging need.
PACKAGES=(cmake ninja-build g++ pkg-config git python3
          libtorch-dev libspdlog-dev nlohmann-json3-dev libgtest-dev
          libopenimageio-dev zlib1g-dev qt6-base-dev libgl-dev libopenblas0-openmp
          xvfb xauth dpkg-dev file desktop-file-utils appstream librsvg2-bin man-db
          libgloo-dev python3-torch openmpi-bin)
# libgloo-dev: c10d's Gloo process group for CPU ranks of a distributed job; python3-torch: torchrun
# and openmpi-bin: mpirun, the two launchers the multi-process tests start jobs with.
FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

build() {
  cmake --preset default >/dev/null
  cmake --build --preset default -j "$JOBS"
}

run_tests() {
  # unit: fast CPU; model: real model modules on CPU; gui: Qt Test offscreen; multiprocess: jobs
  # spread over several CPU processes (torchrun / c10d).
  (cd build && ctest -L 'unit|model|gui|multiprocess' --output-on-failure -j "$JOBS" --timeout 900)
  # The same CPU suites once more under another BLAS configuration and one thread: a matrix
  # product with other kernels or another blocking sums in another order, so a tolerance tuned to
  # one CPU fails here, on the developer's machine, and not first on a user's (docs/architecture.md).
  local other
  other=$(second_blas_configuration)
  echo "== unit|model again with $other"
  (cd build && env $other ctest -L 'unit|model' --output-on-failure -j "$JOBS" --timeout 900)
}

# Environment assignments for the second test pass: the other side of what this machine sets.
# Where OPENBLAS_CORETYPE is set (some CPUs need it for a correct Debian OpenBLAS), the second pass
# runs OpenBLAS's kernels for another x86-64 generation; where it is not, the Haswell kernels with
# a small L2 blocking, as such machines run. Always one intra-op thread (another split of the work).
second_blas_configuration() {
  if [ "${OPENBLAS_CORETYPE:-}" = "Sandybridge" ]; then
    echo "OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512 OMP_NUM_THREADS=1"
  elif [ -n "${OPENBLAS_CORETYPE:-}" ]; then
    echo "OPENBLAS_CORETYPE=Sandybridge OPENBLAS_L2_SIZE=256 OMP_NUM_THREADS=1"
  else
    echo "OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512 OMP_NUM_THREADS=1"
  fi
}

# The headless variant (no Qt, no OpenImageIO), as the GPU machine builds it: core and the CLI.
build_headless() {
  cmake --preset headless >/dev/null
  cmake --build --preset headless -j "$JOBS" --target driffusion
}

# CI's headless build: core and the CLI compiled and linked as the GPU machine builds them (no Qt,
# no OpenImageIO), so a Qt or OpenImageIO include or symbol creeping into core/ or the CLI fails CI.
# Unoptimised (-O0 -g0, preset `headless-check`): every unit still compiles and links, at about 40 %
# of a Release compile's time on CI's two cores. Then the CLI it made draws one built-in image,
# and tools/check_headless.py reads the build's header dependencies for OpenImageIO/Qt headers
# (OpenImageIO's sit on the default include path, so only that check catches an include of one).
check_headless() {
  cmake --preset headless-check >/dev/null
  cmake --build --preset headless-check -j "$JOBS"
  local out
  out=$(mktemp -d)
  local f
  for f in headless.ppm headless.png; do  # .png: the built-in zlib PNG writer (no OpenImageIO here)
    build-headless-check/bin/driffusion generate --model builtin --prompt "grinning face" --seed 1 \
      --steps 8 --out "$out/$f" --quiet
    [ -s "$out/$f" ] || { echo "check_headless: $f was not written" >&2; return 1; }
  done
  # A PNG signature and the infotext chunk (the reading side is tested in test_png_writer).
  [ "$(head -c 8 "$out/headless.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
    grep -aq "parameters" "$out/headless.png" || { echo "check_headless: headless.png is not a PNG with infotext" >&2; return 1; }
  rm -rf "$out"
  python3 tools/check_headless.py build-headless-check
}

sanitize() {
  # ASan + UBSan build (cmake/DriffusionSanitizers.cmake, -O1 -g1) of the core, the CLI and every
  # ctest target labelled `unit`, which then run under the sanitizers. 10-16 min on 2 cores from
  # an empty build folder, almost all of it compiling (docs/reliability.md).
  # SANITIZE_TESTS=<regex> limits it to the unit tests whose names match (a fallback should CI's
  # time budget get tight, e.g. 'hostile|json|tokenizer|text|image|samplers|engine').
  local filter=(-L unit)
  if [ -n "${SANITIZE_TESTS:-}" ]; then filter+=(-R "$SANITIZE_TESTS"); fi
  cmake --preset sanitize >/dev/null
  local targets
  targets=$(cd build-sanitize && ctest -N "${filter[@]}" 2>/dev/null | awk '/Test +#/ {print $3}')
  cmake --build build-sanitize -j "$JOBS" --target $targets
  # LeakSanitizer stops the process with ptrace at exit; where a container forbids ptrace it
  # cannot run at all, so probe once and say so rather than fail every suite.
  local leaks=1 probe
  probe=$(echo $targets | awk '{print $1}')
  if ASAN_OPTIONS=detect_leaks=1 "build-sanitize/bin/$probe" --gtest_list_tests 2>&1 | grep -q "LeakSanitizer has encountered a fatal error"; then
    leaks=0
    echo "== sanitize: LeakSanitizer cannot run here (no ptrace); ASan and UBSan still run, leak checks are OFF" >&2
  fi
  # Every finding aborts the process (a test_cli subprocess too, so its exit code cannot be
  # mistaken for one of the CLI's own); leaks are checked at exit. No suppressions are needed.
  (cd build-sanitize &&
   ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1 \
   UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
     ctest "${filter[@]}" --output-on-failure -j "$JOBS" --timeout 1800)
}

fuzz() {
  install_packages "${FUZZ_PACKAGES[@]}"
  bash tests/fuzz/run_fuzzers.sh "${FUZZ_SECONDS:-60}"
}

package() {
  bash tests/package/test_packages.sh "$ROOT/build"
}

case "${1:-}" in
  deps) install_packages "${PACKAGES[@]}" ;;
  build) install_packages "${PACKAGES[@]}"; build ;;
  run)
    install_packages "${PACKAGES[@]}"; build
    # As the desktop entry does: OpenMP threads that sleep instead of spinning keep CPU
    # generation fast while other programs use the cores (docs/builtin-model.md, "CPU speed").
    OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} exec build/bin/driffusion-studio --model builtin ;;
  test)
    # "== <phase> done at N s" lines (bash's SECONDS) show where CI's time goes (docs/reliability.md).
    install_packages "${PACKAGES[@]}"; echo "== packages done at ${SECONDS} s"
    build; echo "== build done at ${SECONDS} s"
    run_tests; echo "== tests done at ${SECONDS} s"
    # CI adds the headless build (unoptimised unity build, about 5 minutes), the packages and the fuzzers
    # (parsers under ASan + UBSan, 30 s each); FULL=1 also builds the headless variant optimised and
    # runs the ASan + UBSan build of core with the unit suites (docs/reliability.md): each of those
    # is another compile of core on CI's two cores (not yet re-measured with the unity build), left out
    # to keep CI under 45 minutes.
    if [ "${CI:-}" = "true" ] || [ "${FULL:-}" = "1" ]; then
      check_headless; echo "== headless check done at ${SECONDS} s"
      package; echo "== package test done at ${SECONDS} s"
      if [ "${FULL:-}" = "1" ]; then fuzz; build_headless; sanitize; else FUZZ_SECONDS=${FUZZ_SECONDS:-30} fuzz; fi
      echo "== fuzzers done at ${SECONDS} s"
    fi ;;
  headless) install_packages "${PACKAGES[@]}"; build_headless ;;
  sanitize) install_packages "${PACKAGES[@]}"; sanitize ;;
  fuzz) fuzz ;;
  package) install_packages "${PACKAGES[@]}"; package ;;
  *) echo "usage: bash tools/dev.sh run|test|deps|build|headless|sanitize|fuzz|package" >&2; exit 2 ;;
esac
