#include "alert/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/files.h"
#include "core/suggest.h"
#include "core/toml_util.h"
#include "core/units.h"

namespace frugal::alert {

namespace {

const std::vector<std::string> kRuleKinds = {"daily_spend", "anomaly", "forecast", "idle_dollars"};
const std::vector<std::string> kNotifierKinds = {"stdout", "webhook", "alertmanager", "sns"};

void only_keys(const toml::table& t, const std::vector<std::string>& allowed, const std::string& file, const std::string& where) {
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      fail_at(location_of(v, file), fmt::format("unknown key '{}' in {}{}", key, where, did_you_mean(key, allowed)));
  }
}

SourceLocation table_at(const toml::node& n, const std::string& file) {
  auto loc = location_of(n, file);
  if (loc.line == 0) loc.line = 1;
  return loc;
}

std::vector<std::string> string_list(const toml::table& t, std::string_view key, const std::string& file) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  if (auto s = n->value<std::string>()) return {*s};
  const toml::array* a = n->as_array();
  if (!a) fail_at(location_of(*n, file), fmt::format("expected a string or a list of strings for '{}'", key));
  for (const auto& e : *a) {
    auto s = e.value<std::string>();
    if (!s || s->empty()) fail_at(location_of(e, file), fmt::format("expected a non-empty string in '{}'", key));
    out.push_back(*s);
  }
  return out;
}

double positive(const toml::table& t, std::string_view key, const std::string& file, bool required) {
  const toml::node* n = t.get(key);
  if (!n) {
    if (required) fail_at(table_at(t, file), fmt::format("missing number '{}'", key));
    return 0;
  }
  auto v = n->value<double>();
  if (!v || !std::isfinite(*v) || *v <= 0) fail_at(location_of(*n, file), fmt::format("expected a number > 0 for '{}'", key));
  return *v;
}

RuleConfig read_rule(const toml::table& t, const std::string& file) {
  RuleConfig r;
  r.where = table_at(t, file);
  r.name = require_string(t, "name", file);
  if (r.name.empty() || r.name.find_first_of("\"\\\n\r\t") != std::string::npos)
    fail_at(location_of(*t.get("name"), file), "expected a rule name without quotes, backslashes or control characters");
  const std::string kind = require_string(t, "kind", file);
  const auto it = std::find(kRuleKinds.begin(), kRuleKinds.end(), kind);
  if (it == kRuleKinds.end())
    fail_at(location_of(*t.get("kind"), file), fmt::format("expected a rule kind ({}), got '{}'{}", fmt::join(kRuleKinds, ", "), kind, did_you_mean(kind, kRuleKinds)));
  r.kind = static_cast<RuleKind>(it - kRuleKinds.begin());
  if (auto sev = optional_string(t, "severity", file)) r.severity = *sev;
  std::vector<std::string> keys = {"name", "kind", "severity"};
  switch (r.kind) {
    case RuleKind::kDailySpend:
      keys.push_back("threshold_usd");
      only_keys(t, keys, file, "a daily_spend rule");
      r.threshold_usd = positive(t, "threshold_usd", file, true);
      break;
    case RuleKind::kAnomaly:
      keys.insert(keys.end(), {"min_impact_usd", "min_impact_pct"});
      only_keys(t, keys, file, "an anomaly rule");
      r.min_impact_usd = positive(t, "min_impact_usd", file, false);
      r.min_impact_pct = positive(t, "min_impact_pct", file, false);
      break;
    case RuleKind::kForecast:
      keys.push_back("budget_usd");
      only_keys(t, keys, file, "a forecast rule");
      r.budget_usd = positive(t, "budget_usd", file, true);
      break;
    case RuleKind::kIdleDollars: {
      keys.insert(keys.end(), {"threshold_usd", "period"});
      only_keys(t, keys, file, "an idle_dollars rule");
      r.threshold_usd = positive(t, "threshold_usd", file, true);
      const std::string period = optional_string(t, "period", file).value_or("24h");
      try {
        r.period_seconds = parse_duration(period, "period");
      } catch (const Error& e) {
        fail_at(location_of(*t.get("period"), file), e.what());
      }
      if (r.period_seconds <= 0) fail_at(location_of(*t.get("period"), file), "expected a period > 0");
      break;
    }
  }
  return r;
}

NotifierConfig read_notifier(const toml::table& t, const std::string& file) {
  NotifierConfig n;
  n.where = table_at(t, file);
  const std::string kind = require_string(t, "kind", file);
  const auto it = std::find(kNotifierKinds.begin(), kNotifierKinds.end(), kind);
  if (it == kNotifierKinds.end())
    fail_at(location_of(*t.get("kind"), file),
            fmt::format("expected a notifier kind ({}), got '{}'{}", fmt::join(kNotifierKinds, ", "), kind, did_you_mean(kind, kNotifierKinds)));
  n.kind = static_cast<NotifierKind>(it - kNotifierKinds.begin());
  n.name = optional_string(t, "name", file).value_or(kind);
  switch (n.kind) {
    case NotifierKind::kStdout:
      only_keys(t, {"kind", "name"}, file, "a stdout notifier");
      break;
    case NotifierKind::kWebhook:
    case NotifierKind::kAlertmanager: {
      only_keys(t, {"kind", "name", "url"}, file, fmt::format("a {} notifier", kind));
      n.url = require_string(t, "url", file);
      if (n.url.rfind("http://", 0) != 0 && n.url.rfind("https://", 0) != 0)
        fail_at(location_of(*t.get("url"), file), fmt::format("expected an http:// or https:// URL, got '{}'", n.url));
      break;
    }
    case NotifierKind::kSns:
      only_keys(t, {"kind", "name", "topic_arn"}, file, "an sns notifier");
      n.topic_arn = require_string(t, "topic_arn", file);
      // arn:aws:sns:REGION:ACCOUNT:NAME
      if (n.topic_arn.rfind("arn:", 0) != 0 || std::count(n.topic_arn.begin(), n.topic_arn.end(), ':') != 5 ||
          n.topic_arn.find(":sns:") == std::string::npos)
        fail_at(location_of(*t.get("topic_arn"), file), fmt::format("expected an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got '{}'", n.topic_arn));
      break;
  }
  return n;
}

}  // namespace

