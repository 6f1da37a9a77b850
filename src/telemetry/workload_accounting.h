// Dollars per workload: each GPU's time and cost (from CostAccountant's steps, so the workload
// figures add up to the GPU figures exactly) split among the workloads that held it in the interval.
// Pure bookkeeping over Snapshots, like accounting.h.
//
// The split, per GPU (or per MIG instance, which gets its compute slices' share of the GPU):
// - u_w, the share of the GPU workload w used: the sum of its processes' SM shares (NVML process
//   utilization samples: what tells MPS clients and time-sliced processes apart); a lone workload
//   without samples gets the GPU's utilization; under MIG, where NVML has no per-instance
//   utilization, it is unknown (then the instance's cost is split equally and no idle is claimed).
//   When the shares add up to more than 1 they are scaled down to 1.
// - the unused share, 1 - sum(u), is idle capacity the holders kept from everyone else: it is split
//   equally among them and is their idle dollars.
// - workload w gets GPU-seconds and dollars in proportion to u_w + unused / n, and energy likewise.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "telemetry/accounting.h"
#include "telemetry/sample.h"

namespace frugal::telemetry {

// What one update charged one workload on one GPU (or MIG instance); the history store sums these.
struct WorkloadStep {
  std::string gpu_uuid;
  unsigned gpu_index = 0;
  std::string mig_uuid;       // "" on a whole GPU
  Workload workload;
  double gpu_seconds = 0;     // its share of the GPU's time
  double busy_seconds = 0;    // GPU time it kept busy (u_w x interval); 0 when unknown
  bool utilization_known = false;
  double cost = 0;            // dollars
  double idle_cost = 0;       // dollars of held but unused capacity
  double energy_joules = 0;
  double memory_bytes = 0;    // device memory its processes hold now
};

struct WorkloadAccount {
  Workload workload;
  std::set<std::string> gpus;  // gpu_key()s it ran on
  double gpu_seconds = 0, busy_seconds = 0, known_seconds = 0;
  double cost = 0, idle_cost = 0, energy_joules = 0;
  double memory_bytes = 0;  // at the last update it was seen in
  double last_seen = 0;
  // Busy share of the GPU time charged to it, over the time that share was known.
  double utilization() const { return known_seconds > 0 ? busy_seconds / known_seconds : 0; }
};

struct WorkloadLimits {
  double expiry_s = 0;     // a workload unseen this long leaves /metrics (history keeps it)
  std::size_t max_series = 0;  // most workloads kept; beyond, the least recently seen go first
};

// Loads workload_series_expiry_seconds and max_workload_series from data_dir/telemetry/defaults.toml.
WorkloadLimits load_workload_limits(const std::string& data_dir);

// Compute slices of a whole GPU for MIG shares: the largest profile's "Ng" in
// data/catalog/mig_profiles.csv for the GPU's name (7 on A100/H100/H200, 4 on A30).
using MigSlices = std::function<int(const std::string& gpu_name)>;
MigSlices load_mig_slices(const std::string& data_dir);

class WorkloadAccountant {
 public:
  WorkloadAccountant(WorkloadLimits limits, MigSlices slices);

  // Splits `gpu_steps` (CostAccountant::update's result for `snap`) among the workloads in `snap`.
  // A GPU with no process on it charges no workload: its idle time is the GPU's alone.
  std::vector<WorkloadStep> update(const Snapshot& snap, const std::vector<AccountStep>& gpu_steps);

  // By Workload::id().
  const std::map<std::string, WorkloadAccount>& accounts() const { return accounts_; }

 private:
  void expire(double now);
  WorkloadLimits limits_;
  MigSlices slices_;
  std::map<std::string, WorkloadAccount> accounts_;
  std::map<std::string, double> last_energy_;  // by gpu_key()
};

}  // namespace frugal::telemetry
