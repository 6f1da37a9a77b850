// `frugal alert provision`: a daily-spend alarm (SNS + CloudWatch) or an AWS Budgets budget.
// `frugal alert rules`: Prometheus rules over the agent's metrics, thresholds from data/.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "alert/config.h"
#include "alert/prometheus_rules.h"
#include "alert/provision.h"
#include "alert/run.h"
#include "alert/sources.h"
#include "aws/environment.h"
#include "billing/decimal.h"
#include "cli/aws_options.h"
#include "cli/common.h"
#include "cli/stop_signal.h"
#include "core/data_dir.h"
#include "core/time_util.h"
#include "core/units.h"

namespace frugal::cli {
namespace {

struct AlertOptions {
  alert::ProvisionOptions p;
  aws::AwsOptions aws;
  bool dry_run = false;
};

void run_provision(const GlobalOptions& g, const AlertOptions& o) {
  alert::ProvisionResult r;
  std::string region = o.aws.region;
  if (o.dry_run) {
    r = alert::plan(o.p, region.empty() ? "your default region" : region);
  } else {
    aws::SystemEnvironment env;
    auto cfg = aws::resolve_config(o.aws, env);
    region = cfg.region;
    r = alert::provision(o.p, cfg);
  }
  Table t;
  const std::string where = o.p.kind == "alarm" ? fmt::format("{} (billing metrics)", alert::billing_metrics_region()) : region;
  t.title = o.dry_run ? "Calls frugal would make (dry run: nothing sent)" : fmt::format("Provisioned in {}", where);
  t.columns = {{"service", "service"}, {"action", "action"}, {"detail", "detail"}};
  for (const auto& c : r.calls) t.rows.push_back({Cell(c.service), Cell(c.action), Cell(c.detail)});
  for (const auto& n : r.notes) t.notes.push_back(n);
  for (const auto& c : r.changed) t.notes.push_back("changed: " + c);
  for (const auto& c : r.unchanged) t.notes.push_back("unchanged: " + c);
  if (!o.dry_run && r.changed.empty()) t.notes.push_back("nothing to do: everything already as asked");
  nlohmann::json j = {{"dry_run", o.dry_run}, {"calls", t.to_json()["rows"]}, {"changed", r.changed}, {"unchanged", r.unchanged}, {"notes", r.notes}};
  emit(g, {t}, j);
}

struct RulesOptions {
  std::string thresholds;  // overrides of data/alerts/prometheus_rules.toml
};

// The rule file is YAML for Prometheus, so --format does not apply; -o writes it atomically.
void run_rules(const GlobalOptions& g, const RulesOptions& o) {
  const std::string defaults = resolve_data_dir(g.data_dir) + "/alerts/prometheus_rules.toml";
  const auto settings = alert::load_prom_rule_settings(defaults, o.thresholds);
  const std::string origin = o.thresholds.empty() ? "data/alerts/prometheus_rules.toml"
                                                  : fmt::format("data/alerts/prometheus_rules.toml with {}", o.thresholds);
  const std::string yaml = alert::render_prometheus_rules(settings, origin);
  if (g.output.empty()) {
    std::cout << yaml;
  } else {
    write_file_atomic(g.output, yaml);
  }
}

struct RunCmd {
  std::string rules;
  std::string state;
  std::string every;
  bool dry_run = false;
  aws::AwsOptions aws;
};

void report(const GlobalOptions& g, const alert::RunReport& r, const std::string& rules_file) {
  auto usd = [](double v) { return billing::format_usd(billing::from_usd(v)); };
  Table alerts;
  alerts.title = fmt::format("Alerts ({})", rules_file);
  alerts.columns = {{"status", "status"}, {"rule", "rule"}, {"key", "key"}, {"severity", "severity"}, {"dollars", "dollars", true}, {"summary", "summary"}};
  std::set<std::pair<std::string, std::string>> changed;
  for (const auto& t : r.transitions) {
    changed.insert({t.alert.rule, t.alert.key});
    alerts.rows.push_back({Cell(t.event == "firing" ? "NEW" : "RESOLVED"), Cell(t.alert.rule), Cell(t.alert.key), Cell(t.alert.severity),
                           Cell(usd(t.alert.value_usd), t.alert.value_usd), Cell(t.alert.summary)});
  }
  for (const auto& f : r.findings) {
    if (changed.count({f.rule, f.key})) continue;
    alerts.rows.push_back({Cell("firing"), Cell(f.rule), Cell(f.key), Cell(f.severity), Cell(usd(f.value_usd), f.value_usd), Cell(f.summary)});
  }
  if (alerts.rows.empty()) alerts.notes.push_back("nothing fires");
  Table sent;
  sent.title = "Notifications";
  sent.columns = {{"notifier", "notifier"}, {"event", "event"}, {"rule", "rule"}, {"key", "key"}, {"result", "result"}, {"attempts", "attempts", true}};
  for (const auto& d : r.deliveries) {
    sent.rows.push_back({Cell(d.notifier), Cell(d.event), Cell(d.rule), Cell(d.key), Cell(d.ok ? "sent" : "FAILED: " + d.error),
                         Cell(std::to_string(d.attempts), d.attempts)});
  }
  if (r.still_queued) sent.notes.push_back(fmt::format("{} notifications queued for the next run (not lost)", r.still_queued));
  for (const auto& n : r.notes) sent.notes.push_back(n);
  nlohmann::json j = {{"alerts", alerts.to_json()["rows"]}, {"notifications", sent.to_json()["rows"]}, {"queued", r.still_queued}, {"notes", r.notes}};
  emit(g, {alerts, sent}, j);
}

void run_alert_rules(const GlobalOptions& g, const RunCmd& o) {
  const std::string data_dir = resolve_data_dir(g.data_dir);
  const alert::AlertConfig cfg = alert::load_alert_config(o.rules);
  const alert::Defaults defaults = alert::load_defaults(data_dir);
  const auto anomaly = billing::load_anomaly_settings(data_dir);
  const std::string state_path = o.state.empty() ? alert::default_alert_state_path() : o.state;
  const double every = o.every.empty() ? 0 : parse_duration(o.every, "--every");
  if (!o.every.empty() && every < 1) throw Error("--every: expected at least 1s");

  aws::SystemEnvironment env;
  auto aws_for = [&o, &env](const std::string& region) {
    aws::AwsOptions a = o.aws;
    if (!region.empty()) a.region = region;
    return aws::resolve_config(a, env, /*region_required=*/false);
  };
  alert::NotifierDeps deps;
  deps.out = &std::cout;
  deps.http = [] { return aws::make_curl_transport(); };
  deps.aws = aws_for;
  deps.alertmanager_hold_seconds = std::max(defaults.alertmanager_hold_seconds, 2 * every);
  std::map<std::string, std::unique_ptr<alert::Notifier>> notifiers;
  if (!o.dry_run) {
    for (const auto& n : cfg.notifiers) notifiers.emplace(n.name, alert::make_notifier(n, deps));
  }
  auto& stop = stop_on_signals();
  do {
    alert::RunLock lock(state_path + ".lock");
    alert::AlertState state(state_path);
    const double now = now_epoch_seconds();
    const alert::Inputs in = alert::gather_inputs(cfg, data_dir, defaults, now, [&] { return aws_for(""); });
    alert::RunOptions ro;
    ro.now = now;
    ro.dry_run = o.dry_run;
    ro.sleep = [&stop](double s) { sleep_unless_stopped(stop, s); };
    const alert::RunReport r = alert::run_once(cfg, in, defaults, anomaly, state, notifiers, ro);
    report(g, r, o.rules);
    // Once (cron, a systemd timer): a notification left undelivered fails the run, so the timer
    // shows it; it stays queued and goes out with the next run.
    const auto failed = std::count_if(r.deliveries.begin(), r.deliveries.end(), [](const alert::Delivery& d) { return !d.ok; });
    if (every == 0 && failed > 0)
      throw Error(fmt::format("{} notifications could not be delivered; they are queued in {} for the next run", failed, state_path));
  } while (every > 0 && sleep_unless_stopped(stop, every));
}

}  // namespace

void register_alert(CLI::App& app, GlobalOptions& g) {
  auto* a = app.add_subcommand("alert", "Spend alerts: AWS alarms and budgets, Prometheus rules");
  a->require_subcommand(1);
  auto o = std::make_shared<AlertOptions>();
  auto* p = a->add_subcommand("provision", "Create (idempotently) a daily-spend alarm or budget that emails you");
  p->add_option("--daily-threshold", o->p.daily_threshold_usd, "Daily spend in USD above which to alert")->required();
  p->add_option("--email", o->p.email, "Address to notify")->required();
  p->add_option("--kind", o->p.kind, "alarm (SNS + CloudWatch) or budget (AWS Budgets)")->check(CLI::IsMember({"alarm", "budget"}));
  p->add_option("--name", o->p.name, "Alarm, topic or budget name");
  p->add_flag("--dry-run", o->dry_run, "Print the calls without contacting AWS");
  add_aws_options(p, o->aws);
  p->callback([&g, o] { run_provision(g, *o); });

  auto ro = std::make_shared<RulesOptions>();
  auto* r = a->add_subcommand("rules", "Print Prometheus alerting and recording rules over the agent's metrics");
  r->add_option("--thresholds", ro->thresholds, "TOML file overriding data/alerts/prometheus_rules.toml (any subset of its keys)")
      ->check(CLI::ExistingFile);
  r->callback([&g, ro] { run_rules(g, *ro); });

  auto rc = std::make_shared<RunCmd>();
  auto* run = a->add_subcommand("run", "Evaluate alert rules over bills, Cost Explorer and agent histories; notify what changed");
  run->add_option("--rules", rc->rules, "Rules file (TOML: sources, [[rule]], [[notify]]; docs/alerts.md)")->required()->check(CLI::ExistingFile);
  run->add_option("--state", rc->state, "State database (default ~/.local/state/frugal/alerts.db)");
  run->add_option("--every", rc->every, "Run again after this long until stopped (e.g. 1h); default: once, for cron or a systemd timer");
  run->add_flag("--dry-run", rc->dry_run, "Show what fires and what would be sent; record and send nothing");
  add_aws_options(run, rc->aws);
  run->callback([&g, rc] { run_alert_rules(g, *rc); });
}

}  // namespace frugal::cli
