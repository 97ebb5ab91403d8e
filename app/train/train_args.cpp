#include "app/train/train_args.h"

#include <cstdlib>
#include <sstream>

#include "core/util/errors.h"

namespace drf::train {

TrainArgs::TrainArgs(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string key = argv[i];
    if (key.rfind("--", 0) != 0 || key.size() < 3) throw UsageError("expected an option (--name), got '" + key + "'");
    key = key.substr(2);
    if (values_.count(key)) throw UsageError("option --" + key + " is given twice");
    if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      values_[key] = argv[++i];
    } else {
      values_[key] = "1";
    }
  }
}

std::string TrainArgs::text(const std::string& key, const std::string& fallback) {
  used_.insert(key);
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

std::string TrainArgs::required(const std::string& key) {
  used_.insert(key);
  auto it = values_.find(key);
  if (it == values_.end()) throw UsageError("option --" + key + " is required");
  return it->second;
}

double TrainArgs::number(const std::string& key, double fallback) {
  const std::string v = text(key, "");
  if (v.empty()) return fallback;
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0') throw UsageError("option --" + key + " expects a number, got '" + v + "'");
  return d;
}

long long TrainArgs::integer(const std::string& key, long long fallback) {
  const std::string v = text(key, "");
  if (v.empty()) return fallback;
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0') throw UsageError("option --" + key + " expects an integer, got '" + v + "'");
  return n;
}

bool TrainArgs::flag(const std::string& key) {
  const std::string v = text(key, "0");
  if (v == "1" || v == "true" || v == "on") return true;
  if (v == "0" || v == "false" || v == "off") return false;
  throw UsageError("option --" + key + " expects on/off, got '" + v + "'");
}

std::vector<double> TrainArgs::numbers(const std::string& key, const std::vector<double>& fallback) {
  const std::string v = text(key, "");
  if (v.empty()) return fallback;
  std::vector<double> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const double d = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0') throw UsageError("option --" + key + " expects numbers like 1,2.5, got '" + v + "'");
    out.push_back(d);
  }
  return out;
}

void TrainArgs::reject_unused() const {
  for (const auto& kv : values_)
    if (!used_.count(kv.first)) throw UsageError("unknown option --" + kv.first);
}

}  // namespace drf::train
