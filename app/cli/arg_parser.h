// A small command-line parser for the driffusion subcommands: --name value, --name=value and
// boolean --flags, each declared with help text; unknown or malformed options are usage
// errors (exit code 2).
#pragma once
#include <map>
#include <string>
#include <vector>

namespace drf::cli {

class ArgParser {
 public:
  ArgParser(std::string command, std::string summary) : command_(std::move(command)), summary_(std::move(summary)) {}
  // An option declared again keeps its place in --help and takes the new description.
  ArgParser& option(const std::string& name, const std::string& value_name, const std::string& help,
                    const std::string& default_value = "");
  ArgParser& flag(const std::string& name, const std::string& help);

  // Throws UsageError on unknown options or missing values. Returns false if --help was given
  // (help already printed).
  bool parse(int argc, char** argv, int first);

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name) const;
  int get_int(const std::string& name) const;
  double get_double(const std::string& name) const;
  std::uint64_t get_u64(const std::string& name) const;
  bool get_flag(const std::string& name) const { return flags_set_.count(name) > 0; }
  std::vector<int> get_int_list(const std::string& name) const;           // "1,2,4"
  std::vector<std::string> get_list(const std::string& name) const;       // "a,b"
  // Every value typed for an option given several times (--lora A --lora B), in order; get()
  // gives the last one.
  std::vector<std::string> get_all(const std::string& name) const {
    auto it = given_.find(name);
    return it == given_.end() ? std::vector<std::string>{} : it->second;
  }
  std::string help() const;

 private:
  struct Spec {
    std::string value_name, help, default_value;
    bool is_flag = false;
  };
  std::string command_, summary_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> given_;
  std::map<std::string, bool> flags_set_;
};

}  // namespace drf::cli
