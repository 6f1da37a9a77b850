// Load levels as rows of frugal's measured-performance CSV (data/perf/measured.csv's columns),
// so `frugal perf validate|calibrate FILE` can score or fit the model on the user's own stack.
#pragma once

#include <string>
#include <vector>

#include "loadgen/summary.h"

namespace frugal::loadgen {

struct RowContext {
  std::string model, hardware, instance, precision;
  int tp = 1;
  int input_len = 0, output_len = 0;  // as requested (the server's counts go in the source note)
  std::string source;                 // "frugal bench http://... 2026-12-03T10:00:00Z"
};

// The header and one row per metric per level: TTFT_p50/p99, TPOT_p50/p99, ITL_avg,
// e2e_latency_p50 (ms), output_throughput (tokens/s, whole system) and requests_per_s. The batch
// column is "concurrency N" or "rate R/s". Levels where every request failed give no rows.
std::string measured_csv(const std::vector<LevelSummary>& levels, const RowContext& ctx);

// "concurrency 8" / "rate 2.5/s".
std::string level_name(const Load& load);

}  // namespace frugal::loadgen
