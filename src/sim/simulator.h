// Trace-driven simulation of GPU-sharing placement, following the FGD paper's procedure: tasks
// shuffled by seed, resampled (or dropped) until their GPU request is 130% of the cluster's,
// scheduled one by one, never leaving; a task that fits nowhere stays pending.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sched/policy.h"
#include "sim/trace.h"

namespace frugal::sim {

struct CurvePoint {
  int arrived_pct = 0;         // arrived GPU request, % of cluster GPU capacity
  double allocated_pct = 0;    // allocated milli-GPU, % of capacity
  double frag_pct = 0;         // fragmentation (FGD measure), % of capacity
  double frag_rate_pct = 0;    // fragmentation, % of idle GPU
};

struct SimResult {
  std::string policy;
  std::uint64_t seed = 0;
  std::vector<CurvePoint> curve;  // one point per 1% of arrived request, 1..130
  double unallocated_at_100 = 0;  // % of GPU capacity not allocated when arrivals reach 100%
  double allocated_at_130 = 0;
  double frag_at_90 = 0;
  int tasks = 0, placed = 0, pending = 0;
  std::vector<double> decision_us;  // placement latency of each task
};

struct SimOptions {
  double target_ratio = 1.3;  // arrived GPU request / capacity at the end
  bool record_latency = false;
};

// Runs one policy on one seed. `cluster` is copied (the caller's stays empty).
SimResult simulate(const sched::Cluster& cluster, const std::vector<TraceTask>& trace, const std::string& policy,
                   std::uint64_t seed, const SimOptions& opt = {});

// Point-wise median over runs of the same policy (curves must have the same arrived steps).
std::vector<CurvePoint> median_curve(const std::vector<const SimResult*>& runs);

// The task list the paper's procedure feeds the scheduler for `seed`.
std::vector<sched::Task> inflate(const std::vector<TraceTask>& trace, std::int64_t capacity_milli, double ratio,
                                 std::uint64_t seed);

}  // namespace frugal::sim
