// Evaluating `frugal alert run`'s rules: pure functions from the figures (daily GPU spend, idle
// dollars) to findings, each with a stable key (the same condition keeps the same key from run to
// run, so the state machine can tell "still firing" from "new").
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "alert/config.h"
#include "billing/trend.h"

namespace frugal::alert {

struct Inputs {
  double now = 0;  // unix seconds
  // Daily GPU spend: date (YYYY-MM-DD) -> instance type -> dollars. Empty without a spend source.
  std::map<std::string, std::map<std::string, double>> daily;
  std::string spend_source;  // "3 bill files", "Cost Explorer": named in descriptions
  // Idle dollars the agents recorded in [now - seconds, now), all histories together.
  std::function<double(double seconds)> idle_dollars;
};

struct Finding {
  std::string rule;  // the rule's name
  std::string kind;  // daily_spend, anomaly, forecast, idle_dollars
  std::string key;   // stable identity of this condition within the rule
  std::string severity;
  std::string summary;      // one line, dollars in it
  std::string description;  // what was compared with what, and where the figures came from
  double value_usd = 0;     // the dollars that crossed the line (spend, impact, forecast, idle)
  std::map<std::string, std::string> labels;  // date, month, scope...
};

// Findings of every rule, in rule order. Rules whose data is missing (no days of spend) yield none.
std::vector<Finding> evaluate(const AlertConfig& c, const Inputs& in, const Defaults& d, const billing::AnomalySettings& anomaly);

}  // namespace frugal::alert
