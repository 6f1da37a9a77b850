// `frugal bill --source cost-explorer`: GPU spend per day and instance type from Cost Explorer.
// (Bill files — FOCUS and CUR — are the billing issue's; this is the API source.)
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "aws/client.h"
#include "aws/cost_explorer.h"
#include "aws/s3.h"
#include "core/gzip.h"
#include "aws/environment.h"
#include "catalog/catalog.h"
#include "cli/aws_options.h"
#include "cli/common.h"
#include "core/data_dir.h"
#include "core/error.h"

namespace frugal::cli {
namespace {

struct BillOptions {
  std::string location;  // s3://bucket/prefix/
  std::string source = "cost-explorer", start, end, metric = "UnblendedCost";
  aws::AwsOptions aws;
};

void check_date(const std::string& d, const char* what) {
  int y, m, day;
  if (d.size() != 10 || std::sscanf(d.c_str(), "%4d-%2d-%2d", &y, &m, &day) != 3 || m < 1 || m > 12 || day < 1 || day > 31) {
    throw Error(fmt::format("{}: expected a date like 2025-09-01, got '{}'", what, d));
  }
}

// Lists the export objects under an S3 prefix and streams each one (gzip undone), checking that
// every object reads completely. The bill analysis of their rows comes with the billing readers.
void run_bill_s3(const GlobalOptions& g, const BillOptions& o) {
  const auto loc = aws::parse_s3_url(o.location);
  aws::SystemEnvironment env;
  auto cfg = aws::resolve_config(o.aws, env);
  aws::AwsClient client(cfg, "s3");
  aws::S3 s3(client);
  auto objects = s3.list(loc.bucket, loc.key);
  Table t;
  t.title = fmt::format("Billing export objects under s3://{}/{}", loc.bucket, loc.key);
  t.columns = {{"key", "key"}, {"bytes", "bytes", true}, {"uncompressed_bytes", "uncompressed", true}, {"lines", "lines", true}};
  long long total_lines = 0;
  for (const auto& obj : objects) {
    const bool gz = obj.key.size() > 3 && obj.key.compare(obj.key.size() - 3, 3, ".gz") == 0;
    const bool csv = obj.key.find(".csv") != std::string::npos;
    if (!csv) continue;  // manifests and other files
    long long bytes = 0, lines = 0;
    auto count = [&](std::string_view d) {
      bytes += static_cast<long long>(d.size());
      lines += std::count(d.begin(), d.end(), '\n');
    };
    const std::string name = fmt::format("s3://{}/{}", loc.bucket, obj.key);
    if (gz) {
      Gunzip gunzip(count, name);
      s3.get(loc.bucket, obj.key, [&](std::string_view d) { gunzip.feed(d); });
      gunzip.finish();
    } else {
      s3.get(loc.bucket, obj.key, count);
    }
    total_lines += lines;
    t.rows.push_back({Cell(obj.key), Cell(std::to_string(obj.size), obj.size), Cell(std::to_string(bytes), bytes),
                      Cell(std::to_string(lines), lines)});
  }
  t.notes.push_back(fmt::format("{} CSV objects, {} lines read; cost analysis of CUR/FOCUS rows comes with the billing readers",
                                t.rows.size(), total_lines));
  emit(g, {t}, t.to_json());
}

void run_bill(const GlobalOptions& g, const BillOptions& o) {
  if (!o.location.empty()) return run_bill_s3(g, o);
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

void register_bill(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<BillOptions>();
  auto* b = app.add_subcommand("bill", "GPU spend from your bill (Cost Explorer; exports in S3)");
  b->add_option("location", o->location, "s3://bucket/prefix/ of CUR/FOCUS exports (instead of --source)");
  b->add_option("--source", o->source, "cost-explorer");
  b->add_option("--start", o->start, "First day, YYYY-MM-DD");
  b->add_option("--end", o->end, "Day after the last, YYYY-MM-DD (exclusive, as Cost Explorer)");

  b->add_option("--metric", o->metric, "UnblendedCost, AmortizedCost, NetUnblendedCost, BlendedCost")
      ->check(CLI::IsMember({"UnblendedCost", "AmortizedCost", "NetUnblendedCost", "NetAmortizedCost", "BlendedCost"}));
  add_aws_options(b, o->aws);
  b->callback([&g, o] { run_bill(g, *o); });
}

}  // namespace frugal::cli
