// How a serving measurement or a workload loads one replica: the five forms the published
// benchmarks use (static batch, closed-loop concurrency, open-loop request rate, a burst of N
// requests sent at once, offline max).
#pragma once

#include <string>
#include <string_view>

namespace frugal {

struct Load {
  enum class Kind {
    kBatch,        // N requests start together and run to completion (Neuron tables, gptSessionBenchmark)
    kConcurrency,  // N clients, each sending its next request when the last one ends (k6 VUs, LLMPerf)
    kRate,         // Poisson arrivals at `value` requests/s, queueing when capacity is approached
    kMax,          // every request available at once: the batch the memory and stack allow (trtllm-bench)
    kBurst,        // N requests sent at once and served to completion by a continuous-batching engine
                   // (tensorrtllm_backend's QPS INF runs of 500 requests): a finite run, not a steady state
  };
  Kind kind = Kind::kBatch;
  double value = 1;  // N, or requests/s; unused for kMax
  double requests = 0;  // kRate: the run's total requests ("rate 32/s for 500 requests"); 0 = unbounded

  static Load batch(double n) { return {Kind::kBatch, n}; }
  static Load concurrency(double n) { return {Kind::kConcurrency, n}; }
  static Load rate(double rps) { return {Kind::kRate, rps}; }
  static Load max() { return {Kind::kMax, 0}; }
  static Load burst(double n) { return {Kind::kBurst, n}; }
  std::string describe() const;  // "batch 8", "concurrency 20", "rate 2/s", "rate 32/s for 500 requests", "burst 500", "max"
};

// Parses "8", "batch 8", "concurrency 20", "rate 2/s" (any rate unit core/units accepts), a finite
// open-loop run "rate 32/s for 500 requests", "burst 500" and "max"/"offline"; text in parentheses
// is a comment ("max (offline)"). Throws Error naming the text and the accepted forms.
Load parse_load(std::string_view text);

}  // namespace frugal
