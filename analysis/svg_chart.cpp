#include "analysis/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "analysis/number_text.hpp"

namespace apq {

namespace {

constexpr double kWidth = 760, kHeight = 500;
constexpr double kLeft = 84, kRight = 28, kTop = 48, kBottom = 64;

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

double tick_step(double lo, double hi, int target) {
  // The 1-2-5 step nearest (in ratio) to the one giving `target` ticks.
  const double raw = (hi - lo) / std::max(target - 1, 1);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double best = power;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (std::fabs(std::log(m * power / raw)) < std::fabs(std::log(best / raw))) best = m * power;
  return best;
}

std::string tick_label(double v, double step) {
  if (std::fabs(v) < step * 1e-9) v = 0;
  if (std::fabs(v) >= 1e4 || std::fabs(step) >= 1e4) return short_number(v);
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return fixed(v, decimals);
}

struct Range {
  double lo = INFINITY, hi = -INFINITY;
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  void finish() {  // non-empty, padded, snapped to ticks
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) {
      const double pad = std::fabs(lo) > 0 ? std::fabs(lo) * 0.05 : 1;
      lo -= pad, hi += pad;
    }
    const double pad = (hi - lo) * 0.04;
    step = tick_step(lo - pad, hi + pad, 6);
    lo = std::floor((lo - pad) / step) * step;
    hi = std::ceil((hi + pad) / step) * step;
  }
  double step = 1;
};

// Pixel-space box of the legend.
struct Box {
  double x, y, w, h;
  bool contains(double px, double py) const { return px >= x - 6 && px <= x + w + 6 && py >= y - 6 && py <= y + h + 6; }
};

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  return ticks_with_step(lo, hi, tick_step(lo, hi, target));
}

std::vector<double> ticks_with_step(double lo, double hi, double step) {
  std::vector<double> out;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) out.push_back(t);
  return out;
}

