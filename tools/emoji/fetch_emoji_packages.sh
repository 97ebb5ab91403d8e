#!/usr/bin/env bash
# Downloads the two emoji image sets the built-in model is trained on, with npm, into a
# git-ignored folder (default /work/main/.data/npm, or $1), and unpacks them there.
#   emoji-datasource-google@16.0.0   Noto Emoji images, Apache-2.0
#   emoji-datasource-twitter@16.0.0  Twemoji images, CC-BY 4.0
# The Apple and Facebook sets of emoji-datasource are NOT licensed for this and are never fetched.
set -euo pipefail
dest="${1:-$(cd "$(dirname "$0")/../.." && pwd)/.data/npm}"
mkdir -p "$dest"
cd "$dest"
for vendor in google twitter; do
  pkg="emoji-datasource-${vendor}@16.0.0"
  tgz="emoji-datasource-${vendor}-16.0.0.tgz"
  [ -f "$tgz" ] || npm pack --silent "$pkg" >/dev/null
  rm -rf "$vendor" && mkdir -p "$vendor"
  tar xzf "$tgz" -C "$vendor"
  test -f "$vendor/package/emoji.json"
  test -d "$vendor/package/img/$vendor/64"
  echo "$vendor: $(ls "$vendor/package/img/$vendor/64" | wc -l) images in $dest/$vendor/package/img/$vendor/64"
done
