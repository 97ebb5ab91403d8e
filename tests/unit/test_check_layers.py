#!/usr/bin/env python3
"""tools/check_layers.py: the tree has no upward include between core's areas, and a planted
one (a sampling header including the engine's) is reported, with its file, line and areas.

Usage: tests/unit/test_check_layers.py <repository root>
"""
import os
import shutil
import sys
import tempfile
import unittest

ROOT = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import check_layers  # noqa: E402


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class CheckLayers(unittest.TestCase):
    def test_the_tree_includes_only_downwards(self):
        self.assertEqual(check_layers.check(ROOT), [])

    def test_a_planted_upward_include_is_reported(self):
        tmp = tempfile.mkdtemp(prefix="check_layers_")
        try:
            os.makedirs(os.path.join(tmp, "core"))
            shutil.copy(os.path.join(ROOT, "core", "CMakeLists.txt"), os.path.join(tmp, "core", "CMakeLists.txt"))
            write(tmp, "core/util/errors.h", "#pragma once\n")
            write(tmp, "core/engine/engine.h", '#pragma once\n#include "core/sampling/fine.h"\n')
            write(tmp, "core/sampling/fine.h", '#pragma once\n#include "core/util/errors.h"\n')
            write(tmp, "core/sampling/planted.h", '#pragma once\n\n#include "core/engine/engine.h"\n')
            problems = check_layers.check(tmp)
            self.assertEqual(len(problems), 1, problems)
            self.assertIn("core/sampling/planted.h:3", problems[0])
            self.assertIn("area 'sampling' includes core/engine/engine.h of area 'engine'", problems[0])
        finally:
            shutil.rmtree(tmp)

    def test_a_header_belongs_with_its_source(self):
        areas = check_layers.read_areas(os.path.join(ROOT, "core", "CMakeLists.txt"))
        self.assertEqual(check_layers.area_of("engine/settings.h", areas), "engine_api")
        self.assertEqual(check_layers.area_of("engine/generation_job.h", areas), "engine")
        self.assertEqual(check_layers.area_of("sampling/fidelity_table.inc", areas), "sampling")
        self.assertIsNone(check_layers.area_of("nowhere/thing.h", areas))
        allowed = check_layers.below(areas)
        self.assertIn("util", allowed["sampling"])
        self.assertNotIn("engine_api", allowed["sampling"])
        self.assertIn("sampling", allowed["engine"])


if __name__ == "__main__":
    unittest.main()
