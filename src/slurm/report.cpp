#include "slurm/report.h"

#include <algorithm>
#include <map>

namespace frugal::slurm {

std::vector<telemetry::WorkloadUsage> merge_usage(const std::vector<std::vector<telemetry::WorkloadUsage>>& parts) {
  std::map<std::string, telemetry::WorkloadUsage> by;
  for (const auto& part : parts) {
    for (const auto& u : part) {
      auto [it, fresh] = by.try_emplace(u.key, u);
      if (fresh) continue;
      telemetry::WorkloadUsage& m = it->second;
      if (m.users.find(u.users) == std::string::npos) m.users += "," + u.users;
      m.workloads = std::max(m.workloads, u.workloads);
      m.gpus += u.gpus;  // distinct per node: a GPU belongs to one node's history
      m.gpu_seconds += u.gpu_seconds;
      m.busy_seconds += u.busy_seconds;
      m.known_seconds += u.known_seconds;
      m.cost += u.cost;
      m.idle_cost += u.idle_cost;
      m.energy_joules += u.energy_joules;
      m.max_memory_bytes = std::max(m.max_memory_bytes, u.max_memory_bytes);
      m.first_time = std::min(m.first_time, u.first_time);
      m.last_time = std::max(m.last_time, u.last_time);
    }
  }
  std::vector<telemetry::WorkloadUsage> out;
  for (auto& [k, u] : by) out.push_back(std::move(u));
  return out;
}

namespace {

void add_owner(std::map<std::string, OwnerRow>& m, const std::string& key, const JobRow& r) {
  OwnerRow& o = m[key];
  o.key = key;
  ++o.jobs;
  if (r.flagged) ++o.flagged;
  o.gpu_seconds += r.usage.gpu_seconds;
  o.cost += r.usage.cost;
  o.idle_cost += r.usage.idle_cost;
}

std::vector<OwnerRow> sorted(std::map<std::string, OwnerRow> m) {
  std::vector<OwnerRow> v;
  for (auto& [k, o] : m) v.push_back(std::move(o));
  std::stable_sort(v.begin(), v.end(), [](const OwnerRow& a, const OwnerRow& b) { return a.idle_cost > b.idle_cost; });
  return v;
}

}  // namespace

JobReport build_report(const JobListing& listing, const std::vector<telemetry::WorkloadUsage>& usage_by_job,
                       double flag_share) {
  JobReport r;
  r.notes = listing.notes;
  std::map<std::string, JobRow> rows;
  for (const auto& [id, j] : listing.jobs) {
    JobRow row;
    row.job = j;
    row.known_to_slurm = true;
    rows[id] = std::move(row);
  }
  int unknown = 0;
  for (const auto& u : usage_by_job) {
    if (u.key.empty()) continue;  // workloads that are not Slurm jobs
    JobRow& row = rows[u.key];
    if (!row.known_to_slurm) {
      row.job.id = u.key;
      row.job.user = u.users;  // from the job's environment, as the agent saw it
      ++unknown;
    }
    row.has_usage = true;
    row.usage = u;
    row.flagged = u.cost > 0 && u.idle_cost >= flag_share * u.cost;
  }
  std::map<std::string, OwnerRow> users, accounts;
  for (auto& [id, row] : rows) {
    if (!row.has_usage) continue;
    add_owner(users, row.job.user.empty() ? "(unknown)" : row.job.user, row);
    add_owner(accounts, row.job.account.empty() ? "(none)" : row.job.account, row);
  }
  for (auto& [id, row] : rows) r.jobs.push_back(std::move(row));
  std::stable_sort(r.jobs.begin(), r.jobs.end(), [](const JobRow& a, const JobRow& b) {
    if (a.usage.idle_cost != b.usage.idle_cost) return a.usage.idle_cost > b.usage.idle_cost;
    return a.usage.cost > b.usage.cost;
  });
  r.by_user = sorted(std::move(users));
  r.by_account = sorted(std::move(accounts));
  if (unknown > 0) {
    r.notes.push_back(std::to_string(unknown) +
                      " job(s) seen by the agents that Slurm no longer lists (past MinJobAge, no accounting): user from their environment");
  }
  return r;
}

}  // namespace frugal::slurm
