#!/usr/bin/env python3
"""tools/check_banned_calls.py: the tree calls no replaced function, and a planted
std::filesystem::remove_all in a test helper is reported with its file, line and replacement,
while a comment naming it and the replacement's own source are not.

Usage: tests/unit/test_check_banned_calls.py <repository root>
"""
import shutil
import sys
import tempfile
import unittest

from tool_test_util import ROOT, write  # noqa: E402  (puts tools/ on the path)
import check_banned_calls  # noqa: E402


class CheckBannedCalls(unittest.TestCase):
    def test_the_tree_has_no_banned_call(self):
        self.assertEqual(check_banned_calls.check(ROOT), [])

    def test_a_planted_call_is_reported(self):
        tmp = tempfile.mkdtemp(prefix="check_banned_")
        try:
            write(tmp, "tests/io/helper.h", "#pragma once\n// not std::filesystem::remove_all(x) here\n"
                  "inline void f(const std::filesystem::path& p) {\n  std::filesystem::remove_all (p);\n}\n")
            write(tmp, "core/io/remove_tree.cpp", "// the replacement may name remove_all(\nvoid g() { remove_all(p); }\n")
            problems = check_banned_calls.check(tmp)
            self.assertEqual(len(problems), 1, problems)
            self.assertTrue(problems[0].startswith("tests/io/helper.h:4: "), problems[0])
            self.assertIn("drf::remove_tree", problems[0])
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]])
