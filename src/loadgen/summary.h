// What one load level measured: latency percentiles, throughput, errors, and the price of the
// tokens when the instance is known. Percentiles interpolate linearly between order statistics
// (numpy's default, which GenAI-Perf and vLLM's benchmark_serving also use).
#pragma once

#include <string>
#include <vector>

#include "loadgen/runner.h"

namespace frugal::loadgen {

struct Percentiles {
  int n = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};
// Empty input: n = 0 and zeros.
Percentiles percentiles(std::vector<double> v);

struct LevelSummary {
  Load load;
  int requests = 0, ok = 0, errors = 0, timeouts = 0;
  std::vector<std::string> first_errors;  // up to 3 distinct messages, for the report
  Percentiles ttft_s, tpot_s, itl_s, e2e_s;
  double output_tokens_per_s = 0, requests_per_s = 0;
  double mean_prompt_tokens = -1, mean_output_tokens = 0;  // prompt: server usage only (-1 unknown)
  int server_counted = 0;  // requests whose output tokens came from the server's usage
  double cost_per_million_output = -1;  // $/1M output tokens at this level; -1 without a price
};

// `price_per_hour` <= 0: no price.
LevelSummary summarize(const LevelResult& level, double price_per_hour);

}  // namespace frugal::loadgen
