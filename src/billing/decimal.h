// Exact money arithmetic for bills: amounts are parsed from their decimal text into integer
// nano-dollars (1e-9 USD), so sums over millions of rows match a SQL SUM to the cent and beyond.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace frugal::billing {

// 1e-9 USD. 128 bits, so sums of any number of lines never wrap: one amount is at most
// +-9.2e9 USD (parse_amount refuses more), and 2^127 nanos is 1.7e20 USD, 1.8e10 such lines.
__extension__ typedef __int128 Nanos;  // __extension__: a GCC/Clang type, without -Wpedantic noise

// "1.62400000000", "-0.5", "1e-3", "" (empty: 0), "NULL" (0). nullopt when not a number.
// Digits beyond 9 decimals are rounded half away from zero.
std::optional<Nanos> parse_amount(std::string_view s);
double to_usd(Nanos n);
// A dollar figure computed in double (averages, shares) back to nanos, rounded; any size.
Nanos from_usd(double usd);
std::string format_usd(Nanos n);  // "$1,234.57"

}  // namespace frugal::billing
