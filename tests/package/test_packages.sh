#!/usr/bin/env bash
# Builds the .deb and the relocatable .tar.gz with cpack and tests them as a user would meet them:
#   1. validate: package fields, computed dependencies, contents, desktop entry, AppStream file,
#      man pages, RPATHs that do not point into the build tree;
#   2. install the .deb with apt-get, run the installed `driffusion --version` and `driffusion generate`
#      from an unrelated folder, start the installed GUI offscreen until it has loaded the model;
#   3. remove the package: every file it installed is gone, user outputs and settings are untouched;
#   4. unpack the .tar.gz in a temporary folder and run the same generation (and GUI) from there.
#
# Usage: tests/package/test_packages.sh <build folder>
# Needs root (apt-get install/purge) and a finished build of that folder (GUI ON or OFF).
# Installs desktop-file-utils, appstream, dpkg-dev and man-db with apt-get when missing.
# Leaves the system as it found it: the package is purged at the end, also after a failure.
# Exit status: 0 when every check passed, 1 otherwise; the last line reads "package: N passed, N failed".
set -u -o pipefail
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive

if [[ $# -ne 1 || ! -f "$1/CMakeCache.txt" ]]; then
  echo "usage: $0 <configured and built build folder>" >&2
  exit 2
fi
BUILD=$(realpath "$1")
cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt" | head -n1; }
SRC=$(cache_value CMAKE_HOME_DIRECTORY)
VERSION=$(cache_value CMAKE_PROJECT_VERSION)
on() { [[ "$1" =~ ^(ON|TRUE|1|YES|Y)$ ]] && echo 1 || echo 0; }
GUI=$(on "$(cache_value DRIFFUSION_BUILD_GUI)")
OIIO=$(on "$(cache_value DRIFFUSION_WITH_OIIO)")
PKG=driffusion-studio
DEB_ARCH=$(dpkg --print-architecture)
DEB="$BUILD/packages/${PKG}_${VERSION}_${DEB_ARCH}.deb"
TGZ_TOP="${PKG}-${VERSION}-linux-$(uname -m)"
TGZ="$BUILD/packages/${TGZ_TOP}.tar.gz"
ICON_SIZES=(16 22 24 32 48 64 128 256 512)

WORK=$(mktemp -d /tmp/driffusion-package-test.XXXXXX)
LOGS="$WORK/logs"
mkdir -p "$LOGS"
PASSED=0
FAILED=0
SUMMARY=()

# --- reporting --------------------------------------------------------------------------------------
pass() { PASSED=$((PASSED + 1)); SUMMARY+=("PASS  $1"); echo "PASS  $1"; }
fail() {
  FAILED=$((FAILED + 1)); SUMMARY+=("FAIL  $1${2:+: $2}"); echo "FAIL  $1${2:+: $2}"
}
# check NAME CMD...: runs CMD, output to a log; on failure prints the end of that log.
check() {
  local name=$1; shift
  local log="$LOGS/$(echo "$name" | tr -c 'A-Za-z0-9' '_').log"
  # A subshell, so that a check's `cd` or variables never leak into the next one.
  if ( "$@" ) >"$log" 2>&1; then
    pass "$name"
  else
    fail "$name" "exit $?"
    sed 's/^/      | /' "$log" | tail -n 25
  fi
}
note() { echo "NOTE  $*"; SUMMARY+=("NOTE  $*"); }
finish() {
  echo
  echo "=== package test summary ($BUILD) ==="
  printf '%s\n' "${SUMMARY[@]}"
  echo "logs: $LOGS"
  echo "package: $PASSED passed, $FAILED failed"
  [[ $FAILED -eq 0 ]] && exit 0 || exit 1
}

# --- prerequisites ----------------------------------------------------------------------------------
need_tools() {
  local missing=()
  command -v desktop-file-validate >/dev/null || missing+=(desktop-file-utils)
  command -v appstreamcli >/dev/null || missing+=(appstream)
  command -v dpkg-shlibdeps >/dev/null || missing+=(dpkg-dev)
  command -v man >/dev/null || missing+=(man-db)
  command -v readelf >/dev/null || missing+=(binutils)
  if ((${#missing[@]})); then
    echo "installing ${missing[*]}"
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}
if [[ $(id -u) -ne 0 ]]; then
  echo "$0 must run as root: it installs and removes the package with apt-get" >&2
  exit 2
fi
check "prerequisites: desktop-file-utils, appstream, dpkg-dev, man-db" need_tools

# Purges the package (a leftover of an interrupted run, and at the end of this one).
purge_package() {
  if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "installed"; then
    apt-get purge -y -qq "$PKG" >"$LOGS/final_purge.log" 2>&1
  fi
}
# On exit: purge the package, keep only the logs of the work folder (unpacked trees are large).
cleanup() {
  purge_package
  find "$WORK" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} + 2>/dev/null
}
trap cleanup EXIT
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "installed"; then
  note "$PKG was installed before this test; it is purged first"
  purge_package
fi

# --- 1. build the packages --------------------------------------------------------------------------
build_packages() {
  rm -rf "$BUILD/packages" "$BUILD/_CPack_Packages"
  (cd "$BUILD" && cpack -G "DEB;TGZ") && test -f "$DEB" && test -f "$TGZ" && ls -l "$BUILD/packages"
}
check "cpack builds $(basename "$DEB") and $(basename "$TGZ")" build_packages
if [[ ! -f "$DEB" || ! -f "$TGZ" ]]; then
  fail "packages missing" "nothing further can be checked"
  finish
fi

DEB_ROOT="$WORK/deb-root"
mkdir -p "$DEB_ROOT"
dpkg-deb -x "$DEB" "$DEB_ROOT"
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's#^\./#/#; s#/$##' | grep -v '^$' | sort >"$WORK/deb-files.txt"
tar -tzf "$TGZ" | sed 's#/$##' | sort >"$WORK/tgz-files.txt"

# --- 2. package fields and computed dependencies ----------------------------------------------------
check_fields() {
  local field value
  for field in Package Version Section Maintainer Architecture Depends Description; do
    value=$(dpkg-deb -f "$DEB" "$field")
    echo "$field: $value"
    [[ -n "$value" ]] || { echo "empty field $field"; return 1; }
  done
  [[ $(dpkg-deb -f "$DEB" Package) == "$PKG" ]] && [[ $(dpkg-deb -f "$DEB" Version) == "$VERSION" ]] &&
    [[ $(dpkg-deb -f "$DEB" Section) == graphics ]] &&
    [[ $(dpkg-deb -f "$DEB" Maintainer) == "DRiffusion Studio developers" ]]
}
check ".deb fields: Package $PKG, Version $VERSION, Section graphics, Maintainer" check_fields

# The package that owns a library file, trying the usrmerge spellings (/lib vs /usr/lib).
owner_of() {
  local path=$1 real alt
  real=$(realpath "$path")
  for p in "$path" "$real" "${path#/usr}" "/usr$path" "${real#/usr}" "/usr$real"; do
    dpkg-query -S "$p" 2>/dev/null | grep -v '^diversion' | head -n1 | cut -d: -f1 && return 0
  done
  return 1
}
# Every shared library a packaged binary links directly (NEEDED) must come from a package named in
# Depends: the .deb then pulls in LibTorch, Qt, OpenImageIO and spdlog from Debian.
check_depends() {
  local depends bin lib path owner provided found name bad=0
  depends=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' | sort -u)
  echo "Depends: $(echo $depends)"
  for bin in "$DEB_ROOT"/usr/bin/*; do
    for lib in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      path=$(ldd "$bin" | awk -v l="$lib" '$1 == l {print $3}')
      if [[ -z "$path" || ! -e "$path" ]]; then
        echo "$(basename "$bin"): $lib not found on this system"; bad=1; continue
      fi
      owner=$(owner_of "$path") || { echo "$(basename "$bin"): $lib ($path) belongs to no package"; bad=1; continue; }
      owner=${owner%%:*}
      # The dependency may name the owner or a virtual package it provides (libspdlog1.10-fmt9).
      provided=$(dpkg-query -W -f='${Provides}' "$owner" 2>/dev/null | tr ',' '\n' | sed 's/^ *//; s/[ (].*//')
      found=""
      for name in "$owner" $provided; do grep -qx -F "$name" <<<"$depends" && found=$name; done
      if [[ -n "$found" ]]; then
        echo "$(basename "$bin"): $lib -> $owner (in Depends as $found)"
      else
        echo "$(basename "$bin"): $lib -> $owner MISSING from Depends"; bad=1
      fi
    done
  done
  return $bad
}
check "Depends names the package of every linked library (dpkg-shlibdeps)" check_depends
check_key_depends() {
  local depends; depends=$(dpkg-deb -f "$DEB" Depends)
  local want=(libtorch libspdlog libopenblas0)  # OpenBLAS: the CPU speed of the built-in model
  ((OIIO)) && want+=(libopenimageio)
  ((GUI)) && want+=(libqt6widgets6 libqt6gui6 libqt6core6 qt6-qpa-plugins)
  for w in "${want[@]}"; do
    grep -q "$w" <<<"$depends" || { echo "Depends lacks $w: $depends"; return 1; }
  done
  echo "$depends"
}
check "Depends includes LibTorch, spdlog, OpenBLAS$( ((OIIO)) && echo ', OpenImageIO')$( ((GUI)) && echo ', Qt 6 and its platform plugins')" check_key_depends

# --- 3. contents ------------------------------------------------------------------------------------
expected_files() {
  echo /usr/bin/driffusion
  echo /usr/share/man/man1/driffusion.1.gz
  echo /usr/share/doc/$PKG/LICENSE
  echo /usr/share/doc/$PKG/copyright
  [[ -f "$SRC/resources/NOTICE" ]] && echo /usr/share/doc/$PKG/NOTICE
  echo /usr/share/driffusion/driffusion-resources.txt
  # Everything the build put into its resource folder (built-in model, tokenizer, presets...).
  (cd "$BUILD/share/driffusion" && find . -type f | sed 's#^\./#/usr/share/driffusion/#')
  if ((GUI)); then
    echo /usr/bin/driffusion-studio
    echo /usr/share/man/man1/driffusion-studio.1.gz
    echo /usr/share/applications/driffusion-studio.desktop
    echo /usr/share/icons/hicolor/scalable/apps/driffusion-studio.svg
    for s in "${ICON_SIZES[@]}"; do echo "/usr/share/icons/hicolor/${s}x${s}/apps/driffusion-studio.png"; done
  fi
}
expected_files | sort -u >"$WORK/expected.txt"
check_deb_contents() {
  local missing; missing=$(comm -23 "$WORK/expected.txt" "$WORK/deb-files.txt")
  [[ -z "$missing" ]] || { echo "missing from the .deb:"; echo "$missing"; return 1; }
  ((GUI)) && { ls "$DEB_ROOT"/usr/share/metainfo/*.metainfo.xml || return 1; }
  # Nothing outside /usr, nothing from the build tree.
  local outside; outside=$(grep -v -e '^/usr$' -e '^/usr/' -e '^$' -e '^/$' "$WORK/deb-files.txt")
  [[ -z "$outside" ]] || { echo "files outside /usr:"; echo "$outside"; return 1; }
  echo "$(wc -l <"$WORK/deb-files.txt") entries, all expected files present"
}
check ".deb contains programs, resources, man pages, license$( ((GUI)) && echo ', desktop entry, icons, metainfo')" check_deb_contents
check_tgz_contents() {
  local missing
  missing=$(sed "s#^/usr/#${TGZ_TOP}/#" "$WORK/expected.txt" | sort | comm -23 - "$WORK/tgz-files.txt")
  [[ -z "$missing" ]] || { echo "missing from the .tar.gz:"; echo "$missing"; return 1; }
  local stray; stray=$(grep -v "^${TGZ_TOP}\(/\|$\)" "$WORK/tgz-files.txt")
  [[ -z "$stray" ]] || { echo "entries outside ${TGZ_TOP}/:"; echo "$stray"; return 1; }
  echo "$(wc -l <"$WORK/tgz-files.txt") entries under ${TGZ_TOP}/, all expected files present"
}
check ".tar.gz holds the same tree under ${TGZ_TOP}/ (bin/, share/)" check_tgz_contents

png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'; }
check_icons() {
  local s f
  for s in "${ICON_SIZES[@]}"; do
    f="$DEB_ROOT/usr/share/icons/hicolor/${s}x${s}/apps/driffusion-studio.png"
    [[ $(head -c 8 "$f" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || { echo "$f is not a PNG"; return 1; }
    [[ $(png_size "$f") == "${s}x${s}" ]] || { echo "$f is $(png_size "$f"), want ${s}x${s}"; return 1; }
    echo "$f: ${s}x${s}"
  done
}
if ((GUI)); then
  check "hicolor icons are PNGs of their nominal sizes (${ICON_SIZES[*]})" check_icons
  check "desktop-file-validate driffusion-studio.desktop" \
    desktop-file-validate "$DEB_ROOT/usr/share/applications/driffusion-studio.desktop"
  check "appstreamcli validate --no-net (metainfo)" bash -c 'appstreamcli validate --no-net --explain "$0"/usr/share/metainfo/*.metainfo.xml' "$DEB_ROOT"
  check_desktop_links() {
    local desktop="$DEB_ROOT/usr/share/applications/driffusion-studio.desktop" meta
    meta=$(ls "$DEB_ROOT"/usr/share/metainfo/*.metainfo.xml)
    grep -qx 'Name=DRiffusion Studio' "$desktop" && grep -qx 'Exec=env OMP_WAIT_POLICY=passive driffusion-studio' "$desktop" &&
      grep -qx 'Icon=driffusion-studio' "$desktop" &&
      grep -qx 'Categories=Graphics;2DGraphics;RasterGraphics;Qt;' "$desktop" &&
      grep -q '<launchable type="desktop-id">driffusion-studio.desktop</launchable>' "$meta" &&
      grep -q "<release version=\"$VERSION\"" "$meta" && grep -q '<binary>driffusion-studio</binary>' "$meta"
  }
  check "desktop entry and metainfo agree (Name, Exec, Icon, launchable, release $VERSION)" check_desktop_links
fi
check_man_pages() {
  local page out
  for page in "$DEB_ROOT"/usr/share/man/man1/*.1.gz; do
    out=$(man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
    [[ -z "$out" ]] || { echo "$page:"; echo "$out"; return 1; }
    grep -q "$VERSION" <(zcat "$page") || { echo "$page does not name version $VERSION"; return 1; }
    echo "$page: renders without warnings"
  done
}
check "man pages render without groff warnings and carry the version" check_man_pages
check_rpaths() {
  local bin rpath bad=0
  for bin in "$DEB_ROOT"/usr/bin/* "$WORK"/none; do
    [[ -f "$bin" ]] || continue
    rpath=$(readelf -d "$bin" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p')
    echo "$(basename "$bin"): RPATH/RUNPATH '${rpath}'"
    if [[ -n "$rpath" && ( "$rpath" == *"$BUILD"* || "$rpath" == *"$SRC"* ) ]]; then
      echo "  points into the build or source tree"; bad=1
    fi
  done
  return $bad
}
check "installed binaries have no RPATH into the build or source tree (readelf)" check_rpaths

# --- 4. generation and GUI helpers shared by the .deb and the .tar.gz runs ----------------------------
# A PNG with plausible dimensions, written completely (IEND at the end).
valid_png() {
  [[ -s "$1" ]] && [[ $(head -c 8 "$1" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] &&
    [[ $(tail -c 8 "$1" | od -An -tx1 | tr -d ' \n') == 49454e44ae426082 ]] &&
    echo "$1: PNG $(png_size "$1")"
}
GEN_ARGS=(--prompt "a lighthouse on a cliff at sunset" --seed 7 --steps 8)
# The model the generation tests use: the built-in one, unless this build cannot generate with it at all
# (then the analytic model, said loudly). Decided once, on the build tree, so that a package that lost
# its built-in model can never pass by falling back.
choose_model() {
  local out="$WORK/build-tree-builtin.png"
  if (cd "$WORK" && "$BUILD/bin/driffusion" generate --model builtin "${GEN_ARGS[@]}" --out "$out") \
      >"$LOGS/build_tree_builtin.log" 2>&1 && valid_png "$out" >/dev/null; then
    MODEL=builtin
  else
    MODEL=analytic
    note "FALLBACK: the build tree's 'driffusion generate --model builtin' fails, so the package tests generate" \
         "with --model analytic; builtin not packaged-tested. Reason: $(tail -n 2 "$LOGS/build_tree_builtin.log" | tr '\n' ' ')"
  fi
}
choose_model
# generate_with DRIFFUSION_BINARY OUTPUT: one generation from the current folder; the image must be a
# complete PNG whose stored settings name the model asked for (no silent switch to another model).
generate_with() {
  "$1" generate --model "$MODEL" "${GEN_ARGS[@]}" --out "$2" && valid_png "$2" && names_model "$2"
}
names_model() {
  grep -a -q -E "\"model\" *: *\"$MODEL\"|Model: $MODEL" "$1" || { echo "$1 does not name model $MODEL"; return 1; }
}
# gui_smoke STUDIO_BINARY OUTPUT_FOLDER: start offscreen, load the model, generate one image, grab the
# window and quit by itself (the GUI's --screenshot mode). Uses the user's real settings (in $HOME).
gui_smoke() {
  local studio=$1 out=$2 v image
  v=$(QT_QPA_PLATFORM=offscreen timeout 120 "$studio" --version) && echo "$v" &&
    [[ "$v" == "driffusion-studio $VERSION "* ]] || return 1
  mkdir -p "$out"
  QT_QPA_PLATFORM=offscreen timeout 600 "$studio" --model "$MODEL" "${GEN_ARGS[@]}" --output "$out" \
    --screenshot "$out/window.png" || return 1
  valid_png "$out/window.png" || return 1
  image=$(ls "$out"/*.png | grep -v '/window.png$' | head -n1)
  [[ -n "$image" ]] || { echo "the GUI saved no generated image in $out"; return 1; }
  valid_png "$image" && names_model "$image"
}

# --- 5. install the .deb, use it, remove it ---------------------------------------------------------
export HOME="$WORK/home"   # a user whose settings and outputs must survive removal
mkdir -p "$HOME/.config" "$HOME/Pictures"
unset DRIFFUSION_RESOURCE_DIR XDG_CONFIG_HOME
check "apt-get install ./$(basename "$DEB")" apt-get install -y --no-install-recommends "$DEB"
installed_ok() { dpkg-query -W -f='${Status} ${Version}\n' "$PKG" | tee /dev/stderr | grep -q "install ok installed $VERSION"; }
check "dpkg reports $PKG $VERSION installed" installed_ok
if installed_ok 2>/dev/null; then
  RUN_DIR="$HOME/Pictures"   # an unrelated working folder: no build tree, no source tree around
  installed_version() {
    local v; v=$(cd "$RUN_DIR" && driffusion --version) || return 1
    echo "$v"; [[ $(command -v driffusion) == /usr/bin/driffusion ]] && [[ "$v" == "driffusion $VERSION "* ]]
  }
  check "installed 'driffusion --version' reports $VERSION" installed_version
  man_covers_commands() {
    local cmds missing=0 c
    man -w driffusion || return 1
    if ((GUI)); then man -w driffusion-studio || return 1; fi
    cmds=$(driffusion --help | awk '/^commands:/ {on = 1; next} on && NF == 0 {exit} on {print $1}')
    [[ -n "$cmds" ]] || { echo "driffusion --help lists no commands"; return 1; }
    for c in $cmds; do
      if zcat "$(man -w driffusion)" | grep -qx "\.B $c"; then echo "man page describes '$c'"
      else echo "man page lacks the command '$c' that driffusion --help lists"; missing=1; fi
    done
    return $missing
  }
  check "installed man pages found by man, describing every command of 'driffusion --help'" man_covers_commands
  installed_generate() { cd "$RUN_DIR" && generate_with driffusion "$RUN_DIR/installed-$MODEL.png"; }
  check "installed 'driffusion generate --model $MODEL' from $RUN_DIR" installed_generate
  if ((GUI)); then
    menu_entry() {
      # What a desktop menu needs: the entry in the system folder, its TryExec program on PATH, and its
      # icon in the hicolor theme.
      local entry=/usr/share/applications/driffusion-studio.desktop
      desktop-file-validate "$entry" && grep -qx 'Name=DRiffusion Studio' "$entry" &&
        [[ $(command -v "$(sed -n 's/^TryExec=//p' "$entry")") == /usr/bin/driffusion-studio ]] &&
        ls /usr/share/icons/hicolor/48x48/apps/"$(sed -n 's/^Icon=//p' "$entry")".png &&
        ls /usr/share/icons/hicolor/scalable/apps/"$(sed -n 's/^Icon=//p' "$entry")".svg
    }
    check "desktop menu entry installed: valid, TryExec on PATH, icon in the hicolor theme" menu_entry
    installed_gui() { cd "$RUN_DIR" && gui_smoke driffusion-studio "$RUN_DIR/studio-installed"; }
    check "installed driffusion-studio starts offscreen and loads the default model" installed_gui
  fi

  # Removal: everything the package installed goes, the user's files stay.
  dpkg-query -L "$PKG" | grep -v '^/\.$' | sort >"$WORK/installed-paths.txt"
  echo "user setting" >"$HOME/.config/driffusion-user-file.conf"
  (cd "$HOME" && find . -type f -exec sha256sum {} + | sort -k2) >"$WORK/user-files-before.txt"
  check "apt-get purge $PKG" apt-get purge -y "$PKG"
  check_removed() {
    local path bad=0
    while read -r path; do
      [[ -e "$path" || -L "$path" ]] || continue
      if [[ -d "$path" && ! -L "$path" ]]; then
        # A shared folder (/usr/bin, /usr/share/icons/...) stays when other packages own it.
        dpkg-query -S "$path" >/dev/null 2>&1 && continue
        echo "folder left behind: $path"; bad=1
      else
        echo "file left behind: $path"; bad=1
      fi
    done <"$WORK/installed-paths.txt"
    for path in /usr/share/driffusion /usr/share/doc/$PKG /usr/bin/driffusion /usr/bin/driffusion-studio; do
      [[ ! -e "$path" ]] || { echo "left behind: $path"; bad=1; }
    done
    echo "$(wc -l <"$WORK/installed-paths.txt") installed paths checked"
    return $bad
  }
  check "after removal nothing the package installed is left" check_removed
  user_files_kept() {
    (cd "$HOME" && find . -type f -exec sha256sum {} + | sort -k2) | diff "$WORK/user-files-before.txt" - &&
      echo "$(wc -l <"$WORK/user-files-before.txt") user files unchanged:" && cut -c67- "$WORK/user-files-before.txt" &&
      grep -q "installed-$MODEL.png" "$WORK/user-files-before.txt"
  }
  check "user outputs and settings untouched by the removal" user_files_kept
fi

# --- 6. the relocatable .tar.gz ---------------------------------------------------------------------
UNPACK="$WORK/unpacked here"   # a space in the path on purpose
mkdir -p "$UNPACK"
check "unpack $(basename "$TGZ")" tar -xzf "$TGZ" -C "$UNPACK"
T="$UNPACK/$TGZ_TOP"
tgz_libraries() {
  local bin out bad=0
  for bin in "$T"/bin/*; do
    out=$(ldd "$bin") || return 1
    if grep -q "not found" <<<"$out"; then echo "$bin:"; grep "not found" <<<"$out"; bad=1; fi
  done
  echo "all libraries of $(ls "$T/bin" | tr '\n' ' ')resolve from Debian packages"
  return $bad
}
check ".tar.gz binaries find all shared libraries (ldd: the same Debian packages as the .deb)" tgz_libraries
TGZ_RUN="$WORK/elsewhere"
mkdir -p "$TGZ_RUN"
tgz_version() { local v; v=$(cd "$TGZ_RUN" && "$T/bin/driffusion" --version) && echo "$v" && [[ "$v" == "driffusion $VERSION "* ]]; }
check "unpacked 'driffusion --version'" tgz_version
tgz_generate() {
  [[ ! -e /usr/share/driffusion ]] || { echo "/usr/share/driffusion exists: the test would prove nothing"; return 1; }
  cd "$TGZ_RUN" && generate_with "$T/bin/driffusion" "$TGZ_RUN/unpacked-$MODEL.png"
}
check "unpacked 'driffusion generate --model $MODEL' (resources found beside bin/)" tgz_generate
tgz_symlink() {
  mkdir -p "$WORK/links" && ln -sf "$T/bin/driffusion" "$WORK/links/driffusion" &&
    cd "$TGZ_RUN" && generate_with "$WORK/links/driffusion" "$TGZ_RUN/symlinked-$MODEL.png"
}
check "unpacked driffusion started through a symlink elsewhere still finds its resources" tgz_symlink
tgz_no_resources() {
  # Moved without its share/ folder: a clear error that names what is missing, and no output file.
  local lonely="$WORK/lonely/bin" out rc
  mkdir -p "$lonely" && cp "$T/bin/driffusion" "$lonely/"
  out=$(cd "$TGZ_RUN" && "$lonely/driffusion" generate --model builtin "${GEN_ARGS[@]}" --out "$TGZ_RUN/lonely.png" 2>&1)
  rc=$?
  echo "exit $rc: $out"
  # The built-in model's folder is looked up first, so this holds even before its weights exist.
  [[ $rc -eq 3 ]] && grep -q "$lonely/../share/driffusion/driffusion-resources.txt\|${lonely%/bin}/share/driffusion/driffusion-resources.txt" <<<"$out" &&
    grep -q DRIFFUSION_RESOURCE_DIR <<<"$out" && [[ ! -e "$TGZ_RUN/lonely.png" ]]
}
check "a binary without its share/ folder fails (exit 3) naming the missing resource folder and DRIFFUSION_RESOURCE_DIR" tgz_no_resources
if ((GUI)); then
  tgz_gui() { cd "$TGZ_RUN" && gui_smoke "$T/bin/driffusion-studio" "$TGZ_RUN/studio-unpacked"; }
  check "unpacked driffusion-studio starts offscreen and loads the default model" tgz_gui
fi

finish
