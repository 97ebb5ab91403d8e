// "--key value" command-line options for driffusion-train, with typed getters whose errors
// name the option. Every option given must be read, so a typo is an error, not a silent default.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace drf::train {

class TrainArgs {
 public:
  // argv[first..argc) as "--key value" pairs; "--flag" followed by another option or nothing is "1".
  TrainArgs(int argc, char** argv, int first);

  std::string text(const std::string& key, const std::string& fallback);
  std::string required(const std::string& key);
  double number(const std::string& key, double fallback);
  long long integer(const std::string& key, long long fallback);
  bool flag(const std::string& key);
  std::vector<double> numbers(const std::string& key, const std::vector<double>& fallback);  // "1,2.5,4"
  // Throws UsageError naming the first option that no getter asked for.
  void reject_unused() const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> used_;
};

}  // namespace drf::train
