// A copy of the shipped built-in model whose scheduler config names LCMScheduler: a folder in the
// layout driffusion-train distill-lcm exports, declared consistency-distilled, with the base
// model's weights (the distilled weights are not in the repository: docs/builtin-model.md, "The
// LCM-distilled model"). What the CLI, GUI and engine do with an LCM-distilled model depends on
// the declaration alone, so tests of that behaviour use this copy. Header-only and free of
// LibTorch, so the Qt tests can include it.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "core/io/remove_tree.h"
#include "core/util/resource_paths.h"

namespace drf::test {

// Made in a fresh temporary folder, removed with it by the destructor.
class LcmDeclaredCopy {
 public:
  LcmDeclaredCopy() {
    namespace fs = std::filesystem;
    std::string tmpl = (fs::temp_directory_path() / "drf-lcm-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    parent_ = tmpl;
    folder_ = parent_ / "lcm-declared";
    fs::copy(resource_path("builtin"), folder_, fs::copy_options::recursive);
    const fs::path config = folder_ / "scheduler" / "scheduler_config.json";
    nlohmann::json j = nlohmann::json::parse(std::ifstream(config));
    j["_class_name"] = "LCMScheduler";
    std::ofstream(config) << j.dump(2) << "\n";
  }
  ~LcmDeclaredCopy() {
    std::error_code ec;
    drf::remove_tree(parent_, ec);
  }
  LcmDeclaredCopy(const LcmDeclaredCopy&) = delete;
  LcmDeclaredCopy& operator=(const LcmDeclaredCopy&) = delete;
  std::string path() const { return folder_.string(); }

 private:
  std::filesystem::path parent_, folder_;
};

}  // namespace drf::test
