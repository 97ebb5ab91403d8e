#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + libFuzzer) straight from the few
# LibTorch-free sources each one needs, then runs each for a bounded time, starting from the seed
# corpus committed under tests/fuzz/corpus/<target>/. Exits non-zero on any finding (crash,
# sanitizer report, leak, timeout, out-of-memory) or build failure.
#
# Usage: tests/fuzz/run_fuzzers.sh [seconds per target, default 60] [target ...]
# Env:   FUZZ_BUILD_DIR (default <repo>/build-fuzz), FUZZ_CXX (default clang++-14).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SECS=${1:-60}
shift || true
OUT=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
CXX=${FUZZ_CXX:-clang++-14}

# Each target: its sources besides tests/fuzz/<target>.cpp (paths from the repo root).
IO_COMMON="core/util/errors.cpp core/util/printable_text.cpp core/util/utf8.cpp"
# Sampler names (infotext and settings JSON) come from the sampler registry where the tree has one.
SAMPLERS=""
[ -f "$ROOT/core/sampling/sampler_registry.cpp" ] && SAMPLERS="core/sampling/sampler_registry.cpp"
IMAGE_TEXT="core/util/errors.cpp core/image/infotext_parse.cpp core/image/infotext_quote.cpp core/engine/settings.cpp core/sampling/draft_mode.cpp $SAMPLERS"
declare -A SOURCES=(
  [fuzz_safetensors_header]="$IO_COMMON core/io/safetensors_header.cpp core/io/checkpoint_format.cpp"
  [fuzz_json_config]="$IO_COMMON core/io/json_file.cpp core/io/file_read.cpp core/io/scheduler_config.cpp core/sampling/noise_schedule.cpp"
  [fuzz_clip_tokenizer]="$IO_COMMON core/io/json_file.cpp core/io/file_read.cpp core/text/unicode_classes.cpp core/text/unicode_nfc.cpp core/text/clip_text_cleanup.cpp core/text/clip_pretokenizer.cpp core/text/bpe.cpp core/text/clip_tokenizer.cpp"
  [fuzz_tokenizer_files]="$IO_COMMON core/io/json_file.cpp core/io/file_read.cpp core/text/unicode_classes.cpp core/text/unicode_nfc.cpp core/text/clip_text_cleanup.cpp core/text/clip_pretokenizer.cpp core/text/bpe.cpp core/text/clip_tokenizer.cpp"
  [fuzz_infotext]="$IMAGE_TEXT"
  [fuzz_image_text]="$IMAGE_TEXT core/util/printable_text.cpp core/io/file_read.cpp core/image/png_text_chunks.cpp core/image/settings_json.cpp"
)
declare -A MAX_LEN=([fuzz_safetensors_header]=16384 [fuzz_json_config]=65536 [fuzz_clip_tokenizer]=8192
                    [fuzz_tokenizer_files]=65536 [fuzz_infotext]=65536 [fuzz_image_text]=65536)
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(fuzz_safetensors_header fuzz_json_config fuzz_clip_tokenizer fuzz_tokenizer_files fuzz_infotext fuzz_image_text)
fi

ensure_clang() {
  local probe="$OUT/probe"
  mkdir -p "$OUT"
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' > "$probe.cpp"
  if command -v "$CXX" >/dev/null && "$CXX" -fsanitize=fuzzer,address,undefined "$probe.cpp" -o "$probe" 2>/dev/null; then
    return
  fi
  echo "run_fuzzers: installing clang-14 and libclang-rt-14-dev (Debian packages)" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq clang-14 libclang-rt-14-dev >&2
  "$CXX" -fsanitize=fuzzer,address,undefined "$probe.cpp" -o "$probe"
}

build_target() {
  local t=$1 srcs=()
  for s in ${SOURCES[$t]}; do srcs+=("$ROOT/$s"); done
  "$CXX" -std=c++17 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I"$ROOT" -DDRF_FUZZ_DATA="\"$ROOT/tests/io/data\"" \
    "$ROOT/tests/fuzz/$t.cpp" "${srcs[@]}" -o "$OUT/$t"
}

run_target() {
  local t=$1 work="$OUT/work/$t" artifacts="$OUT/artifacts/$t/"
  mkdir -p "$work" "$artifacts"
  # New inputs go to the work folder; the committed seed corpus is only read.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$OUT/$t" -max_total_time="$SECS" -max_len="${MAX_LEN[$t]}" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=512 -print_final_stats=1 -artifact_prefix="$artifacts" \
    "$work" "$ROOT/tests/fuzz/corpus/$t"
}

ensure_clang
failed=()
for t in "${TARGETS[@]}"; do
  if [ -z "${SOURCES[$t]+x}" ]; then echo "run_fuzzers: unknown target $t" >&2; exit 2; fi
  if [ "$t" = fuzz_infotext ] && [ ! -f "$ROOT/core/image/infotext.h" ]; then
    echo "run_fuzzers: skipping $t (core/image/infotext.h is not there yet)"
    continue
  fi
  echo "=== $t: building"
  if ! build_target "$t"; then failed+=("$t (build)"); continue; fi
  echo "=== $t: fuzzing for ${SECS}s"
  if ! run_target "$t" > "$OUT/$t.log" 2>&1; then
    tail -n 60 "$OUT/$t.log"
    failed+=("$t")
  else
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+.*DONE)" "$OUT/$t.log" || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "run_fuzzers: FAILED: ${failed[*]} (inputs that crashed are under $OUT/artifacts/)" >&2
  exit 1
fi
echo "run_fuzzers: all targets ran ${SECS}s without findings"