const char* to_string(RuleKind k) { return kRuleKinds[static_cast<std::size_t>(k)].c_str(); }
const char* to_string(NotifierKind k) { return kNotifierKinds[static_cast<std::size_t>(k)].c_str(); }

Defaults load_defaults(const std::string& data_dir) {
  const std::string file = data_dir + "/alerts/defaults.toml";
  const toml::table t = load_toml_file(file);
  Defaults d;
  d.attempts_per_run = static_cast<int>(require_number(t, "attempts_per_run", file));
  d.retry_backoff_seconds = require_number(t, "retry_backoff_seconds", file);
  d.alertmanager_hold_seconds = require_number(t, "alertmanager_hold_seconds", file);
  d.anomaly_lookback_days = static_cast<int>(require_number(t, "anomaly_lookback_days", file));
  d.cost_explorer_days = static_cast<int>(require_number(t, "cost_explorer_days", file));
  d.forecast_days = static_cast<int>(require_number(t, "forecast_days", file));
  if (d.attempts_per_run < 1 || d.forecast_days < 1 || d.cost_explorer_days < 1 || d.anomaly_lookback_days < 0)
    fail_at({file, 1, 1}, "attempts_per_run, forecast_days and cost_explorer_days must be >= 1");
  return d;
}

AlertConfig parse_alert_config(const std::string& text, const std::string& file) {
  const toml::table root = parse_toml(text, file);
  only_keys(root, {"sources", "rule", "notify"}, file, "the rules file");
  AlertConfig c;
  c.file = file;
  if (const toml::node* s = root.get("sources")) {
    const toml::table* st = s->as_table();
    if (!st) fail_at(location_of(*s, file), "expected a [sources] table");
    only_keys(*st, {"bills", "cost_explorer", "agent_histories"}, file, "[sources]");
    c.sources.bills = string_list(*st, "bills", file);
    c.sources.agent_histories = string_list(*st, "agent_histories", file);
    if (const toml::node* ce = st->get("cost_explorer")) {
      auto b = ce->value<bool>();
      if (!b) fail_at(location_of(*ce, file), "expected true or false for 'cost_explorer'");
      c.sources.cost_explorer = *b;
    }
    if (c.sources.cost_explorer && !c.sources.bills.empty())
      fail_at(location_of(*st->get("cost_explorer"), file), "expected one source of daily spend: 'bills' or 'cost_explorer', not both");
  }
  auto tables = [&](const char* key) {
    std::vector<const toml::table*> out;
    const toml::node* n = root.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    if (!a) fail_at(location_of(*n, file), fmt::format("expected [[{}]] tables", key));
    for (const auto& e : *a) {
      if (!e.as_table()) fail_at(location_of(e, file), fmt::format("expected [[{}]] tables", key));
      out.push_back(e.as_table());
    }
    return out;
  };
  std::set<std::string> names;
  for (const toml::table* t : tables("rule")) {
    RuleConfig r = read_rule(*t, file);
    if (!names.insert(r.name).second) fail_at(r.where, fmt::format("a second rule named '{}'", r.name));
    const bool needs_spend = r.kind != RuleKind::kIdleDollars;
    if (needs_spend && c.sources.bills.empty() && !c.sources.cost_explorer)
      fail_at(r.where, fmt::format("rule '{}' ({}) needs daily spend: set [sources] bills or cost_explorer = true", r.name, to_string(r.kind)));
    if (!needs_spend && c.sources.agent_histories.empty())
      fail_at(r.where, fmt::format("rule '{}' (idle_dollars) needs [sources] agent_histories", r.name));
    c.rules.push_back(r);
  }
  if (c.rules.empty()) fail_at({file, 1, 1}, "expected at least one [[rule]]");
  std::set<std::string> notifier_names;
  for (const toml::table* t : tables("notify")) {
    NotifierConfig n = read_notifier(*t, file);
    if (!notifier_names.insert(n.name).second)
      fail_at(n.where, fmt::format("a second notifier named '{}': give each a distinct name", n.name));
    c.notifiers.push_back(n);
  }
  if (c.notifiers.empty()) fail_at({file, 1, 1}, "expected at least one [[notify]] (kind stdout, webhook, alertmanager or sns)");
  return c;
}

AlertConfig load_alert_config(const std::string& path) {
  const auto text = read_file(path);
  if (!text) throw Error(fmt::format("{}: cannot open file", path));
  return parse_alert_config(*text, path);
}

}  // namespace frugal::alert
