#include "telemetry/accounting.h"

#include "core/toml_util.h"

namespace frugal::telemetry {

IdlePolicy load_idle_policy(const std::string& data_dir) {
  const std::string file = data_dir + "/telemetry/defaults.toml";
  const toml::table t = load_toml_file(file);
  IdlePolicy p;
  p.threshold = require_number(t, "idle_utilization_threshold", file);
  p.grace_s = require_number(t, "idle_grace_seconds", file);
  p.max_gap_s = require_number(t, "max_gap_seconds", file);
  return p;
}

CostAccountant::CostAccountant(IdlePolicy policy, double price_per_gpu_hour)
    : policy_(policy), price_(price_per_gpu_hour) {}

const GpuAccount* find_account(const std::vector<GpuAccount>& accounts, const GpuSample& g) {
  const std::string key = gpu_key(g);
  for (const auto& a : accounts) {
    if (a.uuid == key) return &a;
  }
  return nullptr;
}

GpuAccount& CostAccountant::account_for(const GpuSample& g) {
  const std::string key = gpu_key(g);
  for (auto& a : accounts_) {
    if (a.uuid == key) return a;
  }
  accounts_.push_back(GpuAccount{key, g.index});
  return accounts_.back();
}

std::vector<AccountStep> CostAccountant::update(const Snapshot& snap) {
  double dt = last_time_ < 0 ? 0 : snap.time - last_time_;
  if (dt < 0 || dt > policy_.max_gap_s) dt = 0;  // clock jumped back, or the agent was away
  last_time_ = snap.time;
  std::vector<AccountStep> steps;
  for (const auto& g : snap.gpus) {
    GpuAccount& a = account_for(g);
    a.index = g.index;
    AccountStep s{a.uuid, g.index};
    s.seconds = dt;
    bool low = true;
    if (!g.lost && g.utilization) {
      s.utilization = *g.utilization;
      s.utilization_known = true;
      low = *g.utilization < policy_.threshold;
    } else if (!g.lost) {
      low = g.processes.empty();
    }
    a.low = low;
    if (!low) {
      a.low_run_s = 0;
      a.idle = false;
    } else {
      a.low_run_s += dt;
      if (a.idle) {
        s.idle_seconds = dt;
      } else if (a.low_run_s > policy_.grace_s) {
        a.idle = true;
        s.idle_seconds = a.low_run_s;  // the whole stretch, grace included, was idle
      }
    }
    s.cost = dt * price_ / 3600.0;
    s.idle_cost = s.idle_seconds * price_ / 3600.0;
    a.seconds += dt;
    a.cost += s.cost;
    a.idle_seconds += s.idle_seconds;
    a.idle_cost += s.idle_cost;
    steps.push_back(std::move(s));
  }
  return steps;
}

}  // namespace frugal::telemetry
