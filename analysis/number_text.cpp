#include "analysis/number_text.hpp"

#include <cmath>
#include <cstdio>

namespace apq {

std::string short_number(double v) {
  if (std::isnan(v)) return "nan";
  const double a = std::fabs(v);
  const char* suffix = "";
  double scaled = v;
  if (a >= 1e12) { scaled = v / 1e12; suffix = "T"; }
  else if (a >= 1e9) { scaled = v / 1e9; suffix = "G"; }
  else if (a >= 1e6) { scaled = v / 1e6; suffix = "M"; }
  else if (a >= 1e4) { scaled = v / 1e3; suffix = "k"; }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g%s", scaled, suffix);
  return buf;
}

std::string fixed(double v, int decimals) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace apq
