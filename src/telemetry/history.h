// Telemetry history in SQLite: raw samples for a day, minute rollups for a month, hour rollups for
// a year (retention from data/telemetry/defaults.toml). Rollups are maintained as samples arrive
// (sums, so totals are exact at every tier). The query API is the library's: `frugal agent
// report` uses it now and the billing join will later.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/sqlite.h"
#include "telemetry/accounting.h"
#include "telemetry/sample.h"
#include "telemetry/workload_accounting.h"

namespace frugal::telemetry {

struct Retention {
  double raw_s = 0;
  double minute_s = 0;
  double hour_s = 0;
};
Retention load_retention(const std::string& data_dir);

// Per GPU over a time range.
struct GpuUsage {
  std::string uuid;
  unsigned index = 0;
  std::string name;
  double seconds = 0;             // observed time
  double mean_utilization = 0;    // over the time utilization was known
  double idle_seconds = 0;
  double cost = 0;
  double idle_cost = 0;
  double first_time = 0, last_time = 0;
};

// Per workload group over a time range (`frugal agent report --by ...`).
struct WorkloadUsage {
  std::string key;          // the group: a job id, "namespace/pod", a user...; "" for workloads outside it
  std::string kinds;        // the workload kinds in the group, comma-separated
  std::string users;        // their users, comma-separated
  int workloads = 0;        // workloads in the group
  int gpus = 0;             // distinct GPUs they ran on
  double gpu_seconds = 0, busy_seconds = 0, known_seconds = 0;
  double cost = 0, idle_cost = 0, energy_joules = 0;
  double max_memory_bytes = 0;
  double first_time = 0, last_time = 0;  // bucket starts (minute or hour)
  double utilization() const { return known_seconds > 0 ? busy_seconds / known_seconds : 0; }
};

// What `--by` accepts: workload, job, pod, namespace, user, unit, account, partition.
const std::vector<std::string>& workload_groupings();

class HistoryStore {
 public:
  HistoryStore(const std::string& path, Retention retention);
  ~HistoryStore();

  // One sampling cycle: raw rows plus rollup upserts (per GPU, and per workload and GPU), in one
  // transaction.
  void record(const Snapshot& snap, const std::vector<AccountStep>& steps,
              const std::vector<WorkloadStep>& workload_steps = {});
  // Facts about the host the history was recorded on ("instance_id", "instance_type"), kept so
  // `frugal bill --telemetry` can join the history to the bill's line items by instance id.
  // Empty values are not written.
  void set_host(const std::map<std::string, std::string>& facts);
  std::map<std::string, std::string> host();
  // Deletes rows past their tier's retention. Returns rows deleted.
  int prune(double now);
  // Usage per GPU with samples in [since, until), from the finest tier that still covers `since`.
  std::vector<GpuUsage> usage(double since, double until);
  // Usage per workload group (`by`: one of workload_groupings()) in [since, until), from the
  // minute tier (hour tier past its retention). Ordered by cost, highest first.
  std::vector<WorkloadUsage> workload_usage(double since, double until, const std::string& by);
  // Which tier usage() would read for `since` at time `now`: "raw", "minute" or "hour".
  std::string tier_for(double since, double now) const;

 private:
  SqliteDb db_;
  Retention retention_;
  struct Statements;
  std::unique_ptr<Statements> st_;
  // GPU identities already written this session (uuid -> "index name"): the gpus row is
  // rewritten only when one changes, not every second.
  std::map<std::string, std::string> written_gpus_;
  std::map<std::string, std::string> written_workloads_;  // id -> labels as written
};

// Default history file: $XDG_STATE_HOME/frugal/telemetry.db or ~/.local/state/frugal/telemetry.db.
std::string default_history_path();

}  // namespace frugal::telemetry
