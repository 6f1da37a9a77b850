// `frugal bill --source cost-explorer`: GPU spend per day and instance type from Cost Explorer.
// (Bill files — FOCUS and CUR — are the billing issue's; this is the API source.)
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <iostream>
#include <map>

#include "aws/client.h"
#include "aws/cost_explorer.h"
#include "aws/s3.h"
#include "billing/aggregate.h"
#include "billing/reader.h"
#include "billing/synth.h"
#include "billing/trend.h"
#include "core/data_dir.h"
#include "core/gzip.h"
#include "core/temp_dir.h"
#include "aws/environment.h"
#include "catalog/catalog.h"
#include "cli/aws_options.h"
#include "cli/common.h"
#include "core/data_dir.h"
#include "core/error.h"

namespace frugal::cli {
namespace {

struct BillOptions {
  std::vector<std::string> inputs;  // files, folders or s3://bucket/prefix/
  bool skip_bad_rows = false;
  bool daily = false;       // print the per-day table in the terminal too
  std::string bill_format;  // focus, cur, cur-athena, cur2; empty = detect from the header
  std::string source = "cost-explorer", start, end, metric = "UnblendedCost";
  aws::AwsOptions aws;
};

void check_date(const std::string& d, const char* what) {
  int y, m, day;
  if (d.size() != 10 || std::sscanf(d.c_str(), "%4d-%2d-%2d", &y, &m, &day) != 3 || m < 1 || m > 12 || day < 1 || day > 31) {
    throw Error(fmt::format("{}: expected a date like 2025-09-01, got '{}'", what, d));
  }
}

void run_bill_files(const GlobalOptions& g, const BillOptions& o);

// Streams the CUR/FOCUS CSV objects under an S3 prefix to a private temporary folder (memory stays
// flat; gzip is undone by the reader) and analyses them exactly like local files.
void run_bill_s3(const GlobalOptions& g, const BillOptions& o, const std::string& url) {
  namespace fs = std::filesystem;
  const auto loc = aws::parse_s3_url(url);
  aws::SystemEnvironment env;
  auto cfg = aws::resolve_config(o.aws, env);
  aws::AwsClient client(cfg, "s3");
  aws::S3 s3(client);
  auto objects = s3.list(loc.bucket, loc.key);
  const TempDir tmp("frugal-s3-", "the S3 download");
  const fs::path& dir = tmp.path();
  int n = 0;
  for (const auto& obj : objects) {
    if (obj.key.find(".csv") == std::string::npos) continue;  // manifests and other files
    const auto local = dir / fmt::format("{:05d}-{}", n++, fs::path(obj.key).filename().string());
    std::ofstream out(local, std::ios::binary);
    s3.get(loc.bucket, obj.key, [&](std::string_view d) { out.write(d.data(), static_cast<std::streamsize>(d.size())); });
    out.close();
    if (!out) throw Error(fmt::format("{}: cannot write the download of s3://{}/{}", local.string(), loc.bucket, obj.key));
  }
  if (n == 0) throw Error(fmt::format("{}: no CSV objects under this prefix", url));
  BillOptions files = o;
  files.inputs = {dir.string()};
  run_bill_files(g, files);
}

// Bill files (FOCUS / CUR, gzip or not) to GPU spend: one pass, exact sums.
void run_bill_files(const GlobalOptions& g, const BillOptions& o) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& in : o.inputs) {
    if (fs::is_directory(in)) {
      std::vector<std::string> found;
      for (const auto& e : fs::recursive_directory_iterator(in)) {
        const std::string p = e.path().string();
        if (e.is_regular_file() && p.find(".csv") != std::string::npos) found.push_back(p);
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(in)) {
      files.push_back(in);
    } else {
      throw Error(fmt::format("{}: no such file or folder", in));
    }
  }
  if (files.empty()) throw Error("no CSV bill files found in the inputs");
  auto cat = Catalog::load(resolve_data_dir(g.data_dir));
  billing::GpuAggregator agg(cat);
  billing::ReadOptions ro;
  ro.skip_bad_rows = o.skip_bad_rows;
  if (o.bill_format == "focus") ro.force = billing::Format::kFocus;
  if (o.bill_format == "cur") ro.force = billing::Format::kCurLegacy;
  if (o.bill_format == "cur-athena") ro.force = billing::Format::kCurAthena;
  if (o.bill_format == "cur2") ro.force = billing::Format::kCur2;
  std::vector<std::string> formats;
  long long bad = 0;
  std::string first_bad;
  for (const auto& f : files) {
    auto st = billing::read_bill_file(f, [&](const billing::LineItem& li) { agg.add(li); }, ro);
    formats.push_back(fmt::format("{} ({}, {} rows)", f, billing::to_string(st.format), st.rows));
    bad += st.bad_rows;
    if (first_bad.empty()) first_bad = st.first_bad;
  }
  const auto& s = agg.result();
  Table daily;
  daily.title = "GPU/accelerator spend per day and instance type";
  daily.columns = {{"date", "date"}, {"instance_type", "instance type"}, {"cost_usd", "cost", true}};
  for (const auto& [d, types] : s.by_day_type) {
    for (const auto& [t, v] : types) daily.rows.push_back({Cell(d), Cell(t), Cell(billing::format_usd(v), billing::to_usd(v))});
  }
  auto share_table = [&](const std::string& title, const std::string& key, const std::map<std::string, billing::Nanos>& m) {
    Table t;
    t.title = title;
    t.columns = {{key, key}, {"cost_usd", "cost", true}, {"share", "share", true}};
    std::vector<std::pair<std::string, billing::Nanos>> v(m.begin(), m.end());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [k, c] : v) {
      const double sh = s.gpu_cost ? static_cast<double>(c) / static_cast<double>(s.gpu_cost) : 0;
      t.rows.push_back({Cell(k.empty() ? "(none)" : k), Cell(billing::format_usd(c), billing::to_usd(c)),
                        Cell(fmt::format("{:.1f}%", sh * 100), sh)});
    }
    return t;
  };
  Table by_type = share_table("GPU spend by instance type", "instance_type", s.by_type);
  Table by_purchase = share_table("GPU spend by purchase option", "purchase_option", s.by_purchase);
  by_purchase.notes.push_back(fmt::format("bill total {}; GPU/accelerator {} unblended, {} amortized, {} of {} lines",
                                          billing::format_usd(s.total_cost), billing::format_usd(s.gpu_cost),
                                          billing::format_usd(s.gpu_amortized), s.gpu_lines, s.lines));
  for (const auto& f : formats) by_purchase.notes.push_back("read " + f);
  for (const auto& f : files) {
    if (std::filesystem::path(f).filename().string().rfind("synthetic-", 0) == 0) {
      by_purchase.notes.push_back("SYNTHETIC BILL: " + f + " was made by `frugal bill synth`; its figures are invented");
      break;
    }
  }
  if (bad) by_purchase.notes.push_back(fmt::format("skipped {} bad rows (first: {})", bad, first_bad));
  // Dollars from the analyses (doubles) printed like the exact sums: "$1,234.57".
  auto usd = [](double v) { return billing::format_usd(static_cast<billing::Nanos>(std::llround(v * 1e9))); };
  // Trend, spikes and anomalies of the daily GPU spend.
  std::map<std::string, std::map<std::string, double>> series;
  for (const auto& [d, types] : s.by_day_type) {
    for (const auto& [t, v] : types) series[d][t] = billing::to_usd(v);
  }
  const auto settings = billing::load_anomaly_settings(resolve_data_dir(g.data_dir));
  const billing::Trend trend = billing::analyze_trend(series, settings);
  Table months;
  months.title = "GPU spend by month";
  months.columns = {{"month", "month"}, {"days", "days", true}, {"cost_usd", "cost", true},
                    {"daily_average_usd", "per day", true}, {"change_vs_previous", "vs previous month", true}};
  for (const auto& m : trend.months) {
    months.rows.push_back({Cell(m.month), Cell(std::to_string(m.days), m.days), Cell(usd(m.cost), m.cost),
                           Cell(usd(m.daily_average), m.daily_average),
                           m.has_previous ? Cell(fmt::format("{:+.1f}%", m.change_vs_previous * 100), m.change_vs_previous)
                                          : Cell("-", nullptr)});
  }
  months.notes.push_back(fmt::format("{} days, {} GPU spend, {} per day on average; last 7-day average {}",
                                     trend.days.size(), usd(trend.total), usd(trend.daily_average),
                                     usd(trend.days.empty() ? 0.0 : trend.days.back().moving_average_7d)));
  Table spikes;
  spikes.title = fmt::format("Spikes: days above {:g}x the average daily GPU spend", settings.spike_factor);
  spikes.columns = {{"date", "date"}, {"cost_usd", "cost", true}, {"times_average", "x average", true}};
  for (const auto& sp : trend.spikes) {
    spikes.rows.push_back({Cell(sp.date), Cell(usd(sp.cost), sp.cost), Cell(fmt::format("{:.2f}", sp.factor), sp.factor)});
  }
  if (trend.spikes.empty()) spikes.notes.push_back("none");
  Table anomalies;
  anomalies.title = "Anomalies: spend far above the day's expected value (weekday-aware median, MAD scale)";
  anomalies.columns = {{"date", "date"}, {"scope", "scope"}, {"actual_usd", "actual", true}, {"expected_usd", "expected", true},
                       {"impact_usd", "impact", true}, {"impact_pct", "impact %", true}, {"score", "score", true},
                       {"top_cause", "top cause"}, {"basis", "expected from"}};
  for (const auto& a : trend.anomalies) {
    anomalies.rows.push_back({Cell(a.date), Cell(a.scope.empty() ? "all GPUs" : a.scope), Cell(usd(a.actual), a.actual),
                              Cell(usd(a.expected), a.expected), Cell(usd(a.impact), a.impact),
                              Cell(a.expected > 0 ? fmt::format("{:+.0f}%", a.impact_pct * 100) : "new", a.impact_pct),
                              Cell(fmt::format("{:.1f}", a.score), a.score),
                              Cell(a.top_cause.empty() ? "-" : fmt::format("{} (+{})", a.top_cause, usd(a.top_cause_impact)), a.top_cause),
                              Cell(a.basis)});
  }
  if (trend.anomalies.empty()) {
    anomalies.notes.push_back(trend.days.size() < static_cast<std::size_t>(2 * settings.min_history_days)
                                  ? fmt::format("none: {} days of data; days are judged after {} days of history",
                                                trend.days.size(), 2 * settings.min_history_days)
                                  : "none");
  }
  nlohmann::json days = nlohmann::json::array();
  for (const auto& d : trend.days) days.push_back({{"date", d.date}, {"cost_usd", d.cost}, {"moving_average_7d_usd", d.moving_average_7d}});

