// Saving finished generations with their metadata, and their JSON form for --json.
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "app/cli/cli_settings.h"
#include "core/engine/result.h"
#include "core/image/image_file.h"
#include "core/util/errors.h"

namespace drf::cli {

// Infotext + complete settings JSON for a result.
ImageMetadata metadata_for(const GenerationResult& result, double measured_speedup = 0);

// Saves image `index` of `count`: numbered "<NNNNN>-<seed><suffix>.ext" in a folder target, or the
// target file name. Returns the path written.
std::filesystem::path save_result(const GenerationResult& result, const OutputTarget& target, int index, int count,
                                  double measured_speedup = 0);

// The run record (as stored in the file) plus "path" and "warnings".
nlohmann::json result_json(const GenerationResult& result, const std::filesystem::path& path,
                           double measured_speedup = 0);
// {"command": ..., "ok": false, "error": {"kind", "message", "exit_code"}}
nlohmann::json error_json(const std::string& command, const Error& error);
nlohmann::json build_json();
// Numbers that may be infinite or NaN (PSNR of identical images) become null.
nlohmann::json finite_or_null(double v);
void print_json(const nlohmann::json& j);

}  // namespace drf::cli
