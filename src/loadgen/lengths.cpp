#include "loadgen/lengths.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/csv.h"
#include "core/error.h"

namespace frugal::loadgen {

LengthDist LengthDist::parse(std::string_view text, std::string_view flag) {
  auto bad = [&]() {
    return Error(fmt::format("{}: expected N, 'uniform:A-B' or 'normal:MEAN,SD' (lengths >= 1), got '{}'", flag, text));
  };
  auto num = [&](std::string_view s) {
    auto v = parse_double(s);
    if (!v || !std::isfinite(*v) || *v < 0 || *v > 1e7) throw bad();
    return *v;
  };
  LengthDist d;
  if (text.rfind("uniform:", 0) == 0) {
    const auto rest = text.substr(8);
    const auto dash = rest.find('-');
    if (dash == std::string_view::npos) throw bad();
    d = {Kind::kUniform, num(rest.substr(0, dash)), num(rest.substr(dash + 1))};
    if (d.a < 1 || d.b < d.a) throw bad();
  } else if (text.rfind("normal:", 0) == 0) {
    const auto rest = text.substr(7);
    const auto comma = rest.find(',');
    if (comma == std::string_view::npos) throw bad();
    d = {Kind::kNormal, num(rest.substr(0, comma)), num(rest.substr(comma + 1))};
    if (d.a < 1) throw bad();
  } else {
    d = {Kind::kFixed, num(text), 0};
    if (d.a < 1 || d.a != std::floor(d.a)) throw bad();
  }
  return d;
}

int LengthDist::draw(std::mt19937_64& rng) const {
  switch (kind) {
    case Kind::kFixed: return static_cast<int>(a);
    case Kind::kUniform: return static_cast<int>(std::uniform_int_distribution<long>(std::lround(a), std::lround(b))(rng));
    case Kind::kNormal: {
      std::normal_distribution<double> n(a, b);
      return static_cast<int>(std::clamp(std::lround(n(rng)), 1L, std::max(1L, std::lround(2 * a - 1))));
    }
  }
  return 1;
}

double LengthDist::mean() const {
  return kind == Kind::kUniform ? (a + b) / 2 : a;  // the normal is truncated symmetrically around its mean
}

std::string LengthDist::describe() const {
  switch (kind) {
    case Kind::kFixed: return fmt::format("{:g}", a);
    case Kind::kUniform: return fmt::format("uniform {:g}-{:g}", a, b);
    case Kind::kNormal: return fmt::format("normal {:g} sd {:g}", a, b);
  }
  return "";
}

}  // namespace frugal::loadgen