  nlohmann::json j = {{"total_usd", billing::to_usd(s.total_cost)},
                      {"gpu_usd", billing::to_usd(s.gpu_cost)},
                      {"gpu_amortized_usd", billing::to_usd(s.gpu_amortized)},
                      {"lines", s.lines},
                      {"gpu_lines", s.gpu_lines},
                      {"bad_rows", bad},
                      {"daily", daily.to_json()["rows"]},
                      {"by_instance_type", by_type.to_json()["rows"]},
                      {"by_purchase_option", by_purchase.to_json()["rows"]},
                      {"trend", {{"daily_average_usd", trend.daily_average}, {"days", days}, {"months", months.to_json()["rows"]}}},
                      {"spikes", spikes.to_json()["rows"]},
                      {"anomalies", anomalies.to_json()["rows"]}};
  // The terminal shows the summary; the per-day table (one row per day and type) is in CSV and
  // JSON output, and in the terminal with --daily.
  if (g.format == "table" && !o.daily) {
    months.notes.push_back("per-day spend by instance type: --daily, or --format csv|json");
    emit(g, {by_type, by_purchase, months, spikes, anomalies}, j);
  } else {
    emit(g, {daily, by_type, by_purchase, months, spikes, anomalies}, j);
  }
}

void run_bill(const GlobalOptions& g, const BillOptions& o) {
  if (o.inputs.size() == 1 && o.inputs[0].rfind("s3://", 0) == 0) return run_bill_s3(g, o, o.inputs[0]);
  if (!o.inputs.empty()) return run_bill_files(g, o);
  if (o.start.empty() || o.end.empty()) throw Error("--start and --end are required with --source cost-explorer");
  if (o.source != "cost-explorer") {
    throw Error(fmt::format("--source: only cost-explorer is supported so far, got '{}'", o.source));
  }
  check_date(o.start, "--start");
  check_date(o.end, "--end");
  if (o.end <= o.start) throw Error("--end: must be after --start (the end date is exclusive)");
  auto cat = Catalog::load(resolve_data_dir(g.data_dir));
  std::vector<std::string> types;
  for (const auto& it : cat.instances()) {
    if (it.accelerated()) types.push_back(it.name);
  }
  aws::SystemEnvironment env;
  auto cfg = aws::resolve_config(o.aws, env, /*region_required=*/false);
  aws::AwsClient ce(cfg, "ce");
  auto rows = aws::cost_by_instance_type(ce, o.start, o.end, types, o.metric);

  std::map<std::string, double> by_type;
  double total = 0;
  bool estimated = false;
  Table daily;
  daily.title = fmt::format("GPU/accelerator {} per day and instance type, {} to {} (Cost Explorer)", o.metric, o.start, o.end);
  daily.columns = {{"date", "date"}, {"instance_type", "instance type"}, {"cost_usd", "cost", true}, {"estimated", "estimated"}};
  for (const auto& r : rows) {
    if (r.amount == 0) continue;
    by_type[r.instance_type] += r.amount;
    total += r.amount;
    estimated |= r.estimated;
    daily.rows.push_back({Cell(r.date), Cell(r.instance_type), Cell(fmt::format("${:.2f}", r.amount), r.amount),
                          Cell(r.estimated ? "yes" : "", r.estimated)});
  }
  Table sum;
  sum.title = "Total by instance type";
  sum.columns = {{"instance_type", "instance type"}, {"cost_usd", "cost", true}, {"share", "share", true}};
  std::vector<std::pair<std::string, double>> sorted(by_type.begin(), by_type.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [t, v] : sorted) {
    sum.rows.push_back({Cell(t), Cell(fmt::format("${:.2f}", v), v), Cell(fmt::format("{:.1f}%", total > 0 ? 100 * v / total : 0), total > 0 ? v / total : 0)});
  }
  sum.notes.push_back(fmt::format("total ${:.2f}{}", total, estimated ? " (includes estimated days)" : ""));
  nlohmann::json j = {{"rows", daily.to_json()["rows"]}, {"by_instance_type", sum.to_json()["rows"]}, {"total_usd", total}};
  emit(g, {daily, sum}, j);
}

}  // namespace

