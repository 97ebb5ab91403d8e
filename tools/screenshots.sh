#!/usr/bin/env bash
# Takes the README screenshots of DRiffusion Studio under a virtual X server:
#   docs/screenshots/main-window.png  the main window halfway through a generation
#   docs/screenshots/compare.png      the comparison view after a comparison over 3 seeds
#   docs/screenshots/history.png      the History tab with the newest result selected (docs/gui.md)
#
# usage: tools/screenshots.sh [BUILD_DIR] [MODEL] [PROMPT]
#   BUILD_DIR defaults to build, MODEL to builtin (the emoji model the README's first command
#   starts), PROMPT to an emoji caption that model knows.
# The screen is a 1366x768 laptop's: the window must fit it. The app refuses to write a
# screenshot while its message banner shows a warning or an error (a model that did not load, a
# fallback model, a failed job), so a README image can never show one; the script then fails.
# Needs xvfb-run (Debian package xvfb). Settings and outputs go to a temporary folder, so the
# user's own settings are never touched.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$repo/build}"
model="${2:-builtin}"
studio="$build/bin/driffusion-studio"
out="$repo/docs/screenshots"
[[ -x "$studio" ]] || { echo "screenshots.sh: $studio not found (build the driffusion-studio target)" >&2; exit 2; }
command -v xvfb-run >/dev/null || { echo "screenshots.sh: xvfb-run not found (apt-get install xvfb)" >&2; exit 2; }

prompt="${3:-grinning face, google style}"
steps=25
width=3

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
echo "screenshots.sh: model=$model prompt='$prompt' steps=$steps width=$width"
xvfb-run -a -s "-screen 0 1366x768x24" \
  "$studio" -geometry 1366x768+0+0 --settings-file "$tmp/settings.ini" --output "$tmp/out" \
  --model "$model" --prompt "$prompt" --seed 11 --steps "$steps" --mode aggressive --width "$width" \
  --compare-seeds 3 --screenshot "$out/main-window.png" --screenshot "$out/compare.png" \
  --screenshot "$out/history.png"
ls -l "$out/main-window.png" "$out/compare.png" "$out/history.png"
