// Comma-separated number lists in options ("3,5,7", "0.1,0.03"), with errors that name the key.
#pragma once
#include <string>
#include <vector>

namespace apq {

std::vector<int> parse_ints(const std::string& key, const std::string& text);
std::string join_ints(const std::vector<int>& values);
std::vector<double> parse_doubles(const std::string& key, const std::string& text);
std::string join_doubles(const std::vector<double>& values);

}  // namespace apq
