// Prompt and output lengths of a benchmark's requests: fixed, or drawn per request from a
// distribution (real traffic is not one length; GenAI-Perf and LLMPerf draw them too).
//   "512"                 every request 512
//   "uniform:256-1024"    uniform on [256, 1024]
//   "normal:512,128"      normal with mean 512 and standard deviation 128, truncated to [1, 2 x mean - 1]
#pragma once

#include <random>
#include <string>
#include <string_view>

namespace frugal::loadgen {

struct LengthDist {
  enum class Kind { kFixed, kUniform, kNormal } kind = Kind::kFixed;
  double a = 1, b = 0;  // fixed: a; uniform: [a, b]; normal: mean a, sd b

  static LengthDist fixed(int n) { return {Kind::kFixed, static_cast<double>(n), 0}; }
  // Throws Error naming `flag` and the accepted forms.
  static LengthDist parse(std::string_view text, std::string_view flag);
  int draw(std::mt19937_64& rng) const;  // >= 1
  double mean() const;                   // of the drawn (truncated) lengths, close enough for rows
  std::string describe() const;          // "512", "uniform 256-1024", "normal 512 sd 128"
};

}  // namespace frugal::loadgen
