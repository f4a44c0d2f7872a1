// A small hand-written SVG scatter chart: axes with ticks and labels, a light grid, point and line
// series, and a legend. Enough for apq-h5's plots and the run report, no dependencies.
#pragma once
#include <string>
#include <vector>

namespace apq {

struct Series {
  std::string name;  // legend text
  std::string color;  // any SVG colour, e.g. "#1f77b4"
  std::vector<double> x, y;
  bool points = true;   // draw a marker per point
  bool line = false;    // join the points in order
  bool dashed = false;  // for a line
  bool sets_range = true;  // false: drawn (clipped) but does not widen the axes, e.g. y = x
};

struct Chart {
  std::string title;
  std::string x_label, y_label;
  std::vector<Series> series;
  bool same_scale = false;  // x and y share one range (predicted vs measured)
};

std::string render_svg(const Chart& chart);

// Tick positions covering [lo, hi] with "nice" steps (1, 2 or 5 times a power of ten).
std::vector<double> nice_ticks(double lo, double hi, int target = 6);
std::vector<double> ticks_with_step(double lo, double hi, double step);  // multiples of step in [lo, hi]

}  // namespace apq
