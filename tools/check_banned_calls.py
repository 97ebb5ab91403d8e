#!/usr/bin/env python3
"""Fails when the C++ sources call a function the project has replaced, and says with what.

A call that compiles and works on the CPU build can still crash in the CUDA build, where
libtorch.so's own copies of some standard-library functions win the symbol lookup (see
core/io/remove_tree.h). Each entry names the pattern, the replacement and why; the files that
implement the replacement may use the original.

Usage: tools/check_banned_calls.py [repository root]   (default: the root this script sits in)
Exit status 0 when no banned call is found, 1 with one line per call (file:line: what to use).
"""
import os
import re
import sys

SOURCE_DIRS = ("app", "core", "gpu", "tests", "tools", "ui")
SOURCE_SUFFIXES = (".h", ".cpp", ".cu", ".cuh", ".inc")
BANNED = [
    # (pattern, files allowed to use it, message)
    (re.compile(r"\bremove_all\s*\("), ("core/io/remove_tree.cpp",),
     "use drf::remove_tree (core/io/remove_tree.h): libtorch.so's remove_all crashes in the CUDA build"),
]
LINE_COMMENT = re.compile(r"//.*$")


def check(root):
    problems = []
    for top in SOURCE_DIRS:
        for folder, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        code = LINE_COMMENT.sub("", line)
                        for pattern, allowed, message in BANNED:
                            if rel not in allowed and pattern.search(code):
                                problems.append(f"{rel}:{number}: {message}")
    return problems


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    problems = check(root)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
