#include "app/cli/arg_parser.h"

#include <cstdint>
#include <cstdio>
#include <sstream>

#include "core/util/errors.h"

namespace drf::cli {

ArgParser& ArgParser::option(const std::string& name, const std::string& value_name, const std::string& help,
                             const std::string& default_value) {
  // Declaring a name again redescribes it in place (a command narrowing a shared option).
  if (!specs_.count(name)) order_.push_back(name);
  specs_[name] = Spec{value_name, help, default_value, false};
  if (!default_value.empty()) values_[name] = default_value;
  return *this;
}

ArgParser& ArgParser::flag(const std::string& name, const std::string& help) {
  order_.push_back(name);
  specs_[name] = Spec{"", help, "", true};
  return *this;
}

bool ArgParser::parse(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(help().c_str(), stdout);
      return false;
    }
    if (arg.rfind("--", 0) != 0) throw UsageError(command_ + ": unexpected argument '" + arg + "'");
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = specs_.find(name);
    if (it == specs_.end()) throw UsageError(command_ + ": unknown option --" + name + " (see --help)");
    if (it->second.is_flag) {
      if (has_value) throw UsageError(command_ + ": --" + name + " takes no value");
      flags_set_[name] = true;
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) throw UsageError(command_ + ": --" + name + " needs a value (" + it->second.value_name + ")");
      value = argv[++i];
    }
    values_[name] = value;
    given_[name].push_back(value);
  }
  return true;
}

std::string ArgParser::get(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? "" : it->second;
}

int ArgParser::get_int(const std::string& name) const {
  const std::string v = get(name);
  try {
    std::size_t pos = 0;
    long long x = std::stoll(v, &pos);
    if (pos != v.size() || x < INT32_MIN || x > INT32_MAX) throw std::invalid_argument(v);
    return static_cast<int>(x);
  } catch (const std::exception&) {
    throw UsageError(command_ + ": --" + name + " needs a whole number, got '" + v + "'");
  }
}

double ArgParser::get_double(const std::string& name) const {
  const std::string v = get(name);
  try {
    std::size_t pos = 0;
    double x = std::stod(v, &pos);
    if (pos != v.size()) throw std::invalid_argument(v);
    return x;
  } catch (const std::exception&) {
    throw UsageError(command_ + ": --" + name + " needs a number, got '" + v + "'");
  }
}

std::uint64_t ArgParser::get_u64(const std::string& name) const {
  const std::string v = get(name);
  try {
    std::size_t pos = 0;
    if (!v.empty() && v[0] == '-') throw std::invalid_argument(v);
    unsigned long long x = std::stoull(v, &pos);
    if (pos != v.size()) throw std::invalid_argument(v);
    return x;
  } catch (const std::exception&) {
    throw UsageError(command_ + ": --" + name + " needs a non-negative whole number, got '" + v + "'");
  }
}

std::vector<std::string> ArgParser::get_list(const std::string& name) const {
  std::vector<std::string> out;
  std::stringstream ss(get(name));
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<int> ArgParser::get_int_list(const std::string& name) const {
  std::vector<int> out;
  for (const auto& item : get_list(name)) {
    try {
      std::size_t pos = 0;
      int x = std::stoi(item, &pos);
      if (pos != item.size()) throw std::invalid_argument(item);
      out.push_back(x);
    } catch (const std::exception&) {
      throw UsageError(command_ + ": --" + name + " needs comma-separated whole numbers, got '" + get(name) + "'");
    }
  }
  return out;
}

std::string ArgParser::help() const {
  std::ostringstream o;
  o << "usage: driffusion " << command_ << " [options]\n\n" << summary_ << "\n\noptions:\n";
  for (const auto& name : order_) {
    const Spec& s = specs_.at(name);
    std::string left = "  --" + name + (s.is_flag ? "" : " " + s.value_name);
    o << left << std::string(left.size() < 30 ? 30 - left.size() : 1, ' ') << s.help;
    if (!s.default_value.empty()) o << " (default: " << s.default_value << ")";
    o << "\n";
  }
  o << "  --help" << std::string(24, ' ') << "show this help\n";
  return o.str();
}

}  // namespace drf::cli
