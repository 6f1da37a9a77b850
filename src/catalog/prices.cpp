#include "catalog/prices.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/csv.h"
#include "core/error.h"
#include "core/stats.h"

namespace frugal {
namespace {

struct RiColumn {
  int years;
  const char* offering_class;
  const char* payment;
  const char* column;
};
constexpr RiColumn kRiColumns[] = {
    {1, "standard", "no-upfront", "ri_1Standard_noUpfront"},
    {1, "standard", "partial-upfront", "ri_1Standard_partialUpfront"},
    {1, "standard", "all-upfront", "ri_1Standard_allUpfront"},
    {3, "standard", "no-upfront", "ri_3Standard_noUpfront"},
    {3, "standard", "partial-upfront", "ri_3Standard_partialUpfront"},
    {3, "standard", "all-upfront", "ri_3Standard_allUpfront"},
    {1, "convertible", "no-upfront", "ri_1Convertible_noUpfront"},
    {1, "convertible", "partial-upfront", "ri_1Convertible_partialUpfront"},
    {1, "convertible", "all-upfront", "ri_1Convertible_allUpfront"},
    {3, "convertible", "no-upfront", "ri_3Convertible_noUpfront"},
    {3, "convertible", "partial-upfront", "ri_3Convertible_partialUpfront"},
    {3, "convertible", "all-upfront", "ri_3Convertible_allUpfront"},
};

std::optional<double> positive(const CsvTable::Row& r, std::string_view col) {
  auto v = r.optional_number(col);
  if (v && *v < 0) fail_at(r.where(col), "expected a non-negative price");
  if (v && *v == 0) return std::nullopt;  // a zero price is "not offered", never free
  return v;
}

}  // namespace

bool is_spot_floor_artefact(double spot, double on_demand) {
  return on_demand > 0 && std::fabs(spot / on_demand - 0.1) < 1e-4;
}

std::optional<double> upfront_for(const std::string& payment, double rate, int years) {
  if (payment == "no-upfront") return 0.0;
  if (payment == "all-upfront") return rate * kTermHoursPerYear * years;
  return std::nullopt;
}

std::optional<double> ReservedRate::upfront_usd() const { return upfront_for(payment, rate.usd_per_hour, years); }

const ReservedRate* RegionPrices::find_reserved(int years, const std::string& offering_class,
                                                const std::string& payment) const {
  for (const auto& r : reserved) {
    if (r.years == years && r.offering_class == offering_class && r.payment == payment) return &r;
  }
  return nullptr;
}

const SavingsPlanRate* RegionPrices::find_savings_plan(int years, const std::string& plan_type,
                                                       const std::string& payment) const {
  for (const auto& r : savings_plans) {
    if (r.years == years && r.plan_type == plan_type && r.payment == payment) return &r;
  }
  return nullptr;
}

const Region* PriceBook::find_region(const std::string& code) const {
  for (const auto& r : regions_) {
    if (r.code == code) return &r;
  }
  return nullptr;
}

std::vector<std::string> PriceBook::priced_regions() const {
  std::vector<std::string> out;
  for (const auto& r : regions_) {
    if (r.kind != "commercial") continue;
    auto it = prices_.find(r.code);
    if (it == prices_.end()) continue;
    for (const auto& [type, p] : it->second) {
      if (p.on_demand || p.spot) {
        out.push_back(r.code);
        break;
      }
    }
  }
  return out;
}

const RegionPrices* PriceBook::find(const std::string& region, const std::string& type) const {
  auto r = prices_.find(region);
  if (r == prices_.end()) return nullptr;
  auto t = r->second.find(type);
  return t == r->second.end() ? nullptr : &t->second;
}

void PriceBook::offer_on_demand(const std::string& region, const std::string& type, Rate r) {
  auto& slot = prices_[region][type].on_demand;
  const bool dated = !r.as_of.empty() && std::isdigit(static_cast<unsigned char>(r.as_of[0]));
  if (slot) {
    const bool slot_dated = !slot->as_of.empty() && std::isdigit(static_cast<unsigned char>(slot->as_of[0]));
    if (!dated || (slot_dated && slot->as_of >= r.as_of)) return;
  }
  slot = std::move(r);
}

void PriceBook::set_spot_from_azs(RegionPrices& p, const std::vector<AzSpot>& azs, const std::string& as_of,
                                  const std::string& source) {
  std::vector<double> v;
  int local = 0, blank = 0, copied = 0, floor = 0;
  p.spot_by_az.clear();
  for (const auto& a : azs) {
    if (a.zone_kind != "standard") { ++local; continue; }
    if (!a.spot) { ++blank; continue; }
    if (a.on_demand && *a.spot >= *a.on_demand) { ++copied; continue; }
    if (a.on_demand && is_spot_floor_artefact(*a.spot, *a.on_demand)) { ++floor; continue; }
    v.push_back(*a.spot);
    p.spot_by_az[a.az] = *a.spot;
  }
  std::vector<std::string> left_out;
  if (local) left_out.push_back(fmt::format("{} Local/Wavelength zone{}", local, local > 1 ? "s" : ""));
  if (blank) left_out.push_back(fmt::format("{} AZ{} without spot", blank, blank > 1 ? "s" : ""));
  if (copied) left_out.push_back(fmt::format("{} AZ{} with spot == on-demand (no history)", copied, copied > 1 ? "s" : ""));
  if (floor) left_out.push_back(fmt::format("{} AZ{} at the 10% floor artefact", floor, floor > 1 ? "s" : ""));
  std::string excluded;
  for (std::size_t i = 0; i < left_out.size(); ++i) excluded += (i ? ", " : "") + left_out[i];
  if (v.empty()) {
    p.spot.reset();
    p.spot_min.reset();
    p.spot_unknown_reason = excluded.empty() ? "no spot price in the sources" : "unknown: " + excluded;
    return;
  }
  const std::string label = fmt::format("spot median of {} standard AZ{}{}", v.size(), v.size() > 1 ? "s" : "",
                                        excluded.empty() ? "" : " (left out: " + excluded + ")");
  p.spot = Rate{median(v), label, as_of, source};
  p.spot_min = *std::min_element(v.begin(), v.end());
  p.spot_unknown_reason.clear();
}

PriceBook PriceBook::load(const std::string& data_dir) {
  PriceBook b;
  const std::string cat = data_dir + "/catalog/";
  {
    auto t = CsvTable::load(cat + "regions.csv");
    t.require_columns({"region", "name", "kind"});
    for (std::size_t i = 0; i < t.size(); ++i) {
      auto r = t.row(i);
      if (r.get("kind") != "commercial" && r.get("kind") != "govcloud") {
        fail_at(r.where("kind"), "expected 'commercial' or 'govcloud'");
      }
      b.regions_.push_back({r.get("region"), r.get("name"), r.get("kind")});
    }
  }
  // ec2instances.info: on-demand, Reserved Instances, and a regional spot average used only where
  // no per-AZ figures exist.
  std::map<std::pair<std::string, std::string>, Rate> spot_avg;
  {
    auto t = CsvTable::load(cat + "regions/ec2_region_prices.csv");
    t.require_columns({"instance_type", "region", "region_kind", "on_demand", "spot_avg", "spot_interruption", "as_of", "source"});
    for (const auto& c : kRiColumns) t.require_columns({c.column});
    for (std::size_t i = 0; i < t.size(); ++i) {
      auto r = t.row(i);
      if (r.get("region_kind") != "commercial_region") continue;  // Local Zones and Wavelength are not regions
      const std::string& region = r.get("region");
      const std::string& type = r.get("instance_type");
      if (!b.find_region(region)) fail_at(r.where("region"), fmt::format("region '{}' is not in regions.csv", region));
      auto& p = b.prices_[region][type];
      const std::string& as_of = r.get("as_of");
      const std::string& source = r.get("source");
      auto od = positive(r, "on_demand");
      if (od) b.offer_on_demand(region, type, Rate{*od, "on-demand", as_of, source});
      for (const auto& c : kRiColumns) {
        auto v = positive(r, c.column);
        if (!v) continue;
        p.reserved.push_back({c.years, c.offering_class, c.payment,
                              Rate{*v, fmt::format("RI {}y {} {}", c.years, c.offering_class, c.payment), as_of, source}});
      }
      if (auto avg = positive(r, "spot_avg"); avg && od && *avg < *od && !is_spot_floor_artefact(*avg, *od)) {
        spot_avg[{region, type}] = Rate{*avg, "spot regional average over AZs", as_of, source};
      }
      if (!r.empty("spot_interruption")) p.spot_interruption = r.get("spot_interruption");
    }
  }
  {
    auto t = CsvTable::load(cat + "regions/spot_by_az.csv");
    t.require_columns({"instance_type", "region", "availability_zone_id", "zone_kind", "on_demand", "spot", "as_of", "source"});
    std::map<std::pair<std::string, std::string>, std::vector<AzSpot>> azs;
    std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> src;
    for (std::size_t i = 0; i < t.size(); ++i) {
      auto r = t.row(i);
      const std::string& kind = r.get("zone_kind");
      if (kind != "standard" && kind != "local" && kind != "wavelength") {
        fail_at(r.where("zone_kind"), "expected standard, local or wavelength");
      }
      const std::pair<std::string, std::string> key{r.get("region"), r.get("instance_type")};
      azs[key].push_back({r.get("availability_zone_id"), kind, positive(r, "spot"), positive(r, "on_demand")});
      src[key] = {r.get("as_of"), r.get("source")};
      if (auto od = positive(r, "on_demand"); od && kind == "standard") {
        b.offer_on_demand(key.first, key.second, Rate{*od, "on-demand", r.get("as_of"), r.get("source")});
      }
    }
    for (const auto& [key, v] : azs) {
      set_spot_from_azs(b.prices_[key.first][key.second], v, src[key].first, src[key].second);
    }
  }
  for (auto& [key, rate] : spot_avg) {
    auto& p = b.prices_[key.first][key.second];
    if (!p.spot && p.spot_unknown_reason.empty()) {
      p.spot = rate;
      p.spot_by_az.clear();
    }
  }
  {
    auto t = CsvTable::load(cat + "regions/capacity_blocks.csv");
    t.require_columns({"instance_type", "region", "usd_per_hour", "as_of", "source"});
    for (std::size_t i = 0; i < t.size(); ++i) {
      auto r = t.row(i);
      auto v = positive(r, "usd_per_hour");
      if (!v) fail_at(r.where("usd_per_hour"), "expected a positive Capacity Block price");
      b.prices_[r.get("region")][r.get("instance_type")].capacity_block =
          Rate{*v, "Capacity Block for ML", r.get("as_of"), r.get("source")};
    }
  }
  {
    auto t = CsvTable::load(cat + "spot_advisor.csv");
    t.require_columns({"region", "os", "instance_type", "savings_vs_ondemand_pct", "interruption_bucket"});
    for (std::size_t i = 0; i < t.size(); ++i) {
      auto r = t.row(i);
      if (r.get("os") != "Linux") continue;
      auto& p = b.prices_[r.get("region")][r.get("instance_type")];
      p.spot_interruption = r.get("interruption_bucket");  // Spot Advisor itself wins over the copy in ec2instances.info
      p.spot_advisor_savings_pct = r.optional_number("savings_vs_ondemand_pct");
    }
  }
  {
    auto t = CsvTable::load(cat + "sagemaker_lambda_prices.csv");
    t.require_columns({"service", "usage", "instance_type", "region", "usd", "date_or_version", "source"});
    for (std::size_t i = 0; i < t.size(); ++i) {
      auto r = t.row(i);
      if (r.get("service") != "sagemaker" || r.get("usage") != "hosting") continue;
      const std::string& ml = r.get("instance_type");
      if (ml.rfind("ml.", 0) != 0) continue;
      auto& slot = b.prices_[r.get("region")][ml.substr(3)].sagemaker;
      if (slot) continue;
      slot = Rate{r.number("usd"), "SageMaker real-time hosting", r.get("date_or_version"), r.get("source")};
    }
  }
  return b;
}

}  // namespace frugal
