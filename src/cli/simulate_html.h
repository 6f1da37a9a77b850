// Self-contained HTML report of `frugal simulate`: inline SVG line charts, no scripts or
// downloads, readable offline.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sim/simulator.h"

namespace frugal::cli {

// curves[trace][policy] = median curve over seeds.
std::string simulate_html(const std::map<std::string, std::map<std::string, std::vector<sim::CurvePoint>>>& curves,
                          const std::string& seeds);

}  // namespace frugal::cli
