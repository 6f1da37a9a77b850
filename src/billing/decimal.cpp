#include "billing/decimal.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace frugal::billing {

std::optional<Nanos> parse_amount(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"')) s.remove_suffix(1);
  if (s.empty() || s == "NULL" || s == "null") return 0;
  bool neg = false;
  std::size_t i = 0;
  if (s[i] == '-' || s[i] == '+') neg = s[i++] == '-';
  __int128 v = 0;
  int frac = -1, digits = 0;
  bool round_up = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      if (frac >= 0) {
        if (frac == 9) {
          if (digits == 0) round_up = c >= '5';
          ++digits;  // beyond nano precision: only the first one decides rounding
          continue;
        }
        ++frac;
      }
      v = v * 10 + (c - '0');
      // Past 1e28 the amount cannot fit int64 nano-dollars after scaling; stopping here also keeps
      // the scaling below from overflowing __int128 (found by the fuzzer).
      if (v > static_cast<__int128>(10'000'000'000'000'000'000ULL) * 1'000'000'000) return std::nullopt;
    } else if (c == '.' && frac < 0) {
      frac = 0;
    } else if (c == 'e' || c == 'E') {
      // Scientific notation (some exports write 1E-5): fall back to strtod, rounded to nanos.
      std::string buf(s);
      char* end = nullptr;
      const double d = std::strtod(buf.c_str(), &end);
      if (end != buf.c_str() + buf.size() || !std::isfinite(d) || std::fabs(d) > 9e9) return std::nullopt;
      return static_cast<Nanos>(std::llround(d * 1e9));
    } else {
      return std::nullopt;
    }
  }
  if (i == 0 || (neg && s.size() == 1)) return std::nullopt;
  for (int k = frac < 0 ? 0 : frac; k < 9; ++k) v *= 10;
  if (round_up) v += 1;
  if (v > static_cast<__int128>(INT64_MAX)) return std::nullopt;
  return neg ? -static_cast<Nanos>(v) : static_cast<Nanos>(v);
}

double to_usd(Nanos n) { return static_cast<double>(n) / 1e9; }

std::string format_usd(Nanos n) {
  const bool neg = n < 0;
  const long long cents = std::llround(std::fabs(static_cast<double>(n)) / 1e7);
  std::string whole = std::to_string(cents / 100), grouped;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i && (whole.size() - i) % 3 == 0) grouped += ',';
    grouped += whole[i];
  }
  return fmt::format("{}${}.{:02d}", neg ? "-" : "", grouped, cents % 100);
}

}  // namespace frugal::billing
