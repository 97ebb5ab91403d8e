// Helpers for the CLI tests: run the built binary, parse its --json output, find its files.
#pragma once
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/image/image_file.h"
#include "tests/cli/cli_process.h"
#include "tests/image/image_test_util.h"

namespace drf::test {

inline ProcessResult cli(const std::vector<std::string>& args, double timeout_s = 240) {
  return run_process(DRIFFUSION_CLI_PATH, args, timeout_s);
}

// stdout parsed as the one JSON object --json promises (a test failure when it is not).
inline nlohmann::json json_of(const ProcessResult& r) {
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "stdout is not one JSON object: " << e.what() << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err;
    return nlohmann::json::object();
  }
}

// The file extension this build writes by default.
inline std::string default_ext() { return image_format_extension(default_image_format()); }

// Quick analytic-model generation arguments (128x128, a few steps).
inline std::vector<std::string> analytic_args(const std::string& prompt, int steps = 8) {
  return {"--model", "analytic", "--prompt", prompt, "--steps", std::to_string(steps)};
}

inline std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

#define EXPECT_EXIT_CODE(result, code) \
  EXPECT_EQ((result).exit_code, code) << "stdout:\n" << (result).out << "\nstderr:\n" << (result).err

}  // namespace drf::test
