// driffusion models: the models this build knows by name, optionally loading each to check it.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "app/cli/cli_results.h"
#include "app/cli/commands.h"
#include "core/engine/engine.h"
#include "core/models/model_families.h"

namespace drf::cli {
namespace {

struct KnownModel {
  std::string source;
  std::string description;
};

// Model names the loader accepts besides folders and .safetensors files: the two built-in
// models and every family's random:* models (core/models/families).
std::vector<KnownModel> known_models() {
  std::vector<KnownModel> out{
      {"builtin", "the small built-in model that ships with the app (no download)"},
      {"analytic", "analytic Gaussian-mixture model: exact noise predictor, 128x128, prompts red/green/blue/gold"}};
  for (const RandomModel& m : all_random_models()) out.push_back({m.source, m.description});
  return out;
}

}  // namespace

int run_models(int argc, char** argv) {
  ArgParser args("models",
                 "Lists the models known by name. Any diffusers folder or single-file .safetensors checkpoint can\n"
                 "also be given to --model by its path (pickle checkpoints are refused).");
  args.option("check", "LIST|all",
              "load these models (comma-separated, or all) and report whether they are available, with their "
              "architecture; random:sd15/sd21/sdxl... build full-size models (GBs of memory)")
      .flag("json", "print one JSON object (schema: docs/cli.md)");
  if (!args.parse(argc, argv, 2)) return kOk;
  const bool json_out = args.get_flag("json");
  const std::vector<std::string> to_check = args.get_list("check");
  const bool check_all = to_check.size() == 1 && to_check[0] == "all";
  for (const auto& name : to_check) {
    bool known = check_all;
    for (const KnownModel& m : known_models()) known |= name == m.source;
    if (!known) throw UsageError("models: --check names '" + name + "', which is not a known model name");
  }
  const auto checked = [&](const std::string& source) {
    return check_all || std::find(to_check.begin(), to_check.end(), source) != to_check.end();
  };
  nlohmann::json list = nlohmann::json::array();
  Engine engine;
  for (const KnownModel& m : known_models()) {
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
    std::printf("  %-20s %s\n", e["source"].get<std::string>().c_str(), e["description"].get<std::string>().c_str());
    if (!e.contains("available")) continue;
    if (e["available"].get<bool>())
      std::printf("  %-20s available: %s, %dx%d\n", "", e["architecture"].get<std::string>().c_str(),
                  e["native_width"].get<int>(), e["native_height"].get<int>());
    else
      std::printf("  %-20s NOT available: %s\n", "", e["error"].get<std::string>().c_str());
  }
  std::printf("\nor a path: --model /path/to/model.safetensors, --model /path/to/diffusers-folder\n");
  return kOk;
}

}  // namespace drf::cli
