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
  Nanos v = 0;
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
      if (v > static_cast<Nanos>(10'000'000'000'000'000'000ULL) * 1'000'000'000) return std::nullopt;
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
  if (v > static_cast<Nanos>(INT64_MAX)) return std::nullopt;
  return neg ? -static_cast<Nanos>(v) : static_cast<Nanos>(v);
}

double to_usd(Nanos n) { return static_cast<double>(n) / 1e9; }

Nanos from_usd(double usd) { return std::isfinite(usd) ? static_cast<Nanos>(std::round(usd * 1e9)) : 0; }

std::string format_usd(Nanos n) {
  // Integer rounding to the cent, half away from zero: exact at any size a sum can reach.
  const bool neg = n < 0;
  Nanos cents = ((neg ? -n : n) + 5'000'000) / 10'000'000;
  std::string digits;
  const int rest = static_cast<int>(cents % 100);
  cents /= 100;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(cents % 10)));
    cents /= 10;
  } while (cents > 0);
  std::string grouped;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return fmt::format("{}${}.{:02d}", neg ? "-" : "", grouped, rest);
}

}  // namespace frugal::billing
