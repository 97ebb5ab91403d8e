#include "app/cli/cli_results.h"

#include <cmath>
#include <cstdio>

#include "app/cli/commands.h"
#include "core/image/infotext.h"
#include "core/image/settings_json.h"
#include "core/util/build_info.h"

namespace drf::cli {

ImageMetadata metadata_for(const GenerationResult& r, double measured_speedup) {
  ImageMetadata md;
  md.parameters = format_infotext(r, app_version(), measured_speedup);
  md.settings_json = run_record_to_json(make_run_record(r, app_version(), measured_speedup));
  return md;
}

std::filesystem::path save_result(const GenerationResult& r, const OutputTarget& target, int index, int count,
                                  double measured_speedup) {
  const ImageData data{r.image, r.image_float};
  const ImageMetadata md = metadata_for(r, measured_speedup);
  if (target.is_folder)
    return write_image_numbered(target.path, std::to_string(r.settings.seed), data, target.format, md).path;
  const auto path = file_for_image(target, index, count);
  write_image_file(path, data, target.format, md);
  return path;
}

nlohmann::json result_json(const GenerationResult& r, const std::filesystem::path& path, double measured_speedup) {
  nlohmann::json j = nlohmann::json::parse(run_record_to_json(make_run_record(r, app_version(), measured_speedup)));
  j["path"] = path.string();
  j["warnings"] = r.warnings;
  return j;
}

nlohmann::json error_json(const std::string& command, const Error& e) {
  return {{"command", command},
          {"ok", false},
          {"error", {{"kind", error_kind_name(e.kind())}, {"message", e.what()}, {"exit_code", exit_code_for(e.kind())}}}};
}

nlohmann::json build_json() {
  return {{"version", build::kVersion},      {"libtorch", build::kTorchVersion}, {"cuda", build::kHaveCuda},
          {"nccl", build::kHaveNccl},        {"openimageio", build::kHaveOiio},  {"compiler", build::kCompiler},
          {"build_type", build::kBuildType}, {"version_line", version_line()}};
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

void print_json(const nlohmann::json& j) {
  const std::string text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
}

}  // namespace drf::cli
