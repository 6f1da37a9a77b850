// Turns one Snapshot and the cost accounts into metric families (the names users see in
// Prometheus). Names follow Prometheus conventions: base units, ratios 0..1, "_total" counters,
// an info metric for identity labels. The same families feed /metrics, the textfile, and top.
#pragma once

#include <string>
#include <vector>

#include "telemetry/accounting.h"
#include "telemetry/exposition.h"
#include "telemetry/sample.h"
#include "telemetry/workload_accounting.h"

namespace frugal::telemetry {

// The agent's own health, exported next to the GPU metrics.
struct AgentStats {
  double samples = 0;                // sampling cycles completed
  double last_sample_time = 0;       // seconds since the epoch
  double last_cycle_seconds = 0;     // wall time of the last cycle (NVML + accounting + render)
  double nvml_errors = 0;            // failed NVML calls since start (NOT_SUPPORTED excluded)
  double cpu_seconds = 0;            // process CPU time (user + system)
  double resident_bytes = 0;         // process RSS
};

struct CollectContext {
  std::string instance_type;  // EC2 type the prices come from, "" when unknown
  std::string purchase;       // "on-demand", "spot", "custom"
  // Per-process series (labels pid, user, process; command with --expose-cmdline). Off by
  // default: pids multiply Prometheus series with every restart; workload series say who.
  bool process_metrics = false;
};

// `workloads`: WorkloadAccountant::accounts(), one labelled series set per workload.
std::vector<MetricFamily> collect_families(const Snapshot& snap, const CostAccountant& acct,
                                           const std::map<std::string, WorkloadAccount>& workloads,
                                           const AgentStats& stats, const CollectContext& ctx);

}  // namespace frugal::telemetry
