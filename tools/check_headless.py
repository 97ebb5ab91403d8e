#!/usr/bin/env python3
"""Headless check for CI, run after the `headless-check` preset has been built (core and the CLI
compiled and linked with no Qt and no OpenImageIO: tools/dev.sh check_headless).

That build already fails on a Qt include (Qt's headers are not on any include path there) and on
any OpenImageIO or Qt symbol (neither library is linked). One hole is left: OpenImageIO's headers
sit in /usr/include, so `#include <OpenImageIO/imageio.h>` would still compile. This script closes
it by reading the header dependencies ninja recorded for every core/ and app/cli/ object and
failing on any OpenImageIO or Qt header among them.

usage: tools/check_headless.py BUILD_DIR   (BUILD_DIR built with `cmake --build --preset headless-check`)
"""
import os
import re
import subprocess
import sys

FORBIDDEN = re.compile(r"/(OpenImageIO|qt6|Qt[A-Za-z]+)/")
# Every object of core/ (whatever its libraries are called) and of the CLI (app/, target driffusion).
CHECKED = re.compile(r"^(core/.*|app/CMakeFiles/driffusion\.dir/.*)\.o$")
UNITY_SOURCE = re.compile(r'^#include "([^"]+\.(?:cpp|cc|cxx))"', re.M)


def dependencies(build):
    """{object: [headers]} from ninja's deps log (`ninja -t deps`)."""
    out = subprocess.run(["ninja", "-C", build, "-t", "deps"], capture_output=True, text=True, check=True).stdout
    deps, current = {}, None
    for line in out.splitlines():
        if not line.strip():
            current = None
        elif not line.startswith(" "):
            current = line.split(":")[0]
            deps[current] = []
        elif current is not None:
            deps[current].append(line.strip())
    return deps


def sources_of(build, obj):
    """The source files an object was compiled from: one, or a unity batch's list (its .cxx
    includes each source by path)."""
    unit = os.path.join(build, obj[:-2])  # strip ".o"
    if "/Unity/" in obj and os.path.exists(unit):
        with open(unit) as f:
            return UNITY_SOURCE.findall(f.read())
    return [obj[:-2]]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    build = sys.argv[1]
    objects = {o: h for o, h in dependencies(build).items() if CHECKED.search(o)}
    sources = sum(len(sources_of(build, o)) for o in objects)
    if sources < 100:
        print(f"check_headless: only {sources} core/CLI sources in {build}'s deps log: is it built?",
              file=sys.stderr)
        return 1
    bad = []  # (object, its first forbidden header)
    for obj, headers in sorted(objects.items()):
        forbidden = [h for h in headers if FORBIDDEN.search(h)]
        if forbidden:
            bad.append((obj, forbidden[0]))
    for obj, header in bad:
        # A unity object names its batch; the offending source is one of these.
        print(f"check_headless: {obj} (from {', '.join(sources_of(build, obj))}) includes {header} "
              "(core and the CLI must build without Qt/OpenImageIO)", file=sys.stderr)
    print(f"check_headless: {sources} core/CLI sources ({len(objects)} objects) built without Qt or OpenImageIO headers"
          if not bad else f"check_headless: {len(bad)} of {len(objects)} core/CLI objects include Qt or OpenImageIO headers")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
