#include "perf/load.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

#include "core/csv.h"
#include "core/error.h"
#include "core/units.h"

namespace frugal {

std::string Load::describe() const {
  switch (kind) {
    case Kind::kBatch: return fmt::format("batch {:g}", value);
    case Kind::kConcurrency: return fmt::format("concurrency {:g}", value);
    case Kind::kRate:
      return requests > 0 ? fmt::format("rate {:g}/s for {:g} requests", value, requests) : fmt::format("rate {:g}/s", value);
    case Kind::kMax: return "max";
    case Kind::kBurst: return fmt::format("burst {:g}", value);
  }
  return "";
}

Load parse_load(std::string_view raw) {
  std::string s;
  int depth = 0;
  for (char c : raw) {
    if (c == '(') ++depth;
    else if (c == ')' && depth > 0) --depth;
    else if (depth == 0) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  auto whole = [&](std::string_view digits) {
    auto v = parse_double(digits);
    if (!v || *v < 1 || *v != std::floor(*v) || *v > 1e6) {
      throw Error(fmt::format("expected a batch size, 'concurrency N', 'rate R/s', 'burst N' or 'max', got '{}'", raw));
    }
    return *v;
  };
  auto count = [&](std::string_view digits, Load::Kind kind) { return Load{kind, whole(digits)}; };
  if (s == "max" || s == "max throughput" || s == "offline") return Load::max();
  if (s.rfind("rate ", 0) == 0) {
    const auto split = s.find(" for ");
    Load l = Load::rate(parse_rate(s.substr(5, split == std::string::npos ? std::string::npos : split - 5), "rate"));
    if (split != std::string::npos) {
      std::string_view tail = std::string_view(s).substr(split + 5);
      constexpr std::string_view kUnit = " requests";
      if (tail.size() <= kUnit.size() || tail.substr(tail.size() - kUnit.size()) != kUnit) {
        throw Error(fmt::format("expected 'rate R/s for N requests', got '{}'", raw));
      }
      l.requests = whole(tail.substr(0, tail.size() - kUnit.size()));
    }
    return l;
  }
  if (s.rfind("concurrency ", 0) == 0) return count(std::string_view(s).substr(12), Load::Kind::kConcurrency);
  if (s.rfind("batch ", 0) == 0) return count(std::string_view(s).substr(6), Load::Kind::kBatch);
  if (s.rfind("burst ", 0) == 0) return count(std::string_view(s).substr(6), Load::Kind::kBurst);
  return count(s, Load::Kind::kBatch);
}

}  // namespace frugal
