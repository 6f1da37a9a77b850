#include "loadgen/summary.h"

#include <algorithm>
#include <numeric>

namespace frugal::loadgen {

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  p.n = static_cast<int>(v.size());
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(pos);
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
  };
  p.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.max = v.back();
  return p;
}

LevelSummary summarize(const LevelResult& level, double price_per_hour) {
  LevelSummary s;
  s.load = level.load;
  std::vector<double> ttft, tpot, itl, e2e;
  double out_tokens = 0, prompt_sum = 0;
  int prompt_n = 0;
  for (const auto& r : level.requests) {
    ++s.requests;
    if (!r.ok()) {
      ++s.errors;
      s.timeouts += r.error.rfind("timeout", 0) == 0;
      if (s.first_errors.size() < 3 && std::find(s.first_errors.begin(), s.first_errors.end(), r.error) == s.first_errors.end()) {
        s.first_errors.push_back(r.error);
      }
      continue;
    }
    ++s.ok;
    const int tokens = r.output_tokens();
    out_tokens += tokens;
    s.server_counted += r.server_completion_tokens >= 0;
    if (r.server_prompt_tokens >= 0) prompt_sum += r.server_prompt_tokens, ++prompt_n;
    e2e.push_back(r.end - r.start);
    if (r.pieces.empty()) continue;
    ttft.push_back(r.ttft());
    if (tokens > 1) tpot.push_back((r.pieces.back() - r.pieces.front()) / (tokens - 1));
    for (std::size_t i = 1; i < r.pieces.size(); ++i) itl.push_back(r.pieces[i] - r.pieces[i - 1]);
  }
  s.ttft_s = percentiles(ttft);
  s.tpot_s = percentiles(tpot);
  s.itl_s = percentiles(itl);
  s.e2e_s = percentiles(e2e);
  if (level.wall_s > 0) {
    s.output_tokens_per_s = out_tokens / level.wall_s;
    s.requests_per_s = s.ok / level.wall_s;
  }
  s.mean_output_tokens = s.ok ? out_tokens / s.ok : 0;
  s.mean_prompt_tokens = prompt_n ? prompt_sum / prompt_n : -1;
  if (price_per_hour > 0 && s.output_tokens_per_s > 0) s.cost_per_million_output = price_per_hour / (s.output_tokens_per_s * 3600) * 1e6;
  return s;
}

}  // namespace frugal::loadgen
