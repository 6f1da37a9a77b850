// Replay of the trace's own arrival and departure times (tasks leave), for one placement policy:
// how much GPU is allocated over time, how long tasks wait, and how many nodes hold no task at all
// and could be released (the saving a sharing-aware scheduler buys).
#pragma once

#include <string>
#include <vector>

#include "sched/policy.h"
#include "sim/trace.h"

namespace frugal::sim {

struct ReplayResult {
  std::string policy;
  int tasks = 0, started = 0, never_started = 0;
  double span_s = 0;                 // first to last arrival: the window the averages cover
  double avg_allocated_pct = 0;      // time-weighted allocated milli-GPU / capacity
  double peak_allocated_pct = 0;
  double avg_busy_nodes = 0;         // time-weighted nodes holding at least one GPU task
  double avg_idle_gpu_nodes = 0;     // GPU nodes holding no GPU task: could be released
  double avg_releasable_gpus = 0;    // GPUs on those nodes
  double mean_wait_s = 0, p95_wait_s = 0;  // arrival to start, tasks that started
  int nodes = 0, gpus = 0;
};

// Throws Error when the trace has no creation/deletion times (e.g. the multigpu variants).
// `compress` > 1 divides arrival times by it while run times stay as recorded: the same tasks
// arriving faster, a standard way to raise the load of a sparse trace.
ReplayResult replay(const sched::Cluster& cluster, const std::vector<TraceTask>& trace, const std::string& policy,
                    std::uint64_t seed, double compress = 1.0);

}  // namespace frugal::sim
