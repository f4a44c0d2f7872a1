// Comma-separated integer lists in options ("3,5,7"), with errors that name the key.
#pragma once
#include <string>
#include <vector>

namespace apq {

std::vector<int> parse_ints(const std::string& key, const std::string& text);
std::string join_ints(const std::vector<int>& values);

}  // namespace apq
