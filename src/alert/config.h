// The rules file of `frugal alert run` (TOML): where the figures come from, the rules over them and
// who is told. Format: docs/alerts.md. Every mistake is an InputError naming file:line:column.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace frugal::alert {

struct SourceConfig {
  std::vector<std::string> bills;            // files, folders, globs, manifests: as `frugal bill` takes
  bool cost_explorer = false;                // daily GPU spend from Cost Explorer instead
  std::vector<std::string> agent_histories;  // telemetry.db files the agents wrote
};

enum class RuleKind { kDailySpend, kAnomaly, kForecast, kIdleDollars };
const char* to_string(RuleKind k);

struct RuleConfig {
  std::string name;  // unique; the alert's name
  RuleKind kind = RuleKind::kDailySpend;
  std::string severity = "warning";
  double threshold_usd = 0;   // daily_spend: last day's GPU spend; idle_dollars: idle $ over period
  double min_impact_usd = 0;  // anomaly: raised when the impact reaches either (0: not set)
  double min_impact_pct = 0;
  double budget_usd = 0;      // forecast: month-end GPU spend
  double period_seconds = 0;  // idle_dollars: window ending now
  SourceLocation where;
};

enum class NotifierKind { kStdout, kWebhook, kAlertmanager, kSns };
const char* to_string(NotifierKind k);

struct NotifierConfig {
  std::string name;  // unique; defaults to the kind
  NotifierKind kind = NotifierKind::kStdout;
  std::string url;        // webhook: full URL; alertmanager: base URL (…:9093)
  std::string topic_arn;  // sns
  SourceLocation where;
};

struct Defaults {
  int attempts_per_run = 0;
  double retry_backoff_seconds = 0;
  double alertmanager_hold_seconds = 0;
  int anomaly_lookback_days = 0;
  int cost_explorer_days = 0;
  int forecast_days = 0;
};

// data_dir/alerts/defaults.toml.
Defaults load_defaults(const std::string& data_dir);

struct AlertConfig {
  std::string file;
  SourceConfig sources;
  std::vector<RuleConfig> rules;
  std::vector<NotifierConfig> notifiers;
};

// Parses and checks: known keys only, rule kinds and the sources they need, positive thresholds,
// unique names, URLs and ARNs of the right shape.
AlertConfig load_alert_config(const std::string& path);
AlertConfig parse_alert_config(const std::string& text, const std::string& name);

}  // namespace frugal::alert
