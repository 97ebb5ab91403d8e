#include "core/models/loaders/weights_budget.h"

#include <cstdio>
#include <filesystem>
#include <limits>

#include "core/util/byte_size.h"
#include "core/util/errors.h"

namespace drf {
namespace {

std::string parameter_words(int64_t n) {
  char buf[64];
  if (n >= 1000000000) std::snprintf(buf, sizeof buf, "%.1f billion", static_cast<double>(n) / 1e9);
  else if (n >= 1000000) std::snprintf(buf, sizeof buf, "%.1f million", static_cast<double>(n) / 1e6);
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  return buf;
}

std::string file_list(const std::vector<std::string>& files) {
  std::string out;
  for (std::size_t i = 0; i < files.size(); ++i)
    out += (i == 0 ? "" : i + 1 == files.size() ? " and " : ", ") + files[i];
  return out;
}

}  // namespace

int64_t parameters_on_meta(const std::function<int64_t(const torch::TensorOptions&)>& build_and_count) {
  torch::NoGradGuard no_grad;
  return build_and_count(torch::TensorOptions().device(torch::kMeta).dtype(torch::kFloat32));
}

int64_t weights_files_bytes(const std::vector<std::string>& files) {
  int64_t total = 0;
  for (const auto& f : files) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(f, ec);
    if (!ec && size <= static_cast<std::uintmax_t>(std::numeric_limits<int64_t>::max() - total))
      total += static_cast<int64_t>(size);
  }
  return total;
}

void check_weights_budget(const std::string& what, int64_t parameters, const std::vector<std::string>& files) {
  if (parameters <= 0 || files.empty()) return;
  const int64_t have = weights_files_bytes(files);
  const int64_t need = parameters > std::numeric_limits<int64_t>::max() / kMinBytesPerStoredParameter
                           ? std::numeric_limits<int64_t>::max()
                           : parameters * kMinBytesPerStoredParameter;
  if (need <= have) return;
  throw InputError(what + " implies " + parameter_words(parameters) + " parameters (at least " + approximate_size(need) +
                   " of weights at " + std::to_string(kMinBytesPerStoredParameter) + " bytes each), but " +
                   file_list(files) + (files.size() == 1 ? " holds " : " hold ") + approximate_size(have) +
                   ": the configuration does not belong to these weights");
}

}  // namespace drf
