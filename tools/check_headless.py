#!/usr/bin/env python3
"""Headless check for CI: every translation unit of core/ and app/cli/ must preprocess with the
`headless` preset's flags (no Qt, no OpenImageIO include paths or definitions).

A Qt or OpenImageIO include creeping into core/ or the CLI then fails here, on the CPU CI
machine, in about two minutes, instead of in the GPU machine's build (which has neither library).
The units only this configuration builds (the *_no_oiio.cpp stand-ins) are compiled (syntax and
types, no code generation); everything else is compiled by the default build already.
Full compiles of that configuration happen on the GPU machine (tools/gpu/run_gpu_suite.sh build);
compiling it a second time here would double CI's time on two cores.

usage: tools/check_headless.py BUILD_DIR   (BUILD_DIR configured with `cmake --preset headless`)
"""
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys


def headless_only(entry):
    """Units only this configuration compiles (the *_no_oiio.cpp stand-ins): compiled for real."""
    return entry["file"].endswith("_no_oiio.cpp")


def preprocess(entry):
    args = shlex.split(entry["command"])
    # Drop the object output and compile-only flags; preprocess to nowhere instead.
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if a in ("-c", "-MD", "-MMD"):
            continue
        out.append(a)
    # Units the default build never compiles get a full front-end pass (types, overloads, the
    # declarations they must match); the rest, compiled by the default build already, only need
    # their includes to resolve without Qt and OpenImageIO.
    out += ["-fsyntax-only"] if headless_only(entry) else ["-E", "-o", os.devnull]
    r = subprocess.run(out, cwd=entry["directory"], capture_output=True, text=True)
    return entry["file"], r.returncode, r.stderr


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    build = sys.argv[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = json.load(f)
    wanted = [e for e in entries
              if os.path.relpath(e["file"], root).startswith(("core" + os.sep, os.path.join("app", "cli") + os.sep))]
    if not wanted:
        print("check_headless: no core/ or app/cli/ units in " + build, file=sys.stderr)
        return 1
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for file, rc, err in pool.map(preprocess, wanted):
            if rc != 0:
                failed.append((file, err))
    for file, err in failed:
        print(f"check_headless: {os.path.relpath(file, root)} does not build without Qt/OpenImageIO:\n{err}",
              file=sys.stderr)
    print(f"check_headless: {len(wanted) - len(failed)} of {len(wanted)} core/CLI units preprocess in the headless configuration")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