void register_bill_synth(CLI::App* bill, GlobalOptions& g);  // cmd_bill_synth.cpp

void run_bill_demo(const GlobalOptions& g) {
  const TempDir tmp("frugal-demo-", "the demo bill");
  const std::string data_dir = resolve_data_dir(g.data_dir);
  const auto cat = Catalog::load(data_dir);
  billing::SynthOptions so;
  const std::string path = (tmp.path() / "synthetic-cur-seed42-60d.csv").string();
  std::ofstream out(path, std::ios::binary);
  const auto r = billing::synthesize_bill(cat, billing::load_synth_figures(data_dir), so, out);
  out.close();
  if (!out) throw Error(fmt::format("{}: write failed", path));
  for (const auto& i : r.incidents) std::cout << fmt::format("injected: {} from {} ({} day{}, +${:.2f})\n", i.what, i.date, i.days, i.days == 1 ? "" : "s", i.extra_usd);
  std::cout << "\n";
  BillOptions o;
  o.inputs = {path};
  run_bill_files(g, o);
}

void register_bill(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<BillOptions>();
  auto* b = app.add_subcommand("bill", "GPU spend from your bill (Cost Explorer; exports in S3)");
  b->add_option("inputs", o->inputs, "Bill files or folders (FOCUS / CUR CSV, gzip or not), or s3://bucket/prefix/");
  b->add_flag("--skip-bad-rows", o->skip_bad_rows, "Skip (and count) rows that do not parse instead of stopping");
  b->add_flag("--daily", o->daily, "Also print spend per day and instance type in the terminal");
  b->add_option("--bill-format", o->bill_format, "Read the files as this format instead of detecting it from the header")
      ->check(CLI::IsMember({"focus", "cur", "cur-athena", "cur2"}));
  b->add_option("--source", o->source, "cost-explorer");
  b->add_option("--start", o->start, "First day, YYYY-MM-DD");
  b->add_option("--end", o->end, "Day after the last, YYYY-MM-DD (exclusive, as Cost Explorer)");

  b->add_option("--metric", o->metric, "UnblendedCost, AmortizedCost, NetUnblendedCost, BlendedCost")
      ->check(CLI::IsMember({"UnblendedCost", "AmortizedCost", "NetUnblendedCost", "NetAmortizedCost", "BlendedCost"}));
  add_aws_options(b, o->aws);
  register_bill_synth(b, g);
  b->callback([&g, o, b] {
    if (b->get_subcommands().empty()) run_bill(g, *o);
  });
}

}  // namespace frugal::cli
