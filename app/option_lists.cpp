#include "app/option_lists.hpp"

#include <cmath>
#include <sstream>

#include "app/options.hpp"

namespace apq {

std::vector<int> parse_ints(const std::string& key, const std::string& text) {
  std::vector<int> values;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    const std::string trimmed = first == std::string::npos ? "" : item.substr(first, last - first + 1);
    std::size_t used = 0;
    int value = 0;
    try {
      value = std::stoi(trimmed, &used);
    } catch (const std::exception&) {
      used = std::string::npos;
    }
    if (trimmed.empty() || used != trimmed.size())
      throw UsageError(key + ": '" + text + "' is not a comma-separated list of integers");
    values.push_back(value);
  }
  if (values.empty()) throw UsageError(key + ": empty list");
  return values;
}

std::string join_ints(const std::vector<int>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out;
}

std::string join_doubles(const std::vector<double>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::ostringstream one;
    one << values[i];
    out += (i ? "," : "") + one.str();
  }
  return out;
}

std::vector<double> parse_doubles(const std::string& name, const std::string& text) {
  std::vector<double> values;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = std::string::npos;
    }
    while (used < item.size() && item[used] == ' ') ++used;
    if (used != item.size() || !std::isfinite(v)) throw UsageError(name + ": '" + text + "' is not a comma-separated list of numbers");
    values.push_back(v);
  }
  return values;
}

}  // namespace apq
