#include "cli/bill_idle.h"

#include <fmt/format.h>

#include <filesystem>

#include "billing/trend.h"
#include "core/error.h"
#include "telemetry/history.h"

namespace frugal::cli {

std::vector<TelemetryHistory> open_telemetry_histories(const std::vector<std::string>& args, const std::string& data_dir) {
  std::vector<TelemetryHistory> out;
  for (const auto& arg : args) {
    const auto eq = arg.find('=');
    if (eq == 0 || (eq != std::string::npos && eq + 1 == arg.size())) {
      throw Error(fmt::format("--telemetry: expected HISTORY_DB or INSTANCE_TYPE=HISTORY_DB (frugal agent's --db), got '{}'", arg));
    }
    // A path may hold '=' itself: only a prefix that looks like an instance type is one.
    const bool typed = eq != std::string::npos && arg.find('/') > eq && arg.find('.') < eq;
    TelemetryHistory h;
    h.path = typed ? arg.substr(eq + 1) : arg;
    if (!std::filesystem::is_regular_file(h.path)) throw Error(fmt::format("--telemetry: {}: no such history file", h.path));
    if (typed) {
      h.type = arg.substr(0, eq);
    } else {
      const auto host = telemetry::HistoryStore(h.path, telemetry::load_retention(data_dir)).host();
      const auto id = host.find("instance_id");
      if (id == host.end()) {
        throw Error(fmt::format("--telemetry {}: the history has no instance id (the agent ran off EC2 without --instance-id); "
                                "name its type instead: --telemetry INSTANCE_TYPE={}", h.path, h.path));
      }
      h.instance_id = id->second;
      if (const auto t = host.find("instance_type"); t != host.end()) h.type = t->second;
    }
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<billing::Opportunity> AgentHistoryIdle::idle_opportunities(const billing::GpuSpend& spend) const {
  std::vector<billing::Opportunity> out;
  if (spend.by_day_type.empty()) return out;
  // The bill's period, whole UTC days.
  const double since = static_cast<double>(billing::days_from_civil(spend.by_day_type.begin()->first)) * 86400;
  const double until = static_cast<double>(billing::days_from_civil(spend.by_day_type.rbegin()->first) + 1) * 86400;
  const auto retention = telemetry::load_retention(data_dir_);
  for (const auto& h : histories_) {
    const std::string& path = h.path;
    const std::string& instance_id = h.instance_id;
    telemetry::HistoryStore history(path, retention);
    // A joined history takes the type the bill gives its instance.
    const billing::ResourceSpend* instance = instance_id.empty() ? nullptr : spend.resource(instance_id);
    const std::string type = instance ? instance->instance_type : h.type;
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
    o.resource = instance_id;
    o.hours = idle_seconds / 3600;
    o.current_usd = cost;
    o.saving_usd = idle_cost;
    o.discount = cost > 0 ? idle_cost / cost : 0;
    o.assumption = "GPUs idle by the agent's rule could be stopped, shared or packed";
    o.source = fmt::format("frugal agent history {} ({} GPUs, {:.1f} GPU-h observed in the bill's period)", path, gpus, seconds / 3600);
    if (instance && instance->hours > 0 && gpus > 0) {
      // What the bill charged this instance per GPU-hour (amortized: spot and plan rates included)
      // prices the GPU-hours the agent observed and those it found idle.
      const double per_gpu_hour = billing::to_usd(instance->amortized) / instance->hours / gpus;
      o.current_usd = seconds / 3600 * per_gpu_hour;
      o.saving_usd = idle_seconds / 3600 * per_gpu_hour;
      o.discount = seconds > 0 ? idle_seconds / seconds : 0;
      o.source = fmt::format("frugal agent history {} of {} ({} GPUs, {:.1f} GPU-h observed), priced at the bill's ${:.4f}/GPU-h for it",
                             path, instance_id, gpus, seconds / 3600, per_gpu_hour);
    } else if (!instance_id.empty()) {
      o.source = fmt::format("frugal agent history {} of {} ({} GPUs, {:.1f} GPU-h observed; the bill has no line for this instance, "
                             "so the agent's own price is used)", path, instance_id, gpus, seconds / 3600);
    }
    out.push_back(o);
  }
  return out;
}

}  // namespace frugal::cli
