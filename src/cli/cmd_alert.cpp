// `frugal alert provision`: a daily-spend alarm (SNS + CloudWatch) or an AWS Budgets budget.
// `frugal alert rules`: Prometheus rules over the agent's metrics, thresholds from data/.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "alert/prometheus_rules.h"
#include "alert/provision.h"
#include "aws/environment.h"
#include "cli/aws_options.h"
#include "cli/common.h"
#include "core/data_dir.h"

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
}

}  // namespace frugal::cli
