#!/usr/bin/env python3
"""Fails when a file of a core/ area includes a header of an area that is not below it.

core/CMakeLists.txt builds one static library per area and link-checks each one, but a link
only catches calls: a header-only use of a higher area (a struct, an inline function, a
template) compiles and links fine. This script checks the #include lines against the same area
list, read from the driffusion_core_area(<name> FILES <regex> DEPENDS <areas>...) calls in
core/CMakeLists.txt, so the order lives in one place.

A file belongs to the first area (in declaration order, as CMake assigns sources) whose FILES
pattern matches its path relative to core/: the path itself, or for a header or .inc file the
.cpp of the same name (a header belongs with its source). A file may include headers of its own
area and of the areas its DEPENDS reach; anything else is reported. core/models/ is six areas
of its folders, bottom-up models_loaders (loaders/), models_nn (nn/), models_networks (clip/ t5/
unet/ vae/), models_latent (latent/), models_families (every other folder: one per family, and
families/ with the headers a family implements) and models (the registry, the files at the root
of core/models/), so a folder may include its own area's folders and the areas below, never one
above (nn/ no UNet header, a family never the registry).

Usage: tools/check_layers.py [repository root]   (default: the root this script sits in)
Exit status 0 when every include points down, 1 with one line per violation, 2 when the area
list cannot be read.
"""
import os
import re
import sys

SOURCE_SUFFIXES = (".h", ".cpp", ".inc", ".h.in")
INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"(core/[^"]+)"', re.M)


def cmake_arguments(text, start):
    """The arguments of the command call whose '(' is at text[start - 1], as a list of strings."""
    args, i = [], start
    while i < len(text):
        c = text[i]
        if c == ")":
            return args
        if c.isspace():
            i += 1
        elif c == "#":
            i = text.index("\n", i)
        elif c == '"':
            j = i + 1
            value = []
            while text[j] != '"':
                if text[j] == "\\":  # CMake escapes: "\\." is the regex \.
                    value.append(text[j + 1])
                    j += 2
                else:
                    value.append(text[j])
                    j += 1
            args.append("".join(value))
            i = j + 1
        else:
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in '()"':
                j += 1
            args.append(text[i:j])
            i = j
    raise ValueError("unterminated driffusion_core_area( call")


def read_areas(cmake_path):
    """[(name, compiled FILES regex, [DEPENDS...])] in declaration order."""
    text = open(cmake_path, encoding="utf-8").read()
    areas = []
    for m in re.finditer(r"^[ \t]*driffusion_core_area[ \t]*\(", text, re.M):
        args = cmake_arguments(text, m.end())
        name, rest = args[0], args[1:]
        files, depends, key = None, [], None
        for a in rest:
            if a in ("FILES", "DEPENDS"):
                key = a
            elif key == "FILES":
                files = a
            elif key == "DEPENDS":
                depends.append(a)
        if files is None:
            raise ValueError("area %s has no FILES pattern" % name)
        areas.append((name, re.compile(files), depends))
    if not areas:
        raise ValueError("no driffusion_core_area( calls in %s" % cmake_path)
    return areas


def area_of(rel, areas):
    candidates = [rel]
    for suffix in (".h.in", ".h", ".inc"):
        if rel.endswith(suffix):
            candidates.append(rel[: -len(suffix)] + ".cpp")
            break
    for name, pattern, _ in areas:
        if any(pattern.search(c) for c in candidates):
            return name
    return None


def below(areas):
    """area -> the set of areas it may include (itself and everything its DEPENDS reach)."""
    depends = {name: deps for name, _, deps in areas}
    reach = {}
    for name, _, _ in areas:
        seen, stack = {name}, list(depends[name])
        while stack:
            d = stack.pop()
            if d not in seen:
                seen.add(d)
                stack.extend(depends.get(d, []))
        reach[name] = seen
    return reach


def check(root):
    core = os.path.join(root, "core")
    areas = read_areas(os.path.join(core, "CMakeLists.txt"))
    allowed = below(areas)
    problems = []
    for folder, _, files in sorted(os.walk(core)):
        for f in sorted(files):
            if not f.endswith(SOURCE_SUFFIXES):
                continue
            path = os.path.join(folder, f)
            rel = os.path.relpath(path, core).replace(os.sep, "/")
            area = area_of(rel, areas)
            if area is None:
                problems.append("core/%s: belongs to no area of core/CMakeLists.txt" % rel)
                continue
            text = open(path, encoding="utf-8", errors="replace").read()
            for m in INCLUDE.finditer(text):
                header = m.group(1)
                line = text.count("\n", 0, m.start()) + 1
                target = area_of(header[len("core/"):], areas)
                if target is None:
                    problems.append("core/%s:%d: includes %s, which belongs to no area" % (rel, line, header))
                elif target not in allowed[area]:
                    problems.append("core/%s:%d: area '%s' includes %s of area '%s', which is not below it"
                                    % (rel, line, area, header, target))
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        problems = check(root)
    except (OSError, ValueError, re.error) as e:
        print("check_layers: cannot read the area list: %s" % e, file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    if problems:
        print("check_layers: %d upward include(s); areas and their order: core/CMakeLists.txt, "
              "docs/architecture.md" % len(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
