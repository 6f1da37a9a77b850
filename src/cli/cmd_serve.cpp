// `frugal serve`: the dashboard. Polls the agents it is pointed at, summarises the bills it is
// given once at start-up, and answers the advisor form with the same library as `frugal advise`.
// Loopback and read-only by default; beyond loopback it needs a token (as `frugal sched serve`).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "advise/advisor.h"
#include "aws/environment.h"
#include "billing/cost_explorer_spend.h"
#include "billing/s3_inputs.h"
#include "billing/trend.h"
#include "advise/defaults.h"
#include "cli/advise_render.h"
#include "cli/catalog_open.h"
#include "cli/common.h"
#include "cli/stop_signal.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/temp_dir.h"
#include "core/time_util.h"
#include "core/units.h"
#include "http/auth.h"
#include "http/server.h"
#include "perf/calibration.h"
#include "serve/bill_summary.h"
#include "serve/fleet.h"
#include "serve/routes.h"

namespace frugal::cli {
namespace {

struct ServeCmd {
  std::string listen = "127.0.0.1:9404";
  std::vector<std::string> agents;
  std::vector<std::string> bills;
  std::string token_file;
  std::string poll = "5s";
  std::string region;
  std::string cost_explorer_start;  // Bill view from Cost Explorer, this day to yesterday
  aws::AwsOptions aws;
};

// GET /api/v1/advise?model=M&rate=R&tpot_slo_ms=T&ttft_slo_ms=F: the advisor's ranking as
// `frugal advise --format json` gives it; 400 with the reason for a bad parameter.
void add_advise_route(http::Router& router, const std::string& token, const std::string& data_dir, const std::string& region) {
  auto cat = std::make_shared<Catalog>(open_catalog(data_dir));
  auto eff = std::make_shared<Efficiency>(Efficiency::load(efficiency_path(data_dir, "")));
  auto defaults = std::make_shared<AdviseDefaults>(AdviseDefaults::load(data_dir + "/advise/defaults.toml"));
  // The same accuracy object as `frugal advise --format json` (read once: the files do not change under a server).
  auto accuracy = std::make_shared<const std::optional<Accuracy>>(load_accuracy(data_dir, ""));
  auto check = std::make_shared<const std::optional<IndependentCheck>>(independent_check(data_dir, *cat, *eff));
  const auto regions = pricing_regions(region, "", *cat);
  router.add(
      "GET", "/api/v1/advise",
      [cat, eff, defaults, regions, accuracy, check](const http::Request& req, http::Response& res) {
        auto number = [&req](const std::string& key) -> std::optional<double> {
          auto it = req.query.find(key);
          if (it == req.query.end() || it->second.empty()) return std::nullopt;
          char* end = nullptr;
          const double v = std::strtod(it->second.c_str(), &end);
          if (end == it->second.c_str() || *end != '\0' || !std::isfinite(v) || v < 0) throw Error(fmt::format("{}: expected a number >= 0", key));
          return v;
        };
        try {
          Workload w;
          w.model = req.query.count("model") ? req.query.at("model") : "";
          if (w.model.empty()) throw Error("model: required");
          w.name = w.model;
          w.rate_rps = number("rate").value_or(0);
          if (auto t = number("tpot_slo_ms")) w.tpot_slo_s = *t / 1e3;
          if (auto t = number("ttft_slo_ms")) w.ttft_slo_s = *t / 1e3;
          AdvisorContext ctx{cat.get(), eff.get(), defaults.get()};
          auto a = advise_regions(w, *cat, ctx, regions.regions);
          a.region_from = regions.from;
          auto j = advice_json(a, defaults->top);
          if (auto note = top_choice_accuracy(a, *accuracy ? &**accuracy : nullptr, *check ? &**check : nullptr, eff->path)) {
            j["accuracy"] = note->to_json();
          }
          res.set(200, j.dump() + "\n", "application/json");
        } catch (const Error& e) {
          res.set(400, nlohmann::json({{"error", e.what()}}).dump() + "\n", "application/json");
        }
      },
      serve::api_route_options(token));
}

void run_serve(const GlobalOptions& g, const ServeCmd& o) {
  const auto [host, port] = http::parse_listen(o.listen);
  (void)port;
  if (!http::is_loopback(host) && o.token_file.empty())
    throw Error(fmt::format("--listen {}: not a loopback address; pass --token-file to serve beyond this machine", o.listen));
  const std::string token = o.token_file.empty() ? "" : http::load_or_create_token(o.token_file);
  const std::string data_dir = resolve_data_dir(g.data_dir);
  const double poll_s = parse_duration(o.poll, "--poll");
  if (poll_s < 0.1) throw Error("--poll: expected at least 100ms");
  // Bad bills or credentials fail here, at start, not per request.
  nlohmann::json bill;
  if (!o.cost_explorer_start.empty()) {
    if (!o.bills.empty()) throw Error("--bill and --cost-explorer-start: choose one source for the Bill view");
    const std::string end = billing::civil_from_days(static_cast<long>(now_epoch_seconds() / 86400));  // closed days only
    billing::days_from_civil(o.cost_explorer_start);  // throws on a malformed date
    if (o.cost_explorer_start >= end) throw Error(fmt::format("--cost-explorer-start: expected a day before {}", end));
    aws::SystemEnvironment env;
    const auto daily = billing::daily_gpu_spend_from_cost_explorer(aws::resolve_config(o.aws, env, /*region_required=*/false),
                                                                   Catalog::load(data_dir), o.cost_explorer_start, end);
    bill = serve::bill_summary(daily, fmt::format("Cost Explorer, {} to {}", o.cost_explorer_start, end), data_dir);
  } else {
    // s3:// exports are fetched into a private folder, summarised, and the folder removed.
    const TempDir downloads("frugal-serve-s3-", "the S3 download");
    aws::SystemEnvironment env;
    const auto inputs = billing::localize_bill_inputs(o.bills, downloads.path().string(), [&] { return aws::resolve_config(o.aws, env); });
    bill = serve::bill_summary(inputs, data_dir);
    if (inputs != o.bills && bill.value("available", false)) bill["source"] = fmt::format("{} ({})", o.bills.front(), bill["source"].get<std::string>());
  }
  // An hour of samples at the poll interval.
  // An agent that does not answer within seconds is shown as down, not waited for.
  auto http = [] {
    aws::HttpOptions opts;
    opts.connect_timeout_ms = 2000;
    opts.timeout_ms = 5000;
    return aws::make_curl_transport(opts);
  };
  serve::FleetPoller fleet(o.agents, http,
                           static_cast<std::size_t>(std::ceil(3600 / poll_s)));
  http::Router router = serve::dashboard_router(fleet, std::move(bill), token);
  add_advise_route(router, token, data_dir, o.region);
  http::Server server(std::move(router));
  const int bound = server.bind(o.listen);
  fleet.start(poll_s);
  server.start();
  std::cerr << fmt::format("frugal serve: dashboard on http://{}:{}/{}; {} agents, polled every {}; {}\n",
                           host.empty() ? "0.0.0.0" : host, bound, token.empty() ? "" : " (API needs the token: open /?token=...)",
                           o.agents.size(), o.poll, o.bills.empty() ? "no bill" : fmt::format("bill from {} inputs", o.bills.size()))
            << std::flush;
  auto& stop = stop_on_signals();
  while (sleep_unless_stopped(stop, 3600)) {
  }
  server.stop();
  std::cerr << "frugal serve: stopped\n";
}

}  // namespace

void register_serve(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<ServeCmd>();
  auto* s = app.add_subcommand("serve", "Web dashboard: fleet GPUs and idle dollars from agents, bill trends, the advisor");
  s->add_option("--listen", o->listen, "HOST:PORT (default 127.0.0.1:9404; non-loopback needs --token-file)");
  s->add_option("--agent", o->agents, "An agent's base URL, e.g. http://gpu-node-1:9401 (repeatable)");
  s->add_option("--bill", o->bills, "Bill files, folders or s3:// exports for the Bill view (FOCUS, CUR; repeatable)");
  s->add_option("--token-file", o->token_file, "API token file (created, mode 0600, when missing); required beyond loopback");
  s->add_option("--poll", o->poll, "How often to poll the agents (default 5s)");
  s->add_option("--region", o->region, "Region(s) the advisor prices (default: the AWS conventions)");
  s->add_option("--cost-explorer-start", o->cost_explorer_start, "Bill view from Cost Explorer: daily GPU spend from this day (YYYY-MM-DD)");
  s->add_option("--profile", o->aws.profile, "AWS profile for Cost Explorer and S3");
  s->add_option("--endpoint-url", o->aws.endpoint_url, "Send Cost Explorer and S3 calls to this endpoint (e.g. a local emulator)");
  s->callback([&g, o] { run_serve(g, *o); });
}

}  // namespace frugal::cli
