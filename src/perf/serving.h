// The serving model under load: one replica of a continuous-batching engine in steady state,
// driven by one of the four loads of perf/load.h. Built on the per-pass costs of perf/llm.h.
//
// With n sequences in flight, prompt P and output O, each engine iteration gives every running
// sequence one token and admits, on average, the prefill of the (n-1)/O requests that arrive per
// token of a tagged request. Chunked-prefill stacks fold those prompt tokens into the decode
// iteration (within the stack's per-iteration token budget); other stacks pause decoding for a
// separate prefill pass. Little's law closes each load: a closed loop of N clients keeps N in
// flight; an open loop at R/s keeps n = R x latency(n), with Poisson bursts queueing for prefill
// (M/D/1 on the prompt's prefill time); max throughput runs the most sequences the KV-cache
// memory, the stack's max_batch and its token budget allow. A burst of N requests sent at once is
// a finite run: a prefill phase, then decode steps until all N finish (serving.cpp burst()).
#pragma once

#include "perf/llm.h"
#include "perf/load.h"

namespace frugal {

struct LoadEstimate {
  Load load;
  double running = 0;        // mean sequences in the engine
  double running_limit = 0;  // most the memory and the stack allow (0: does not fit)
  bool saturated = false;    // open loop: the rate exceeds the replica's capacity (no steady state)
  bool ttft_steady = true;   // false when TTFT is the backlog of the run (max, saturated rate)
  double capacity_rps = 0;   // requests/s at running_limit: the replica's max throughput
  double queue_wait_s = 0;   // mean wait before a request's prefill starts (in TTFT): place_wait_s + prefill's
  double place_wait_s = 0;   // open loop: its part waiting for a place when the engine is at its limit
  double ttft_avg_s = 0, ttft_p50_s = 0, ttft_p90_s = 0, ttft_p99_s = 0;
  double tpot_s = 0;         // mean time per output token after the first (= mean ITL)
  double e2e_s = 0;          // mean request latency (TTFT + (O - 1) x TPOT)
  double tokens_per_s = 0;   // output tokens per second of the replica
  double requests_per_s = 0;
  MemoryBreakdown memory;    // at the running sequences, each at full context
};

// Most sequences one replica can hold in flight at once for prompts `prompt` and outputs `output`,
// keeping `memory_headroom` of device memory free: the KV cache at full context, the stack's
// max_batch and, for chunked prefill, its per-iteration token budget. 0 when the model does not fit.
double running_limit(const LlmConfig& cfg, double prompt, double output, double memory_headroom = 0);

LoadEstimate estimate_load(const LlmConfig& cfg, const Load& load, double prompt, double output,
                           double memory_headroom = 0);

}  // namespace frugal
