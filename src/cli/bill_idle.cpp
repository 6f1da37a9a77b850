#include "cli/bill_idle.h"

#include <fmt/format.h>

#include <filesystem>

#include "billing/trend.h"
#include "core/error.h"
#include "telemetry/history.h"

namespace frugal::cli {

std::pair<std::string, std::string> parse_telemetry_arg(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size()) {
    throw Error(fmt::format("--telemetry: expected INSTANCE_TYPE=HISTORY_DB (frugal agent's --db), got '{}'", arg));
  }
  const std::string path = arg.substr(eq + 1);
  if (!std::filesystem::is_regular_file(path)) throw Error(fmt::format("--telemetry: {}: no such history file", path));
  return {arg.substr(0, eq), path};
}

std::vector<billing::Opportunity> AgentHistoryIdle::idle_opportunities(const billing::GpuSpend& spend) const {
  std::vector<billing::Opportunity> out;
  if (spend.by_day_type.empty()) return out;
  // The bill's period, whole UTC days.
  const double since = static_cast<double>(billing::days_from_civil(spend.by_day_type.begin()->first)) * 86400;
  const double until = static_cast<double>(billing::days_from_civil(spend.by_day_type.rbegin()->first) + 1) * 86400;
  const auto retention = telemetry::load_retention(data_dir_);
  for (const auto& [type, path] : histories_) {
    telemetry::HistoryStore history(path, retention);
    double seconds = 0, idle_seconds = 0, cost = 0, idle_cost = 0;
    int gpus = 0;
    for (const auto& u : history.usage(since, until)) {
      ++gpus;
      seconds += u.seconds;
      idle_seconds += u.idle_seconds;
      cost += u.cost;
      idle_cost += u.idle_cost;
    }
    billing::Opportunity o;
    o.kind = "idle";
    o.instance_type = type;
    o.hours = idle_seconds / 3600;
    o.current_usd = cost;
    o.saving_usd = idle_cost;
    o.discount = cost > 0 ? idle_cost / cost : 0;
    o.assumption = "GPUs idle by the agent's rule could be stopped, shared or packed";
    o.source = fmt::format("frugal agent history {} ({} GPUs, {:.1f} GPU-h observed in the bill's period)", path, gpus, seconds / 3600);
    out.push_back(o);
  }
  return out;
}

}  // namespace frugal::cli
