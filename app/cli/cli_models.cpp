// driffusion models: the models this build knows by name, optionally loading each to check it.
#include <algorithm>
#include <cstdio>

#include "app/cli/cli_results.h"
#include "app/cli/commands.h"
#include "core/engine/engine.h"

namespace drf::cli {
namespace {

struct KnownModel {
  const char* source;
  const char* description;
};

// Model names the loader accepts besides folders and .safetensors files.
constexpr KnownModel kKnownModels[] = {
    {"builtin", "the small built-in model that ships with the app (no download)"},
    {"analytic", "analytic Gaussian-mixture model: exact noise predictor, 128x128, prompts red/green/blue/gold"},
    {"random:sd15", "Stable Diffusion 1.5 architecture with random weights (speed tests, 512x512)"},
    {"random:sd21", "Stable Diffusion 2.1 architecture with random weights (speed tests, 768x768)"},
    {"random:tiny", "a tiny SD-shaped model with random weights (fast tests)"},
};

}  // namespace

int run_models(int argc, char** argv) {
  ArgParser args("models",
                 "Lists the models known by name. Any diffusers folder or single-file .safetensors checkpoint can\n"
                 "also be given to --model by its path (pickle checkpoints are refused).");
  args.option("check", "LIST|all",
              "load these models (comma-separated, or all) and report whether they are available, with their "
              "architecture; random:sd15/sd21 build full-size models (GBs of memory)")
      .flag("json", "print one JSON object (schema: docs/cli.md)");
  if (!args.parse(argc, argv, 2)) return kOk;
  const bool json_out = args.get_flag("json");
  const std::vector<std::string> to_check = args.get_list("check");
  const bool check_all = to_check.size() == 1 && to_check[0] == "all";
  for (const auto& name : to_check) {
    bool known = check_all;
    for (const KnownModel& m : kKnownModels) known |= name == m.source;
    if (!known) throw UsageError("models: --check names '" + name + "', which is not a known model name");
  }
  const auto checked = [&](const char* source) {
    return check_all || std::find(to_check.begin(), to_check.end(), source) != to_check.end();
  };
  nlohmann::json list = nlohmann::json::array();
  Engine engine;
  for (const KnownModel& m : kKnownModels) {
    nlohmann::json entry{{"source", m.source}, {"description", m.description}};
    if (checked(m.source)) {
      try {
        const ModelSummary s = engine.describe_model(m.source);
        entry["available"] = true;
        entry["architecture"] = s.architecture;
        entry["native_width"] = s.native_width;
        entry["native_height"] = s.native_height;
      } catch (const Error& e) {
        entry["available"] = false;
        entry["error"] = e.what();
      }
      engine.release_models();
    }
    list.push_back(entry);
  }
  if (json_out) {
    print_json({{"command", "models"}, {"ok", true}, {"models", list}});
    return kOk;
  }
  for (const auto& e : list) {
    std::printf("  %-12s %s\n", e["source"].get<std::string>().c_str(), e["description"].get<std::string>().c_str());
    if (!e.contains("available")) continue;
    if (e["available"].get<bool>())
      std::printf("  %-12s available: %s, %dx%d\n", "", e["architecture"].get<std::string>().c_str(),
                  e["native_width"].get<int>(), e["native_height"].get<int>());
    else
      std::printf("  %-12s NOT available: %s\n", "", e["error"].get<std::string>().c_str());
  }
  std::printf("\nor a path: --model /path/to/model.safetensors, --model /path/to/diffusers-folder\n");
  return kOk;
}

}  // namespace drf::cli
