// The agent: one sampling cycle = NVML snapshot -> cost accounting -> history -> rendered
// /metrics text published for readers. Readers (HTTP scrapes, top) only copy a shared_ptr to the
// last published result, so a scrape never waits for NVML.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "telemetry/accounting.h"
#include "telemetry/collect.h"
#include "telemetry/gpu_source.h"
#include "telemetry/history.h"
#include "telemetry/pod_names.h"
#include "telemetry/publish.h"
#include "telemetry/workload_accounting.h"

namespace frugal::telemetry {

struct AgentOptions {
  double interval_s = 1;
  std::string textfile;             // node_exporter textfile path ("" = off)
  double publish_interval_s = 60;   // CloudWatch / EMF period
  std::vector<std::pair<std::string, std::string>> cloud_dimensions;  // added to every CloudWatch metric
  double prune_interval_s = 60;
  CollectContext context;
  // Process command lines in what the agent serves. Off by default: arguments can carry secrets,
  // and the agent listens on all interfaces (it is a scrape target); the executable's name, user
  // and pid are always there.
  bool expose_cmdline = false;
  // Workload series on /metrics: expiry and cap (data/telemetry/defaults.toml), and the GPUs' MIG
  // compute slices (data/catalog/mig_profiles.csv; unset: MIG instances are not told apart).
  WorkloadLimits workload_limits{3600, 512};
  MigSlices mig_slices;
  // Who holds which GPU (the kubelet's pod resources API), asked every pod_resources_interval_s
  // to name pods known only by UID (pod_names.h). Unset: off. It may throw; the agent keeps the
  // last answer and notes the error.
  std::function<std::vector<DeviceHolder>()> device_holders;
  double pod_resources_interval_s = 10;
};

// What a reader gets: immutable once published.
struct Published {
  double time = 0;
  std::string prometheus_text;
  std::string openmetrics_text;
  Snapshot snapshot;
  std::vector<GpuAccount> accounts;
  std::map<std::string, WorkloadAccount> workloads;  // by Workload::id()
  AgentStats stats;
};

class Agent {
 public:
  // `history` and `publisher` may be null (off). The agent does not own them.
  Agent(GpuSource& source, CostAccountant& accountant, HistoryStore* history, AsyncPublisher* publisher,
        AgentOptions options);

  // One cycle at time `now` (seconds since the epoch). Tests call it directly with a fake clock.
  void cycle(double now);
  // Samples every interval until `stop` becomes true, on the calling thread.
  void run(const std::atomic<bool>& stop);

  std::shared_ptr<const Published> latest() const;
  // Recent error messages (history, textfile, publishing), newest last, for /healthz and logs.
  std::vector<std::string> recent_errors() const;

 private:
  void note_error(const std::string& e);
  CloudBatch cloud_batch(const Published& p);

  GpuSource& source_;
  CostAccountant& accountant_;
  WorkloadAccountant workloads_;
  HistoryStore* history_;
  AsyncPublisher* publisher_;
  AgentOptions options_;
  AgentStats stats_;
  double last_prune_ = 0;
  double last_holders_ = -1e18;
  std::vector<DeviceHolder> holders_;
  double last_publish_ = 0;
  // Per GPU since the last publish: utilization sum and count, and cost totals at that publish.
  struct Window {
    double util_sum = 0;
    int util_n = 0;
    double cost_at_publish = 0;
    double idle_cost_at_publish = 0;
  };
  std::map<std::string, Window> windows_;

  mutable std::mutex mu_;
  std::shared_ptr<const Published> latest_;
  std::vector<std::string> errors_;
};

// Process CPU seconds and resident bytes from /proc/self (0 where unavailable).
void read_self_usage(double* cpu_seconds, double* resident_bytes);

// JSON view of a published cycle (/api/v1/gpus, `frugal top --format json`).
nlohmann::json published_json(const Published& p);

}  // namespace frugal::telemetry
