// Parsers for the quantities users type on the command line and in workload files.
// Each throws Error("<what>: expected ..., got '...'") naming the option or key in `what`.
#pragma once

#include <string>
#include <string_view>

namespace frugal {

// "100ms", "2s", "1.5m"/"1.5min", "3h", "7d", "2w" -> seconds.
double parse_duration(std::string_view s, std::string_view what);
// "5/s", "300/min", "1000/h", "2e6/day", "5/sec" -> events per second.
double parse_rate(std::string_view s, std::string_view what);
// "2e9", "2B", "500M", "1.5T", "10k", "2000" -> plain count.
double parse_count(std::string_view s, std::string_view what);
// "20GiB", "80GB", "512MiB" -> bytes.
double parse_bytes(std::string_view s, std::string_view what);
// "10%" -> 0.1, "0.1" -> 0.1; must be in [0, 1).
double parse_fraction(std::string_view s, std::string_view what);

// Human forms used in output: 1234567 -> "1.23M", 0.0123 s -> "12.3 ms", 1.5e11 B -> "150 GB".
std::string human_count(double v);
std::string human_duration(double seconds);
std::string human_bytes(double bytes);  // decimal GB, as accelerator datasheets use

}  // namespace frugal
