// Prometheus recording and alerting rules over the agent's metrics, written from thresholds in
// data/alerts/prometheus_rules.toml (policy lives in data/, the PromQL lives here). The output is
// what deploy/prometheus/frugal-rules.yml holds; `frugal alert rules` prints it.
#pragma once

#include <string>
#include <string_view>

namespace frugal::alert {

// Every threshold the rules use. Durations are Prometheus durations ("30s", "15m", "1h").
struct PromRuleSettings {
  std::string agent_job;

  std::string gpu_idle_for, gpu_idle_severity;

  double fleet_idle_dollars_per_hour = 0;
  std::string fleet_idle_for, fleet_idle_severity;

  double workload_max_utilization = 0;
  double workload_min_idle_dollars_per_hour = 0;
  std::string workload_window, workload_for, workload_severity;

  std::string gpu_errors_window, gpu_errors_severity, gpu_lost_for, gpu_lost_severity;

  std::string agent_down_for;
  double agent_stale_seconds = 0;
  std::string agent_stale_for, agent_severity;

  double spend_dollars_per_hour = 0;
  std::string spend_for, spend_severity;
};

// Reads `defaults` (every key required), then `overrides` when non-empty (any subset of the same
// keys). Unknown keys, wrong types, malformed durations, negative dollars or a ratio outside
// [0, 1] throw InputError naming file:line:column.
PromRuleSettings load_prom_rule_settings(const std::string& defaults, const std::string& overrides);
// `base` with the keys `text` (TOML, named `name` in errors) sets; the same checks.
PromRuleSettings apply_prom_rule_overrides(PromRuleSettings base, std::string_view text, const std::string& name);

// The rule file (YAML, `promtool check rules` clean). `origin` names where the thresholds came
// from, for the header comment.
std::string render_prometheus_rules(const PromRuleSettings& s, const std::string& origin);

// True for a Prometheus duration: one or more of <int>y w d h m s ms, in that order.
bool is_prometheus_duration(const std::string& text);

}  // namespace frugal::alert
