// `frugal catalog instances|models`: what the advisor knows.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "aws/client.h"
#include "aws/cloudwatch.h"
#include "aws/ec2.h"
#include "aws/environment.h"
#include "catalog/catalog.h"
#include "cli/catalog_open.h"
#include "cli/aws_options.h"
#include "pricing/live_rates.h"
#include "pricing/spot_refresh.h"
#include "cli/common.h"
#include "core/data_dir.h"
#include "core/csv.h"
#include "core/error.h"
#include "core/output.h"
#include "core/suggest.h"
#include "core/units.h"

namespace frugal::cli {
namespace {

Cell opt_money(const std::optional<double>& v) {
  return v ? Cell(fmt::format("${:.4g}", *v), *v) : Cell("-", nullptr);
}
Cell opt_rate(const std::optional<Rate>& r) { return opt_money(rate_of(r)); }
Cell opt_ri(const RegionPrices& p, int years, const std::string& payment) {
  const ReservedRate* r = p.find_reserved(years, "standard", payment);
  return r ? opt_money(r->rate.usd_per_hour) : Cell("-", nullptr);
}

// "median 4 AZs", "region avg", or why unknown, for the spot basis column.
std::string spot_basis(const RegionPrices& p) {
  if (p.spot) {
    if (!p.spot_by_az.empty()) return fmt::format("median of {} AZ{}", p.spot_by_az.size(), p.spot_by_az.size() > 1 ? "s" : "");
    return "region average";
  }
  return p.spot_unknown_reason.empty() ? "" : p.spot_unknown_reason;
}

struct InstancesOptions {
  bool all = false;
  std::string region, profile;
};

void run_instances(const GlobalOptions& g, const InstancesOptions& o) {
  auto cat = open_catalog(resolve_data_dir(g.data_dir));
  const auto pr = pricing_regions(o.region, o.profile, cat);
  const bool many = pr.regions.size() > 1;
  Table t;
  t.title = fmt::format("{} ({}){}", o.all ? "Accelerated instance types, usable or not" : "Accelerated instance types the advisor uses",
                        many ? fmt::format("{} regions", pr.regions.size()) : pr.regions[0],
                        many || pr.from == "--region" ? "" : pr.from.rfind("default", 0) == 0 ? ", " + pr.from : ", region from " + pr.from);
  t.columns = {{"instance", "instance"},
               {"accelerator", "accelerator"},
               {"devices", "devices", true},
               {"memory_gib", "GiB/device", true},
               {"on_demand", "on-demand $/h", true},
               {"spot", "spot $/h", true},
               {"spot_basis", "spot basis"},
               {"spot_interruption", "spot risk"},
               {"ri_1y", "RI 1y $/h", true},
               {"ri_3y", "RI 3y $/h", true},
               {"capacity_block", "CB $/h", true},
               {"sagemaker", "SageMaker $/h", true},
               {"status", "status"}};
  if (many) t.columns.insert(t.columns.begin() + 1, Column{"region", "region"});
  std::set<std::string> sources;
  for (const auto& region : pr.regions) {
    cat.select_region(region);
    for (const auto& it : cat.instances()) {
      if (!it.accelerated()) continue;
      const std::string why = it.unusable_reason(region);
      if (!o.all && !why.empty()) continue;
      const RegionPrices& p = *it.prices;
      std::vector<Cell> row{Cell(it.name), Cell(it.accelerator ? it.accelerator->id : it.gpu_name),
                            Cell(std::to_string(it.devices), it.devices),
                            Cell(fmt::format("{:.1f}", it.device_memory_gib), it.device_memory_gib), opt_rate(p.on_demand),
                            opt_rate(p.spot), Cell(spot_basis(p)), Cell(p.spot_interruption), opt_ri(p, 1, "no-upfront"),
                            opt_ri(p, 3, "no-upfront"), opt_rate(p.capacity_block), opt_rate(p.sagemaker),
                            Cell(why.empty() ? "ok" : why)};
      if (many) row.insert(row.begin() + 1, Cell(region));
      t.rows.push_back(std::move(row));
      for (const std::optional<Rate>* r : {&p.on_demand, &p.spot, &p.capacity_block, &p.sagemaker}) {
        if (*r) sources.insert(fmt::format("{}: {} ({})", (*r)->label.substr(0, (*r)->label.find(" (")), (*r)->source, (*r)->as_of));
      }
      if (!p.reserved.empty()) {
        sources.insert(fmt::format("Reserved Instances: {} ({})", p.reserved[0].rate.source, p.reserved[0].rate.as_of));
      }
    }
  }
  t.notes.push_back("devices: GPUs, or NeuronCores for Inferentia/Trainium. RI: Standard, no upfront, effective hourly. "
                    "Spot: standard AZs only (Local and Wavelength zones, blank, == on-demand and 10%-floor rows are unknown).");
  for (const auto& src : sources) t.notes.push_back("Source " + src);
  if (!cat.spot_cache_note.empty()) t.notes.push_back("Refreshed " + cat.spot_cache_note);
  t.notes.push_back("frugal catalog prices --instance TYPE shows every rate of one type; data/catalog/README.md the sources.");
  emit(g, {t}, t.to_json());
}

struct PricesOptions {
  std::string instance, region, profile;
};

// Every rate of one instance type in the chosen region(s), each with its label, source and date.
void run_prices(const GlobalOptions& g, const PricesOptions& o) {
  auto cat = open_catalog(resolve_data_dir(g.data_dir));
  const InstanceType* it = cat.find_instance(o.instance);
  if (!it) {
    std::vector<std::string> names;
    for (const auto& i : cat.instances()) names.push_back(i.name);
    throw Error(fmt::format("--instance: unknown instance type '{}'{}", o.instance, did_you_mean(o.instance, names)));
  }
  const auto pr = pricing_regions(o.region, o.profile, cat);
  Table t;
  t.title = fmt::format("Prices of {} ({})", it->name, pr.regions.size() > 1 ? fmt::format("{} regions", pr.regions.size()) : pr.regions[0]);
  t.columns = {{"region", "region"}, {"rate", "rate"}, {"usd_per_hour", "$/h", true}, {"vs_on_demand", "vs on-demand", true},
               {"as_of", "as of"}, {"source", "source"}};
  for (const auto& region : pr.regions) {
    cat.select_region(region);
    const RegionPrices& p = *it->prices;
    const auto od = rate_of(p.on_demand);
    auto add = [&](const Rate& r) {
      Cell vs = od ? Cell(fmt::format("{:+.0f}%", (r.usd_per_hour / *od - 1) * 100), r.usd_per_hour / *od) : Cell("", nullptr);
      // The table shows the first clause of the source and date; JSON and CSV carry them whole.
      auto clause = [](const std::string& x, std::size_t n) {
        std::string c = x.substr(0, x.find_first_of(";("));
        while (!c.empty() && c.back() == ' ') c.pop_back();
        return c.size() > n ? c.substr(0, n - 3) + "..." : c;
      };
      t.rows.push_back({Cell(region), Cell(r.label), Cell(fmt::format("${:.4f}", r.usd_per_hour), r.usd_per_hour), vs,
                        Cell(clause(r.as_of, 30), r.as_of), Cell(clause(r.source, 70), r.source)});
    };
    if (p.on_demand) add(*p.on_demand);
    if (p.spot) add(*p.spot);
    else if (!p.spot_unknown_reason.empty()) {
      t.rows.push_back({Cell(region), Cell("spot"), Cell("unknown", nullptr), Cell("", nullptr), Cell(""), Cell(p.spot_unknown_reason)});
    }
    for (const auto& [az, price] : p.spot_by_az) add(Rate{price, "spot in " + az, p.spot->as_of, p.spot->source});
    for (const auto& r : p.reserved) add(r.rate);
    for (const auto& r : p.savings_plans) add(r.rate);
    if (p.capacity_block) add(*p.capacity_block);
    if (p.sagemaker) add(*p.sagemaker);
  }
  if (!it->spot_interruption().empty()) t.notes.push_back("Spot Advisor interruption frequency: " + it->spot_interruption());
  t.notes.push_back("RI and Savings Plan rates are effective hourly (upfront spread over the term).");
  emit(g, {t}, t.to_json());
}

void run_regions(const GlobalOptions& g) {
  auto cat = open_catalog(resolve_data_dir(g.data_dir));
  Table t;
  t.title = "Regions";
  t.columns = {{"region", "region"}, {"name", "name"}, {"kind", "kind"}, {"priced_types", "priced accelerated types", true}};
  for (const auto& r : cat.price_book().regions()) {
    if (r.kind != "commercial") continue;
    cat.select_region(r.code);
    int n = 0;
    for (const auto& it : cat.instances()) n += it.accelerated() && it.unusable_reason(r.code).empty();
    t.rows.push_back({Cell(r.code), Cell(r.name), Cell(r.kind), Cell(std::to_string(n), n)});
  }
  emit(g, {t}, t.to_json());
}

void run_models(const GlobalOptions& g) {
  auto cat = open_catalog(resolve_data_dir(g.data_dir));
  Table t;
  t.title = "Models";
  t.columns = {{"name", "model"},   {"kind", "kind"},         {"params", "params", true}, {"active_params", "active", true},
               {"layers", "layers", true}, {"hidden", "hidden", true}, {"kv_heads", "KV heads", true},
               {"max_context", "context", true}, {"aliases", "aliases"}, {"source", "source"}};
  for (const auto& m : cat.models()) {
    std::string aliases;
    for (const auto& a : m.aliases) aliases += (aliases.empty() ? "" : ", ") + a;
    t.rows.push_back({Cell(m.name), Cell(to_string(m.kind)), Cell(human_count(m.params), m.params),
                      Cell(human_count(m.active_params), m.active_params), Cell(std::to_string(m.layers), m.layers),
                      Cell(std::to_string(m.hidden), m.hidden), Cell(std::to_string(m.kv_heads), m.kv_heads),
                      Cell(std::to_string(m.max_context), m.max_context), Cell(aliases, m.aliases),
                      Cell(m.source.size() > 60 ? m.source.substr(0, 57) + "..." : m.source, m.source)});
  }
  t.notes.push_back("Hugging Face ids (org/name) match by their name; frugal catalog add-model config.json adds a model.");
  emit(g, {t}, t.to_json());
}

struct RefreshOptions {
  bool spot = false, prices = false, savings_plans = false;
  std::string cache, price_cache;
  int days = 1;
  aws::AwsOptions aws;
};

// Live spot prices for the region of the AWS options, checked, then written atomically to the
// spot cache the advisor and catalog read. Nothing is written when a sanity check fails.
// Live on-demand/RI (Price List API) and Savings Plans rates for the region of the AWS options,
// checked, then merged into the price cache (rows of other regions kept). Nothing is written when
// a sanity check fails.
void run_live_refresh(const GlobalOptions& g, const RefreshOptions& o) {
  const std::string dir = resolve_data_dir(g.data_dir);
  auto bundled = Catalog::load(dir);
  aws::SystemEnvironment env;
  auto cfg = aws::resolve_config(o.aws, env);
  bundled.select_region(cfg.region);
  const Region* region = bundled.price_book().find_region(cfg.region);
  std::vector<std::string> types;
  for (const auto& it : bundled.instances()) {
    if (it.accelerated() && it.accelerator) types.push_back(it.name);
  }
  std::vector<pricing::LiveRate> rates;
  if (o.prices) {
    aws::AwsClient api(cfg, "pricing");
    auto r = pricing::fetch_price_list(api, cfg.region, region->name, types);
    rates.insert(rates.end(), r.begin(), r.end());
  }
  if (o.savings_plans) {
    aws::AwsClient api(cfg, "savingsplans");
    auto r = pricing::fetch_savings_plans(api, cfg.region, types);
    const std::string today = aws::iso8601(api.clock()).substr(0, 10);
    for (auto& x : r) x.as_of = today;  // the API gives no date: the rate is as of the call
    rates.insert(rates.end(), r.begin(), r.end());
  }
  const auto bad = pricing::check_rates(rates, bundled);
  if (!bad.empty()) throw frugal::Error("catalog refresh: " + pricing::refusal("price cache", bad));
  if (rates.empty()) throw frugal::Error(fmt::format("catalog refresh: the APIs returned no rate for {}; the cache is unchanged", cfg.region));
  const std::string path = o.price_cache.empty() ? default_price_cache() : o.price_cache;
  std::string csv = pricing::rates_csv(rates);
  if (std::filesystem::exists(path)) {  // keep other regions' rows
    auto old = CsvTable::load(path);
    old.require_columns({"region"});
    std::istringstream in(csv);
    std::ifstream prev(path);
    std::string header, line;
    std::getline(prev, header);
    for (std::size_t i = 0; std::getline(prev, line) && i < old.size(); ++i) {
      if (old.row(i).get("region") != cfg.region) csv += line + "\n";
    }
  }
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  write_file_atomic(path, csv);
  Table t;
  t.title = fmt::format("Live rates for {} written to {}", cfg.region, path);
  t.columns = {{"instance", "instance"}, {"rate", "rate"}, {"usd_per_hour", "$/h", true}, {"bundled", "bundled $/h", true}};
  for (const auto& r : rates) {
    const InstanceType* it = bundled.find_instance(r.instance_type);
    std::optional<double> before;
    std::string label = r.kind;
    if (r.kind == "on-demand" && it) before = it->on_demand_hourly();
    if (r.kind == "ri") {
      label = fmt::format("RI {}y {} {}", r.years, r.offering_class, r.payment);
      if (it) {
        if (const auto* x = it->prices->find_reserved(r.years, r.offering_class, r.payment)) before = x->rate.usd_per_hour;
      }
    }
    if (r.kind == "sp") label = fmt::format("Savings Plan {}y {} {}", r.years, r.plan_type, r.payment);
    t.rows.push_back({Cell(r.instance_type), Cell(label), Cell(fmt::format("${:.4f}", r.usd_per_hour), r.usd_per_hour),
                      opt_money(before)});
  }
  t.notes.push_back(fmt::format("{} rates; frugal advise and catalog use them from now on (delete {} to go back)", rates.size(), path));
  emit(g, {t}, t.to_json());
}

void run_refresh(const GlobalOptions& g, const RefreshOptions& o) {
  if (!o.spot && !o.prices && !o.savings_plans) {
    throw frugal::Error("catalog refresh: nothing to refresh (pass --spot, --prices or --savings-plans)");
  }
  if (o.prices || o.savings_plans) run_live_refresh(g, o);
  if (!o.spot) return;
  const std::string dir = resolve_data_dir(g.data_dir);
  auto bundled = Catalog::load(dir);
  aws::SystemEnvironment env;
  auto cfg = aws::resolve_config(o.aws, env);
  bundled.select_region(cfg.region);
  aws::AwsClient ec2(cfg, "ec2");
  const auto r = pricing::refresh_spot(ec2, bundled, cfg.region, o.days, ec2.clock());
  if (!r.refused.empty()) throw frugal::Error("catalog refresh --spot: " + pricing::refusal("cache", r.refused));
  const std::string path = o.cache.empty() ? default_spot_cache() : o.cache;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  write_file_atomic(path, r.cache_csv);
  Catalog refreshed = Catalog::load(dir, Catalog::Extra::spot(path));
  refreshed.select_region(cfg.region);
  Table t;
  t.title = fmt::format("Spot prices refreshed from EC2 in {} ({} price points, {} instance types asked)", cfg.region,
                        r.price_points, r.types_asked);
  t.columns = {{"instance", "instance"}, {"bundled_spot", "bundled $/h", true}, {"refreshed_spot", "refreshed $/h", true},
               {"basis", "basis"}, {"on_demand", "on-demand $/h", true}};
  for (const auto& it : refreshed.instances()) {
    if (!it.prices->spot || it.prices->spot->source.rfind("EC2 DescribeSpotPriceHistory", 0) != 0) continue;
    const auto* old = bundled.find_instance(it.name);
    t.rows.push_back({Cell(it.name), opt_money(old ? old->spot_hourly() : std::nullopt), opt_money(it.spot_hourly()),
                      Cell(it.prices->spot->label), opt_money(it.on_demand_hourly())});
  }
  t.notes.push_back("written to " + path + "; frugal advise and catalog use it from now on (delete it to go back)");
  emit(g, {t}, t.to_json());
}

}  // namespace

void register_catalog(CLI::App& app, GlobalOptions& g) {
  auto* c = app.add_subcommand("catalog", "Show the instance types, prices and models frugal knows");
  c->require_subcommand(1);
  auto io = std::make_shared<InstancesOptions>();
  auto* i = c->add_subcommand("instances", "Accelerated instance types with prices");
  i->add_flag("--all", io->all, "Include types the advisor cannot use, with the reason");
  i->add_option("--region", io->region, "Region, comma-separated list or 'all' (default: the AWS conventions, else us-east-1)");
  i->add_option("--profile", io->profile, "AWS profile whose region to use");
  i->callback([&g, io] { run_instances(g, *io); });
  auto po = std::make_shared<PricesOptions>();
  auto* pc = c->add_subcommand("prices", "Every rate of one instance type, with its source and date");
  pc->add_option("--instance", po->instance, "Instance type, e.g. p5.48xlarge")->required();
  pc->add_option("--region", po->region, "Region, comma-separated list or 'all'");
  pc->add_option("--profile", po->profile, "AWS profile whose region to use");
  pc->callback([&g, po] { run_prices(g, *po); });
  c->add_subcommand("regions", "Regions frugal has prices for")->callback([&g] { run_regions(g); });
  c->add_subcommand("models", "Model architectures")->callback([&g] { run_models(g); });
  register_add_model(c, g);
  auto r = std::make_shared<RefreshOptions>();
  auto* rf = c->add_subcommand("refresh", "Refresh prices from AWS (spot, on-demand, Reserved Instances, Savings Plans)");
  rf->add_flag("--spot", r->spot, "Refresh spot prices of the GPU/accelerator instance types (EC2)");
  rf->add_flag("--prices", r->prices, "Refresh on-demand and Reserved Instance rates (Price List API)");
  rf->add_flag("--savings-plans", r->savings_plans, "Fetch Savings Plans rates (savingsplans API; needs credentials)");
  rf->add_option("--price-cache", r->price_cache, "Price cache file (default: ~/.cache/frugal/prices.csv)");
  rf->add_option("--days", r->days, "History to read, in days")->check(CLI::Range(1, 90));
  rf->add_option("--cache", r->cache, "Cache file (default: ~/.cache/frugal/spot_prices.csv)");
  add_aws_options(rf, r->aws);
  rf->callback([&g, r] { run_refresh(g, *r); });
}

}  // namespace frugal::cli
