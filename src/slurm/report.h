// `frugal slurm report`: per-job GPU efficiency and dollars (Princeton's jobstats, plus money):
// Slurm's jobs joined with the agents' per-workload history by job id, jobs that held GPUs idle
// flagged, and the idle dollars summed by user and account.
#pragma once

#include <string>
#include <vector>

#include "slurm/jobs.h"
#include "telemetry/history.h"

namespace frugal::slurm {

struct JobRow {
  SlurmJob job;                     // from Slurm; only the id when Slurm no longer knows it
  bool known_to_slurm = false;
  bool has_usage = false;           // an agent saw its processes on a GPU
  telemetry::WorkloadUsage usage;   // summed over every history given
  bool flagged = false;             // idle dollars >= the flag share of its dollars
};

struct OwnerRow {
  std::string key;  // user or account
  int jobs = 0, flagged = 0;
  double gpu_seconds = 0, cost = 0, idle_cost = 0;
};

struct JobReport {
  std::vector<JobRow> jobs;  // idle dollars first, then dollars, then job id
  std::vector<OwnerRow> by_user, by_account;
  std::vector<std::string> notes;
};

// Usage rows of several histories (one per node) merged by key.
std::vector<telemetry::WorkloadUsage> merge_usage(const std::vector<std::vector<telemetry::WorkloadUsage>>& parts);

// `usage_by_job`: HistoryStore::workload_usage(..., "job") rows (the "" row, workloads that are
// not jobs, is ignored). `flag_share`: data/slurm/defaults.toml idle_flag_share.
JobReport build_report(const JobListing& listing, const std::vector<telemetry::WorkloadUsage>& usage_by_job,
                       double flag_share);

}  // namespace frugal::slurm
