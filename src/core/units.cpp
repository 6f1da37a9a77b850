#include "core/units.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <utility>
#include <vector>

#include "core/csv.h"
#include "core/error.h"

namespace frugal {
namespace {

// Splits "12.5ms" into (12.5, "ms"). Returns false when no leading number.
bool split_number(std::string_view s, double& value, std::string& unit) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::size_t i = 0;
  auto digit = [&](std::size_t k) { return std::isdigit(static_cast<unsigned char>(s[k])) != 0; };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  bool any = false;
  while (i < s.size() && (digit(i) || s[i] == '.')) {
    any = any || digit(i);
    ++i;
  }
  if (!any) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E') && i + 1 < s.size() &&
      (digit(i + 1) || ((s[i + 1] == '-' || s[i + 1] == '+') && i + 2 < s.size() && digit(i + 2)))) {
    i += 2;
    while (i < s.size() && digit(i)) ++i;
  }
  auto v = parse_double(s.substr(0, i));
  if (!v) return false;
  value = *v;
  unit.clear();
  for (char c : s.substr(i)) {
    if (!std::isspace(static_cast<unsigned char>(c))) unit.push_back(c);
  }
  return true;
}

double scaled(std::string_view s, std::string_view what, std::string_view expected,
              const std::vector<std::pair<std::string_view, double>>& units, bool unit_optional) {
  double v = 0;
  std::string unit;
  // NaN and infinity are never a quantity; neither is a value that overflows once scaled.
  if (split_number(s, v, unit) && v >= 0 && std::isfinite(v)) {
    if (unit.empty() && unit_optional) return v;
    for (const auto& [name, factor] : units) {
      if (unit == name && std::isfinite(v * factor)) return v * factor;
    }
  }
  throw Error(fmt::format("{}: expected {}, got '{}'", what, expected, s));
}

}  // namespace

double parse_duration(std::string_view s, std::string_view what) {
  static const std::vector<std::pair<std::string_view, double>> units = {
      {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3},      {"s", 1},        {"sec", 1},
      {"m", 60},    {"min", 60},  {"h", 3600},       {"hr", 3600},    {"d", 86400},
      {"day", 86400}, {"days", 86400}, {"w", 604800}, {"weeks", 604800}};
  return scaled(s, what, "a duration like 100ms, 2s, 3h or 7d", units, false);
}

double parse_rate(std::string_view s, std::string_view what) {
  static const std::vector<std::pair<std::string_view, double>> units = {
      {"/s", 1},          {"/sec", 1},          {"/m", 1.0 / 60},   {"/min", 1.0 / 60},
      {"/h", 1.0 / 3600}, {"/hr", 1.0 / 3600},  {"/d", 1.0 / 86400}, {"/day", 1.0 / 86400}};
  return scaled(s, what, "a rate like 5/s, 300/min or 2e6/day", units, false);
}

double parse_count(std::string_view s, std::string_view what) {
  static const std::vector<std::pair<std::string_view, double>> units = {
      {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"B", 1e9}, {"G", 1e9}, {"T", 1e12}};
  return scaled(s, what, "a count like 2e9, 500M or 2B", units, true);
}

double parse_bytes(std::string_view s, std::string_view what) {
  static const std::vector<std::pair<std::string_view, double>> units = {
      {"B", 1},          {"KB", 1e3},        {"MB", 1e6},         {"GB", 1e9},
      {"TB", 1e12},      {"KiB", 1024.0},    {"MiB", 1048576.0},  {"GiB", 1073741824.0},
      {"TiB", 1099511627776.0}};
  return scaled(s, what, "a size like 20GiB or 512MB", units, false);
}

double parse_fraction(std::string_view s, std::string_view what) {
  static const std::vector<std::pair<std::string_view, double>> units = {{"%", 0.01}};
  const double v = scaled(s, what, "a fraction like 10% or 0.1", units, true);
  if (v >= 1) throw Error(fmt::format("{}: expected a fraction below 100%, got '{}'", what, s));
  return v;
}

std::string human_count(double v) {
  const double a = std::fabs(v);
  if (a >= 1e12) return fmt::format("{:.3g}T", v / 1e12);
  if (a >= 1e9) return fmt::format("{:.3g}B", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:.3g}k", v / 1e3);
  return fmt::format("{:.3g}", v);
}

std::string human_duration(double s) {
  // Below a nanosecond is a rounding residue (a queue whose chance of waiting is 1e-90), not a
  // time a reader can use: "5.55e-93 us" reads as noise.
  if (s < 1e-9) return "0 us";
  if (s < 1e-3) return fmt::format("{:.3g} us", s * 1e6);
  if (s < 1) return fmt::format("{:.3g} ms", s * 1e3);
  if (s < 120) return fmt::format("{:.3g} s", s);
  if (s < 7200) return fmt::format("{:.3g} min", s / 60);
  if (s < 172800) return fmt::format("{:.3g} h", s / 3600);
  return fmt::format("{:.3g} days", s / 86400);
}

std::string human_bytes(double b) {
  if (b >= 1e12) return fmt::format("{:.3g} TB", b / 1e12);
  if (b >= 1e9) return fmt::format("{:.3g} GB", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.3g} MB", b / 1e6);
  return fmt::format("{:.3g} kB", b / 1e3);
}

}  // namespace frugal