std::string render_svg(const Chart& chart) {
  Range xr, yr;
  for (const auto& s : chart.series) {
    if (!s.sets_range) continue;
    for (double v : s.x) xr.add(v);
    for (double v : s.y) yr.add(v);
  }
  if (chart.same_scale) {
    xr.add(yr.lo), xr.add(yr.hi);
    yr = xr;
  }
  xr.finish();
  yr.finish();
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
  auto py = [&](double y) { return kTop + ph - (y - yr.lo) / (yr.hi - yr.lo) * ph; };

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"" << kHeight
    << "\" viewBox=\"0 0 " << kWidth << " " << kHeight << "\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n";
  s << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s << "<text x=\"" << num(kLeft + pw / 2) << "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">"
    << xml_escape(chart.title) << "</text>\n";
  // Grid, ticks and tick labels.
  const auto xt = ticks_with_step(xr.lo, xr.hi, xr.step), yt = ticks_with_step(yr.lo, yr.hi, yr.step);
  const double xstep = xr.step, ystep = yr.step;
  s << "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
  for (double t : xt) s << "<line x1=\"" << num(px(t)) << "\" y1=\"" << kTop << "\" x2=\"" << num(px(t)) << "\" y2=\"" << kTop + ph << "\"/>\n";
  for (double t : yt) s << "<line x1=\"" << kLeft << "\" y1=\"" << num(py(t)) << "\" x2=\"" << kLeft + pw << "\" y2=\"" << num(py(t)) << "\"/>\n";
  s << "</g>\n<g font-size=\"12\" fill=\"#333\">\n";
  for (double t : xt)
    s << "<line x1=\"" << num(px(t)) << "\" y1=\"" << kTop + ph << "\" x2=\"" << num(px(t)) << "\" y2=\"" << kTop + ph + 5
      << "\" stroke=\"#333\"/><text x=\"" << num(px(t)) << "\" y=\"" << kTop + ph + 19 << "\" text-anchor=\"middle\">"
      << tick_label(t, xstep) << "</text>\n";
  for (double t : yt)
    s << "<line x1=\"" << kLeft - 5 << "\" y1=\"" << num(py(t)) << "\" x2=\"" << kLeft << "\" y2=\"" << num(py(t))
      << "\" stroke=\"#333\"/><text x=\"" << kLeft - 8 << "\" y=\"" << num(py(t) + 4) << "\" text-anchor=\"end\">"
      << tick_label(t, ystep) << "</text>\n";
  s << "</g>\n";
  s << "<rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"none\" stroke=\"#333\"/>\n";
  s << "<text x=\"" << num(kLeft + pw / 2) << "\" y=\"" << kHeight - 18 << "\" text-anchor=\"middle\" font-size=\"14\">"
    << xml_escape(chart.x_label) << "</text>\n";
  s << "<text transform=\"translate(22 " << num(kTop + ph / 2) << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">"
    << xml_escape(chart.y_label) << "</text>\n";
  // Series, clipped to the plot area.
  s << "<clipPath id=\"plot\"><rect x=\"" << kLeft << "\" y=\"" << kTop << "\" width=\"" << pw << "\" height=\"" << ph
    << "\"/></clipPath>\n<g clip-path=\"url(#plot)\">\n";
  for (const auto& series : chart.series) {
    const std::size_t n = std::min(series.x.size(), series.y.size());
    if (series.line && n > 1) {
      s << "<polyline fill=\"none\" stroke=\"" << series.color << "\" stroke-width=\"2\""
        << (series.dashed ? " stroke-dasharray=\"6 4\"" : "") << " points=\"";
      for (std::size_t i = 0; i < n; ++i) s << (i ? " " : "") << num(px(series.x[i])) << "," << num(py(series.y[i]));
      s << "\"/>\n";
    }
    if (series.points)
      for (std::size_t i = 0; i < n; ++i)
        s << "<circle cx=\"" << num(px(series.x[i])) << "\" cy=\"" << num(py(series.y[i])) << "\" r=\""
          << (series.line ? 4 : 3.2) << "\" fill=\"" << series.color << "\" fill-opacity=\"" << (series.line ? 1 : 0.55)
          << "\" stroke=\"" << series.color << "\" stroke-width=\"0.8\"/>\n";
  }
  s << "</g>\n";
  // Legend: in the plot corner that hides the fewest points and line samples.
  const double row = 20;
  std::size_t longest = 0;
  for (const auto& series : chart.series) longest = std::max(longest, series.name.size());
  const double lw = 48 + 6.8 * static_cast<double>(longest), lh = 10 + row * static_cast<double>(chart.series.size());
  Box best{0, 0, lw, lh};
  int best_hidden = -1;
  for (const auto& [cx, cy] : {std::pair{0, 0}, std::pair{1, 0}, std::pair{1, 1}, std::pair{0, 1}}) {
    const Box box{cx ? kLeft + pw - 12 - lw : kLeft + 12, cy ? kTop + ph - 12 - lh : kTop + 12, lw, lh};
    int hidden = 0;
    for (const auto& series : chart.series) {
      const std::size_t n = std::min(series.x.size(), series.y.size());
      for (std::size_t i = 0; i < n && series.points; ++i)
        if (box.contains(px(series.x[i]), py(series.y[i]))) hidden += series.line ? 3 : 1;
      for (std::size_t i = 0; i + 1 < n && series.line; ++i)  // lines: samples along each segment
        for (int k = 0; k <= 24; ++k) {
          const double t = k / 24.0;
          const double x = px(series.x[i]) + t * (px(series.x[i + 1]) - px(series.x[i]));
          const double y = py(series.y[i]) + t * (py(series.y[i + 1]) - py(series.y[i]));
          if (x >= kLeft && x <= kLeft + pw && y >= kTop && y <= kTop + ph && box.contains(x, y)) ++hidden;
        }
    }
    if (best_hidden < 0 || hidden < best_hidden) best = box, best_hidden = hidden;
  }
  const double lx = best.x, ly = best.y;
  s << "<rect x=\"" << num(lx) << "\" y=\"" << num(ly) << "\" width=\"" << num(lw) << "\" height=\"" << num(lh)
    << "\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#bbb\"/>\n";
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    const auto& series = chart.series[i];
    const double y = ly + 15 + row * static_cast<double>(i);
    if (series.line)
      s << "<line x1=\"" << lx + 8 << "\" y1=\"" << y << "\" x2=\"" << lx + 32 << "\" y2=\"" << y << "\" stroke=\""
        << series.color << "\" stroke-width=\"2\"" << (series.dashed ? " stroke-dasharray=\"6 4\"" : "") << "/>\n";
    if (series.points)
      s << "<circle cx=\"" << lx + 20 << "\" cy=\"" << y << "\" r=\"4\" fill=\"" << series.color << "\"/>\n";
    s << "<text x=\"" << lx + 40 << "\" y=\"" << y + 4 << "\" font-size=\"12\">" << xml_escape(series.name) << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace apq
