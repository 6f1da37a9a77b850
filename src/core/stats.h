// Order statistics and small text helpers shared by every module.
#pragma once

#include <string>
#include <vector>

namespace frugal {

// Linear-interpolated quantile, q in [0, 1]; 0 for an empty sample.
double quantile(std::vector<double> v, double q);
// The middle value, or the mean of the two middle values; 0 for an empty sample.
inline double median(std::vector<double> v) { return quantile(std::move(v), 0.5); }

// ASCII lower case.
std::string lower(std::string s);

}  // namespace frugal
