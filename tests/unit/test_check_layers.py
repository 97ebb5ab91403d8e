#!/usr/bin/env python3
"""tools/check_layers.py: the tree has no upward include between core's areas, and a planted
one (a sampling header including the engine's; nn/ including a UNet header) is reported, with
its file, line and areas; core/models/'s folders sit in the areas docs/architecture.md names.

Usage: tests/unit/test_check_layers.py <repository root>
"""
import os
import shutil
import tempfile
import unittest

from tool_test_util import ROOT, write  # noqa: E402  (puts tools/ on the path)
import check_layers  # noqa: E402


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

    def test_models_folders_sit_in_their_areas(self):
        areas = check_layers.read_areas(os.path.join(ROOT, "core", "CMakeLists.txt"))
        for rel, area in [("models/loaders/weight_source.h", "models_loaders"),
                          ("models/nn/attention_memory.h", "models_nn"),
                          ("models/unet/unet_memory.h", "models_networks"),
                          ("models/t5/t5_encoder.h", "models_networks"),
                          ("models/latent/vae_override.h", "models_latent"),
                          ("models/sd/sd_single_file.h", "models_families"),
                          ("models/families/model_family.h", "models_families"),
                          # A new family's folder needs no change to core/CMakeLists.txt.
                          ("models/newfamily/newfamily_family.cpp", "models_families"),
                          ("models/model_families.h", "models")]:
            self.assertEqual(check_layers.area_of(rel, areas), area, rel)
        allowed = check_layers.below(areas)
        self.assertNotIn("models_networks", allowed["models_nn"])
        self.assertNotIn("models_latent", allowed["models_networks"])
        self.assertNotIn("models_families", allowed["models_latent"])
        self.assertNotIn("models", allowed["models_families"])
        self.assertIn("models_loaders", allowed["models"])
        self.assertIn("models", allowed["engine"])

    def test_a_planted_cycle_inside_models_is_reported(self):
        # nn/ including a UNet header: the cycle nn -> unet -> nn that session 9's folders had.
        tmp = tempfile.mkdtemp(prefix="check_layers_")
        try:
            os.makedirs(os.path.join(tmp, "core"))
            shutil.copy(os.path.join(ROOT, "core", "CMakeLists.txt"), os.path.join(tmp, "core", "CMakeLists.txt"))
            write(tmp, "core/models/nn/layers.h", '#pragma once\n')
            write(tmp, "core/models/unet/unet_config.h", '#pragma once\n#include "core/models/nn/layers.h"\n')
            write(tmp, "core/models/nn/planted.h", '#pragma once\n#include "core/models/unet/unet_config.h"\n')
            problems = check_layers.check(tmp)
            self.assertEqual(len(problems), 1, problems)
            self.assertIn("core/models/nn/planted.h:2", problems[0])
            self.assertIn("area 'models_nn' includes core/models/unet/unet_config.h of area 'models_networks'",
                          problems[0])
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main()
