// `frugal catalog instances|models`: what the advisor knows.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <sstream>

#include "aws/client.h"
#include "aws/cloudwatch.h"
#include "aws/ec2.h"
#include "aws/environment.h"
#include "catalog/catalog.h"
#include "cli/aws_options.h"
#include "cli/common.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/output.h"
#include "core/units.h"

namespace frugal::cli {
namespace {

Cell opt_money(const std::optional<double>& v) {
  return v ? Cell(fmt::format("${:.4g}", *v), *v) : Cell("-", nullptr);
}

void run_instances(const GlobalOptions& g, bool all) {
  auto cat = Catalog::load(resolve_data_dir(g.data_dir), default_spot_cache());
  Table t;
  t.title = all ? "Accelerated instance types (us-east-1), usable or not" : "Accelerated instance types the advisor uses (us-east-1)";
  t.columns = {{"instance", "instance"},     {"accelerator", "accelerator"}, {"devices", "devices", true},
               {"memory_gib", "GiB/device", true}, {"on_demand", "on-demand $/h", true}, {"spot", "spot $/h", true},
               {"spot_interruption", "spot risk"},   {"sagemaker", "SageMaker $/h", true}, {"status", "status"}};
  for (const auto& it : cat.instances()) {
    if (!it.accelerated()) continue;
    const std::string why = it.unusable_reason();
    if (!all && !why.empty()) continue;
    t.rows.push_back({Cell(it.name), Cell(it.accelerator ? it.accelerator->id : it.gpu_name),
                      Cell(std::to_string(it.devices), it.devices),
                      Cell(fmt::format("{:.1f}", it.device_memory_gib), it.device_memory_gib), opt_money(it.on_demand_hourly),
                      opt_money(it.spot_hourly), Cell(it.spot_interruption), opt_money(it.sagemaker_hourly),
                      Cell(why.empty() ? "ok" : why)});
  }
  t.notes.push_back("devices: GPUs, or NeuronCores for Inferentia/Trainium. Sources: data/catalog/README.md");
  emit(g, {t}, t.to_json());
}

void run_models(const GlobalOptions& g) {
  auto cat = Catalog::load(resolve_data_dir(g.data_dir));
  Table t;
  t.title = "Models";
  t.columns = {{"name", "model"},   {"kind", "kind"},         {"params", "params", true}, {"active_params", "active", true},
               {"layers", "layers", true}, {"hidden", "hidden", true}, {"kv_heads", "KV heads", true},
               {"max_context", "context", true}, {"source", "source"}};
  for (const auto& m : cat.models()) {
    t.rows.push_back({Cell(m.name), Cell(to_string(m.kind)), Cell(human_count(m.params), m.params),
                      Cell(human_count(m.active_params), m.active_params), Cell(std::to_string(m.layers), m.layers),
                      Cell(std::to_string(m.hidden), m.hidden), Cell(std::to_string(m.kv_heads), m.kv_heads),
                      Cell(std::to_string(m.max_context), m.max_context),
                      Cell(m.source.size() > 60 ? m.source.substr(0, 57) + "..." : m.source, m.source)});
  }
  emit(g, {t}, t.to_json());
}

struct RefreshOptions {
  bool spot = false;
  std::string cache;
  int days = 1;
  aws::AwsOptions aws;
};

// DescribeSpotPriceHistory for every accelerated instance type the advisor can use, written
// atomically to the spot cache the advisor reads.
void run_refresh(const GlobalOptions& g, const RefreshOptions& o) {
  if (!o.spot) throw frugal::Error("catalog refresh: nothing to refresh (pass --spot)");
  const std::string dir = resolve_data_dir(g.data_dir);
  auto bundled = Catalog::load(dir);
  std::vector<std::string> types;
  for (const auto& it : bundled.instances()) {
    if (it.accelerated() && it.accelerator) types.push_back(it.name);
  }
  aws::SystemEnvironment env;
  auto cfg = aws::resolve_config(o.aws, env);
  aws::AwsClient ec2(cfg, "ec2");
  const std::time_t now = ec2.clock();
  auto prices = aws::describe_spot_price_history(ec2, types, now - static_cast<std::time_t>(o.days) * 86400);
  std::ostringstream csv;
  csv << "InstanceType,AvailabilityZone,SpotPrice,Timestamp,Region,source\n";
  const std::string source = fmt::format("EC2 DescribeSpotPriceHistory {} {}", cfg.region, aws::iso8601(now));
  for (const auto& p : prices) {
    csv << fmt::format("{},{},{:.6f},{},{},{}\n", p.instance_type, p.availability_zone, p.usd_per_hour,
                       aws::iso8601(p.timestamp), cfg.region, csv_escape(source));
  }
  const std::string path = o.cache.empty() ? default_spot_cache() : o.cache;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path().empty() ? "." : std::filesystem::path(path).parent_path());
  write_file_atomic(path, csv.str());
  Catalog refreshed = Catalog::load(dir, path);
  Table t;
  t.title = fmt::format("Spot prices refreshed from EC2 in {} ({} price points, {} instance types asked)", cfg.region,
                        prices.size(), types.size());
  t.columns = {{"instance", "instance"}, {"bundled_spot", "bundled $/h", true}, {"refreshed_spot", "refreshed $/h", true},
               {"on_demand", "on-demand $/h", true}};
  for (const auto& it : refreshed.instances()) {
    if (it.spot_source.rfind("EC2 DescribeSpotPriceHistory", 0) != 0) continue;
    const auto* old = bundled.find_instance(it.name);
    t.rows.push_back({Cell(it.name), opt_money(old ? old->spot_hourly : std::nullopt), opt_money(it.spot_hourly),
                      opt_money(it.on_demand_hourly)});
  }
  t.notes.push_back("written to " + path + "; frugal advise and catalog use it from now on (delete it to go back)");
  emit(g, {t}, t.to_json());
}

}  // namespace

void register_catalog(CLI::App& app, GlobalOptions& g) {
  auto* c = app.add_subcommand("catalog", "Show the instance types, prices and models frugal knows");
  c->require_subcommand(1);
  auto all = std::make_shared<bool>(false);
  auto* i = c->add_subcommand("instances", "Accelerated instance types with prices");
  i->add_flag("--all", *all, "Include types the advisor cannot use, with the reason");
  i->callback([&g, all] { run_instances(g, *all); });
  c->add_subcommand("models", "Model architectures")->callback([&g] { run_models(g); });
  auto r = std::make_shared<RefreshOptions>();
  auto* rf = c->add_subcommand("refresh", "Refresh prices from AWS (spot: EC2 DescribeSpotPriceHistory)");
  rf->add_flag("--spot", r->spot, "Refresh spot prices of the GPU/accelerator instance types");
  rf->add_option("--days", r->days, "History to read, in days")->check(CLI::Range(1, 90));
  rf->add_option("--cache", r->cache, "Cache file (default: ~/.cache/frugal/spot_prices.csv)");
  add_aws_options(rf, r->aws);
  rf->callback([&g, r] { run_refresh(g, *r); });
}

}  // namespace frugal::cli
