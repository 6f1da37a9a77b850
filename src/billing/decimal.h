// Exact money arithmetic for bills: amounts are parsed from their decimal text into integer
// nano-dollars (1e-9 USD), so sums over millions of rows match a SQL SUM to the cent and beyond.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace frugal::billing {

using Nanos = std::int64_t;  // 1e-9 USD; +-9.2e9 USD range

// "1.62400000000", "-0.5", "1e-3", "" (empty: 0), "NULL" (0). nullopt when not a number.
// Digits beyond 9 decimals are rounded half away from zero.
std::optional<Nanos> parse_amount(std::string_view s);
double to_usd(Nanos n);
std::string format_usd(Nanos n);  // "$1,234.57"

}  // namespace frugal::billing
