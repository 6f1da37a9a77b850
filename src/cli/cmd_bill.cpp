// `frugal bill --source cost-explorer`: GPU spend per day and instance type from Cost Explorer.
// (Bill files — FOCUS and CUR — are the billing issue's; this is the API source.)
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <iostream>
#include <map>
#include <thread>

#include "aws/athena.h"
#include "aws/client.h"
#include "aws/cost_explorer.h"
#include "aws/s3.h"
#include "billing/aggregate.h"
#include "billing/bill_query.h"
#include "billing/inputs.h"
#include "billing/reader.h"
#include "billing/s3_inputs.h"
#include "billing/savings.h"
#include "billing/synth.h"
#include "billing/trend.h"
#include "core/data_dir.h"
#include "core/gzip.h"
#include "core/temp_dir.h"
#include "aws/environment.h"
#include "catalog/catalog.h"
#include "cli/aws_options.h"
#include "cli/bill_html.h"
#include "cli/bill_idle.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/toml_util.h"

namespace frugal::cli {
namespace {

struct BillOptions {
  std::vector<std::string> inputs;  // files, folders or s3://bucket/prefix/
  bool skip_bad_rows = false;
  bool daily = false;       // print the per-day table in the terminal too
  std::string bill_format;  // focus, cur, cur-athena, cur2; empty = detect from the header
  std::string tag;          // --tag KEY: spend by this tag's values
  std::string html;         // --html FILE: the self-contained report
  double commitment_discount_pct = -1;  // --commitment-discount; < 0 = not given
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::string> telemetry;  // --telemetry TYPE=HISTORY_DB
  bool by_resource = false;            // --by resource
  std::string database, table, workgroup, output_location, sql_dialect = "athena";  // --source athena
  bool print_sql = false;
  int top = 20;                        // --top: rows per breakdown (0: all)
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
void report_bill(const GlobalOptions& g, const BillOptions& o, const Catalog& cat, const std::vector<TelemetryHistory>& histories,
                 billing::GpuAggregator& agg, const std::vector<std::string>& formats, long long bad, const std::string& first_bad,
                 const std::vector<std::string>& files);

// Streams the CUR/FOCUS CSV objects under an S3 prefix to a private temporary folder (memory stays
// flat; gzip is undone by the reader) and analyses them exactly like local files.
// Inputs with s3:// exports: fetched into a private folder, then read like local files.
void run_bill_s3(const GlobalOptions& g, const BillOptions& o) {
  aws::SystemEnvironment env;
  const TempDir tmp("frugal-s3-", "the S3 download");
  BillOptions files = o;
  files.inputs = billing::localize_bill_inputs(o.inputs, tmp.path().string(), [&] { return aws::resolve_config(o.aws, env); });
  run_bill_files(g, files);
}

// Bill files (FOCUS / CUR, gzip or not) to GPU spend: one pass, exact sums.
void run_bill_files(const GlobalOptions& g, const BillOptions& o) {
  const std::vector<std::string> files = billing::expand_bill_inputs(o.inputs);
  if (files.empty()) throw Error("no bill files (CSV or Parquet) found in the inputs");
  auto cat = Catalog::load(resolve_data_dir(g.data_dir));
  const auto histories = open_telemetry_histories(o.telemetry, resolve_data_dir(g.data_dir));  // before the long read
  // One aggregator per reading thread; large uncompressed files are read in chunks on all of them.
  std::vector<billing::GpuAggregator> aggs(static_cast<std::size_t>(std::max(1, o.threads)), billing::GpuAggregator(cat));
  // Progress on a terminal: rows read, counted per reading thread and reported every 16k rows
  // (one shared counter per row would have the threads contend on it).
  TerminalProgress display("reading the bill, rows");
  std::atomic<long long> rows_read{0};
  std::string reading;
  std::vector<billing::LineSink> sinks;
  for (auto& a : aggs) {
    sinks.emplace_back([&a, &display, &rows_read, &reading, n = 0LL](const billing::LineItem& li) mutable {
      a.add(li);
      if ((++n & 0x3FFF) == 0 && display.enabled()) display.update(static_cast<double>(rows_read += 0x4000), 0, reading);
    });
  }
  billing::GpuAggregator& agg = aggs[0];
  billing::ReadOptions ro;
  ro.skip_bad_rows = o.skip_bad_rows;
  ro.tag_key = o.tag;
  if (o.bill_format == "focus") ro.force = billing::Format::kFocus;
  if (o.bill_format == "cur") ro.force = billing::Format::kCurLegacy;
  if (o.bill_format == "cur-athena") ro.force = billing::Format::kCurAthena;
  if (o.bill_format == "cur2") ro.force = billing::Format::kCur2;
  std::vector<std::string> formats;
  long long bad = 0;
  std::string first_bad;
  for (const auto& f : files) {
    reading = f == "-" ? billing::kStdinName : f;
    auto st = billing::read_bill_file_chunked(f, sinks, ro);
    formats.push_back(fmt::format("{} ({}, {} rows{})", f == "-" ? billing::kStdinName : f, billing::to_string(st.format), st.rows,
                                  st.split_rows ? fmt::format(", {} split cost allocation rows not summed: their parent instance lines carry the cost", st.split_rows) : ""));
    bad += st.bad_rows;
    if (first_bad.empty()) first_bad = st.first_bad;
  }
  for (std::size_t i = 1; i < aggs.size(); ++i) agg.merge(aggs[i]);
  report_bill(g, o, cat, histories, agg, formats, bad, first_bad, files);
}

// The analyses and the report of an aggregated bill, whatever engine aggregated it (the local
// readers, or Athena running the same groupings).
void report_bill(const GlobalOptions& g, const BillOptions& o, const Catalog& cat, const std::vector<TelemetryHistory>& histories,
                 billing::GpuAggregator& agg, const std::vector<std::string>& formats, long long bad, const std::string& first_bad,
                 const std::vector<std::string>& files) {
  // The result keeps the --top rows of each breakdown, and the instances histories are joined to.
  agg.set_top(static_cast<std::size_t>(o.top));
  for (const auto& h : histories) {
    if (!h.instance_id.empty()) agg.keep_resource(h.instance_id);
  }
  const billing::GpuSpend& s = agg.result();
  Table daily;
  daily.title = "GPU/accelerator spend per day and instance type";
  daily.columns = {{"date", "date"}, {"instance_type", "instance type"}, {"cost_usd", "cost", true}};
  for (const auto& [d, types] : s.by_day_type) {
    for (const auto& [t, v] : types) daily.rows.push_back({Cell(d), Cell(t), Cell(billing::format_usd(v), billing::to_usd(v))});
  }
  // A breakdown's largest keys (--top; 0: all), then one row for the rest, so a bill with a
  // million accounts prints a readable table; JSON and CSV get the same rows.
  auto share_rows = [&](const std::string& title, const std::string& key, const billing::Breakdown& b) {
    Table t;
    t.title = title;
    t.columns = {{key, key}, {"cost_usd", "cost", true}, {"share", "share", true}};
    auto share = [&](billing::Nanos c) { return s.gpu_cost ? static_cast<double>(c) / static_cast<double>(s.gpu_cost) : 0; };
    for (const auto& [k, c] : b.rows) {
      t.rows.push_back({Cell(k.empty() ? "(none)" : k), Cell(billing::format_usd(c), billing::to_usd(c)),
                        Cell(fmt::format("{:.1f}%", share(c) * 100), share(c))});
    }
    if (b.keys > b.rows.size()) {
      t.rows.push_back({Cell(fmt::format("({} others)", b.keys - b.rows.size())), Cell(billing::format_usd(b.others), billing::to_usd(b.others)),
                        Cell(fmt::format("{:.1f}%", share(b.others) * 100), share(b.others))});
      t.notes.push_back(fmt::format("{} {} values; the largest {} shown (--top)", b.keys, key, b.rows.size()));
    }
    return t;
  };
  auto share_table = [&](const std::string& title, const std::string& key, const std::map<std::string, billing::Nanos>& m) {
    billing::Breakdown b;
    b.rows.assign(m.begin(), m.end());
    std::sort(b.rows.begin(), b.rows.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    b.keys = b.rows.size();
    return share_rows(title, key, b);
  };
  const auto top = static_cast<std::size_t>(o.top);
  Table by_type = share_table("GPU spend by instance type", "instance_type", s.by_type);
  Table by_purchase = share_table("GPU spend by purchase option", "purchase_option", s.by_purchase);
  // Savings plan usage nets to ~0 unblended (covered usage + negation; the plan's fee has no
  // instance type), so the purchase table also shows the amortized cost.
  by_purchase.columns.push_back({"amortized_usd", "amortized", true});
  for (auto& row : by_purchase.rows) {
    const std::string key = row[0].text == "(none)" ? "" : row[0].text;
    const auto it = s.by_purchase_amortized.find(key);
    const billing::Nanos v = it == s.by_purchase_amortized.end() ? 0 : it->second;
    row.push_back(Cell(billing::format_usd(v), billing::to_usd(v)));
  }
  Table by_account = share_rows("GPU spend by account", "account", s.by_account);
  Table by_region = share_rows("GPU spend by region", "region", s.by_region);
  Table by_tag = share_rows(fmt::format("GPU spend by tag '{}'", o.tag), "tag_value", s.by_tag);
  // Per resource (instance id): the largest first, with what the bill says of each.
  Table by_resource;
  by_resource.title = "GPU spend by resource";
  by_resource.columns = {{"resource_id", "resource"}, {"instance_type", "instance type"}, {"account", "account"}, {"region", "region"}};
  if (!o.tag.empty()) by_resource.columns.push_back({"tag_value", o.tag});
  for (const auto& c : std::vector<Column>{{"hours", "hours", true}, {"cost_usd", "cost", true}, {"amortized_usd", "amortized", true},
                                           {"share", "share", true}, {"first_day", "from"}, {"last_day", "to"}}) {
    by_resource.columns.push_back(c);
  }
  for (std::size_t i = 0; i < s.by_resource.size() && (top == 0 || i < top); ++i) {
    const auto& r = s.by_resource[i];
    const double sh = s.gpu_cost ? static_cast<double>(r.cost) / static_cast<double>(s.gpu_cost) : 0;
    std::vector<Cell> row = {Cell(r.id), Cell(r.instance_type), Cell(r.account), Cell(r.region)};
    if (!o.tag.empty()) row.push_back(Cell(r.tag.empty() ? "(none)" : r.tag));
    for (auto&& c : {Cell(fmt::format("{:.0f}", r.hours), r.hours), Cell(billing::format_usd(r.cost), billing::to_usd(r.cost)),
                     Cell(billing::format_usd(r.amortized), billing::to_usd(r.amortized)), Cell(fmt::format("{:.1f}%", sh * 100), sh),
                     Cell(r.first_date), Cell(r.last_date)}) {
      row.push_back(c);
    }
    by_resource.rows.push_back(std::move(row));
  }
  if (top && s.resources > top) by_resource.notes.push_back(fmt::format("{} resources with GPU spend; the largest {} shown (--top)", s.resources, top));
  if (s.by_resource.empty()) by_resource.notes.push_back("no GPU line carries a resource id (CUR: include resource IDs in the export)");
  by_purchase.notes.push_back(fmt::format("bill total {}; GPU/accelerator {} unblended, {} amortized, {} of {} lines",
                                          billing::format_usd(s.total_cost), billing::format_usd(s.gpu_cost),
                                          billing::format_usd(s.gpu_amortized), s.gpu_lines, s.lines));
  for (const auto& f : formats) by_purchase.notes.push_back("read " + f);
  bool synthetic = false;
  for (const auto& f : files) {
    if (std::filesystem::path(f).filename().string().rfind("synthetic-", 0) == 0) {
      by_purchase.notes.push_back("SYNTHETIC BILL: " + f + " was made by `frugal bill synth`; its figures are invented");
      synthetic = true;
      break;
    }
  }
  if (bad) by_purchase.notes.push_back(fmt::format("skipped {} bad rows (first: {})", bad, first_bad));
  // Dollars from the analyses (doubles) printed like the exact sums: "$1,234.57".
  auto usd = [](double v) { return billing::format_usd(billing::from_usd(v)); };
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
  // Commitments and opportunities.
  billing::SavingsOptions so;
  if (o.commitment_discount_pct >= 0) so.commitment_discount = o.commitment_discount_pct / 100.0;
  const AgentHistoryIdle idle(histories, resolve_data_dir(g.data_dir));
  const auto savings = billing::analyze_savings(s, cat, billing::load_commitment_rates(resolve_data_dir(g.data_dir)), so,
                                                histories.empty() ? nullptr : &idle);
  Table coverage;
  coverage.title = "Commitment coverage of GPU instance hours";
  coverage.columns = {{"instance_type", "instance type"}, {"on_demand_hours", "on-demand h", true},
                      {"savings_plan_hours", "savings plan h", true}, {"reserved_hours", "reserved h", true},
                      {"spot_hours", "spot h", true}, {"coverage", "coverage", true}};
  auto hours = [](double h) { return Cell(fmt::format("{:.0f}", h), h); };
  for (const auto& c : savings.coverage) {
    coverage.rows.push_back({Cell(c.instance_type), hours(c.on_demand_hours), hours(c.savings_plan_hours), hours(c.reserved_hours),
                             hours(c.spot_hours), Cell(fmt::format("{:.1f}%", c.coverage * 100), c.coverage)});
  }
  coverage.notes.push_back("coverage = (savings plan + reserved hours) / (those + on-demand hours); spot is not counted, as in AWS's reports");
  for (const auto& u : savings.utilization) {
    coverage.notes.push_back(fmt::format("{} utilization {:.1f}%: {} committed, {} unused (commitment-wide, not only GPUs)", u.kind,
                                         u.utilization * 100, billing::format_usd(u.total), billing::format_usd(u.unused)));
  }
  if (savings.coverage.empty()) coverage.notes.push_back("no GPU instance hours in the bill");
  Table opps;
  opps.title = "Opportunities (over the bill's period)";
  opps.columns = {{"kind", "kind"}, {"instance_type", "instance type"}, {"resource_id", "instance"}, {"hours", "hours", true}, {"current_usd", "now", true},
                  {"saving_usd", "saving", true}, {"discount", "discount", true}, {"assumption", "assumes"}, {"source", "rate from"}};
  for (const auto& op : savings.opportunities) {
    opps.rows.push_back({Cell(op.kind), Cell(op.instance_type), Cell(op.resource.empty() ? "-" : op.resource), hours(op.hours), Cell(usd(op.current_usd), op.current_usd),
                         op.saving_usd ? Cell(usd(*op.saving_usd), *op.saving_usd) : Cell("unknown", nullptr),
                         op.saving_usd ? Cell(fmt::format("{:.0f}%", op.discount * 100), op.discount) : Cell("-", nullptr),
                         Cell(op.assumption), Cell(op.source)});
  }
  // The instance column only when a history was joined by instance id.
  if (std::none_of(savings.opportunities.begin(), savings.opportunities.end(), [](const auto& op) { return !op.resource.empty(); })) {
    opps.columns.erase(opps.columns.begin() + 2);
    for (auto& row : opps.rows) row.erase(row.begin() + 2);
  }
  opps.notes = savings.notes;
  opps.notes.push_back(fmt::format("best per instance type: {} over the bill's period", usd(savings.best_saving_usd)));

  nlohmann::json days = nlohmann::json::array();
  for (const auto& d : trend.days) days.push_back({{"date", d.date}, {"cost_usd", d.cost}, {"moving_average_7d_usd", d.moving_average_7d}});

  nlohmann::json j = {{"total_usd", billing::to_usd(s.total_cost)},
                      {"gpu_usd", billing::to_usd(s.gpu_cost)},
                      {"gpu_amortized_usd", billing::to_usd(s.gpu_amortized)},
                      {"lines", s.lines},
                      {"gpu_lines", s.gpu_lines},
                      {"bad_rows", bad},
                      {"synthetic", synthetic},
                      {"daily", daily.to_json()["rows"]},
                      {"by_instance_type", by_type.to_json()["rows"]},
                      {"by_purchase_option", by_purchase.to_json()["rows"]},
                      {"by_account", by_account.to_json()["rows"]},
                      {"by_region", by_region.to_json()["rows"]},
                      {"trend", {{"daily_average_usd", trend.daily_average}, {"days", days}, {"months", months.to_json()["rows"]}}},
                      {"spikes", spikes.to_json()["rows"]},
                      {"anomalies", anomalies.to_json()["rows"]},
                      {"coverage", coverage.to_json()["rows"]},
                      {"commitment_utilization", nlohmann::json::array()},
                      {"opportunities", opps.to_json()["rows"]},
                      {"best_saving_usd", savings.best_saving_usd}};
  for (const auto& u : savings.utilization) {
    j["commitment_utilization"].push_back({{"kind", u.kind}, {"total_usd", billing::to_usd(u.total)},
                                           {"unused_usd", billing::to_usd(u.unused)}, {"utilization", u.utilization}});
  }
  if (!o.tag.empty()) j["by_tag"] = by_tag.to_json()["rows"];
  if (o.by_resource) j["by_resource"] = by_resource.to_json()["rows"];
  // The HTML report is written (atomically) before anything is printed, and only after every
  // input has been read, so a bad input never leaves a report behind.
  if (!o.html.empty()) {
    write_file_atomic(o.html, bill_html({s, trend, savings, formats, synthetic}));
    opps.notes.push_back("HTML report: " + o.html);
  }
  // The terminal shows the summary; the per-day table (one row per day and type) is in CSV and
  // JSON output, and in the terminal with --daily. Account and region tables appear when the bill
  // has more than one of them.
  std::vector<Table> tables;
  if (g.format != "table" || o.daily) tables.push_back(daily);
  else months.notes.push_back("per-day spend by instance type: --daily, or --format csv|json");
  tables.push_back(by_type);
  tables.push_back(by_purchase);
  if (s.by_account.size() > 1) tables.push_back(by_account);
  if (s.by_region.size() > 1) tables.push_back(by_region);
  if (!o.tag.empty()) tables.push_back(by_tag);
  if (o.by_resource) tables.push_back(by_resource);
  for (auto* t : {&months, &spikes, &anomalies, &coverage, &opps}) tables.push_back(*t);
  emit(g, tables, j);
}

// `--source athena`: the groupings of billing/bill_query.h as one SQL query over a CUR 2.0 table in
// Athena; its result rows go into the same aggregator as local lines, then the same report.
void run_bill_athena(const GlobalOptions& g, const BillOptions& o) {
  const std::string data_dir = resolve_data_dir(g.data_dir);
  auto cat = Catalog::load(data_dir);
  const auto histories = open_telemetry_histories(o.telemetry, data_dir);  // before the query runs
  billing::GpuAggregator agg(cat);
  billing::BillSqlOptions so;
  if (o.table.empty()) throw Error("--source athena: --table is required (the CUR 2.0 table, e.g. --database cur --table data)");
  so.table = o.table;
  so.tag_key = o.tag;
  if (o.bill_format == "cur-athena") so.schema = billing::Format::kCurAthena;
  else if (o.bill_format == "focus") so.schema = billing::Format::kFocus;
  else if (!o.bill_format.empty() && o.bill_format != "cur2") throw Error("--source athena: --bill-format cur2 (default), cur-athena or focus");
  so.start = o.start;
  so.end = o.end;
  if (!so.start.empty()) check_date(so.start, "--start");
  if (!so.end.empty()) check_date(so.end, "--end");
  so.gpu_families.assign(agg.families().begin(), agg.families().end());
  const auto dialect = o.sql_dialect == "duckdb" ? billing::SqlDialect::kDuckDb : billing::SqlDialect::kAthena;
  const std::string sql = billing::bill_sql(so, dialect);
  if (o.print_sql) {
    std::cout << sql;
    return;
  }
  if (dialect != billing::SqlDialect::kAthena) throw Error("--sql-dialect duckdb: only with --print-sql (Athena runs the athena dialect)");
  aws::SystemEnvironment env;
  aws::AwsClient athena(aws::resolve_config(o.aws, env), "athena");
  aws::AthenaRequest req;
  req.query = sql;
  req.database = o.database;
  req.workgroup = o.workgroup;
  req.output_location = o.output_location;
  long long n = 0;
  std::optional<TerminalProgress> display(std::in_place, "Athena query, seconds");
  const auto st = aws::run_athena_query(
      athena, req,
      [&](const std::vector<std::string>& columns, const std::vector<std::optional<std::string>>& row) {
        billing::add_query_row(agg, columns, row, ++n);
      },
      [&](const std::string& state, double seconds) {
        if (display->enabled()) display->update(seconds, 0, state);
      });
  display.reset();  // the progress line is cleared before the report
  const toml::table price = load_toml_file(data_dir + "/billing/athena.toml");
  const double per_tb = require_number(price, "usd_per_tb_scanned", data_dir + "/billing/athena.toml");
  const double min_mb = require_number(price, "minimum_mb_per_query", data_dir + "/billing/athena.toml");
  const double billed_mb = std::max(min_mb, std::ceil(static_cast<double>(st.data_scanned_bytes) / 1e6));
  const std::string from = fmt::format("Athena query {} over {}{} ({} result rows in {} page{}; {:.1f} MB scanned, about ${:.4f} at ${:g}/TB)",
                                       st.execution_id, o.database.empty() ? "" : o.database + ".", o.table, st.rows, st.pages,
                                       st.pages == 1 ? "" : "s",
                                       static_cast<double>(st.data_scanned_bytes) / 1e6, billed_mb / 1e6 * per_tb, per_tb);
  report_bill(g, o, cat, histories, agg, {from}, 0, "", {});
}

void run_bill(const GlobalOptions& g, const BillOptions& o) {
  if (o.source == "athena") {
    if (!o.inputs.empty()) throw Error("--source athena reads the table named by --database and --table, not files: drop the file arguments");
    return run_bill_athena(g, o);
  }
  if (std::any_of(o.inputs.begin(), o.inputs.end(), [](const std::string& i) { return i.rfind("s3://", 0) == 0; })) return run_bill_s3(g, o);
  if (!o.inputs.empty()) return run_bill_files(g, o);
  if (o.start.empty() || o.end.empty()) throw Error("--start and --end are required with --source cost-explorer");
  if (o.source != "cost-explorer") {
    throw Error(fmt::format("--source: expected cost-explorer or athena, got '{}'", o.source));
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
  o.tag = "team";
  run_bill_files(g, o);
}

void register_bill(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<BillOptions>();
  auto* b = app.add_subcommand("bill", "GPU spend from your bill (Cost Explorer; exports in S3)");
  b->add_option("inputs", o->inputs,
                "Bill files, folders, globs or CUR manifests (FOCUS / CUR CSV, gzip or not), or s3://bucket/prefix/ "
                "or s3://bucket/...Manifest.json, or - for standard input");
  b->add_flag("--skip-bad-rows", o->skip_bad_rows, "Skip (and count) rows that do not parse instead of stopping");
  b->add_flag("--daily", o->daily, "Also print spend per day and instance type in the terminal");
  b->add_option("--bill-format", o->bill_format, "Read the files as this format instead of detecting it from the header")
      ->check(CLI::IsMember({"focus", "cur", "cur-athena", "cur2"}));
  b->add_option("--tag", o->tag, "Also show GPU spend by this cost-allocation tag's values (e.g. team)");
  b->add_option_function<std::string>(
       "--by", [o](const std::string& v) { o->by_resource = v == "resource"; },
       "resource: also list the resources (instance ids) with the most GPU spend, with type, account, tag, hours and cost")
      ->check(CLI::IsMember({"resource"}));
  b->add_option("--top", o->top, "Rows per breakdown (accounts, regions, tag values, resources; default 20, 0 for all)")
      ->check(CLI::Range(0, 100000000));
  b->add_option("--html", o->html, "Write a self-contained HTML report (charts) to this file");
  b->add_option("--commitment-discount", o->commitment_discount_pct,
                "Savings Plan discount in % to price commitments for types without a published rate or plan usage in the bill")
      ->check(CLI::Range(0.0, 95.0));
  b->add_option("--telemetry", o->telemetry,
                "HISTORY_DB: idle GPU dollars measured by `frugal agent` on an instance, joined to the bill by its instance id "
                "and priced at what the bill charged for it; or INSTANCE_TYPE=HISTORY_DB (repeatable)");
  b->add_option("--threads", o->threads, "Threads reading large uncompressed files (default: one per core)")
      ->check(CLI::Range(1, 256));
  b->add_option("--source", o->source, "cost-explorer, or athena (the CUR 2.0 table named by --database and --table)")
      ->check(CLI::IsMember({"cost-explorer", "athena"}));
  b->add_option("--database", o->database, "athena: the Glue database of the CUR 2.0 (or --bill-format cur-athena, focus) table");
  b->add_option("--table", o->table, "athena: the CUR 2.0 table (with --print-sql, any table expression)");
  b->add_option("--workgroup", o->workgroup, "athena: the workgroup (default: primary)");
  b->add_option("--output-location", o->output_location, "athena: s3:// location for query results (default: the workgroup's)");
  b->add_flag("--print-sql", o->print_sql, "athena: print the query instead of running it");
  b->add_option("--sql-dialect", o->sql_dialect, "athena (default), or duckdb to check the query in DuckDB (with --print-sql)")
      ->check(CLI::IsMember({"athena", "duckdb"}));
  b->add_option("--start", o->start, "First day, YYYY-MM-DD (cost-explorer; athena: optional)");
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
