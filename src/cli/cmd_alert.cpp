// `frugal alert provision`: a daily-spend alarm (SNS + CloudWatch) or an AWS Budgets budget.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "alert/provision.h"
#include "aws/environment.h"
#include "cli/aws_options.h"
#include "cli/common.h"

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

}  // namespace

void register_alert(CLI::App& app, GlobalOptions& g) {
  auto* a = app.add_subcommand("alert", "Spend alerts");
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
}

}  // namespace frugal::cli
