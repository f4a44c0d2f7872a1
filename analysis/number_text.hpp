// Numbers as text for tables and charts (apq-h5, the run report).
#pragma once
#include <string>

namespace apq {

// A compact human form: 4 significant digits, SI suffix for large magnitudes (2.35G).
std::string short_number(double v);
// Fixed decimals ("nan" for NaN).
std::string fixed(double v, int decimals);

}  // namespace apq
