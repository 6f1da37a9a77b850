// Dollars attached to GPU time: what each GPU cost while the agent watched it, and how much of
// that was idle. Pure bookkeeping over Snapshots (no clock, no I/O), so tests drive it directly.
#pragma once

#include <string>
#include <vector>

#include "telemetry/sample.h"

namespace frugal::telemetry {

struct IdlePolicy {
  double threshold = 0;     // utilization ratio below which a GPU is "low"
  double grace_s = 0;       // a low stretch longer than this is idle, all of it
  double max_gap_s = 0;     // a longer gap between samples is not charged (agent was down)
};

// Loads data_dir/telemetry/defaults.toml (threshold, grace, gap). Throws Error naming the file.
IdlePolicy load_idle_policy(const std::string& data_dir);

// What one update added for one GPU; the history store sums these.
struct AccountStep {
  std::string uuid;
  unsigned index = 0;
  double seconds = 0;       // time charged by this update
  double utilization = 0;   // utilization over it (0 when unknown)
  bool utilization_known = false;
  double idle_seconds = 0;  // idle time credited by this update (may include a past stretch)
  double cost = 0;          // dollars
  double idle_cost = 0;     // dollars
};

struct GpuAccount {
  std::string uuid;  // gpu_key(): the UUID, or "index-N"
  unsigned index = 0;
  double seconds = 0;  // time charged since the accountant started
  double cost = 0;
  double idle_seconds = 0;
  double idle_cost = 0;
  bool low = false;         // the last sample was under the threshold (or lost / nothing running)
  bool idle = false;        // currently inside an idle stretch (past the grace period)
  double low_run_s = 0;     // length of the current low-utilization stretch
};

// The account of `g` in `accounts`, or nullptr.
const GpuAccount* find_account(const std::vector<GpuAccount>& accounts, const GpuSample& g);

class CostAccountant {
 public:
  // `price_per_gpu_hour`: dollars per GPU-hour (instance price / GPUs); 0 when unknown, in which
  // case time and idle time are still counted and dollars stay 0.
  CostAccountant(IdlePolicy policy, double price_per_gpu_hour);

  // Charges the time since the previous snapshot to each GPU. NVML utilization averages the
  // period just ended, so the new sample's state applies to the interval it closes. A GPU is low
  // when its utilization is under the threshold; when the driver gives no utilization (MIG
  // enabled, NOT_SUPPORTED) it is low when no compute process runs on it; a lost GPU is low.
  std::vector<AccountStep> update(const Snapshot& snap);

  const std::vector<GpuAccount>& accounts() const { return accounts_; }
  double price_per_gpu_hour() const { return price_; }
  const IdlePolicy& policy() const { return policy_; }

 private:
  GpuAccount& account_for(const GpuSample& g);
  IdlePolicy policy_;
  double price_;
  double last_time_ = -1;
  std::vector<GpuAccount> accounts_;
};

}  // namespace frugal::telemetry
