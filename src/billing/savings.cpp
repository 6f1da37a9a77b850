#include "billing/savings.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/csv.h"

namespace frugal::billing {

std::vector<CommitmentRate> load_commitment_rates(const std::string& data_dir) {
  const CsvTable t = CsvTable::load(data_dir + "/billing/commitment_rates.csv");
  t.require_columns({"instance_type", "term", "rate_usd_per_hour", "source"});
  std::vector<CommitmentRate> out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const auto r = t.row(i);
    out.push_back({r.get("instance_type"), r.get("term"), r.get("source"), r.number("rate_usd_per_hour")});
  }
  return out;
}

namespace {

double usd(Nanos n) { return to_usd(n); }
constexpr int kOd = static_cast<int>(PurchaseOption::kOnDemand), kSpot = static_cast<int>(PurchaseOption::kSpot),
              kSp = static_cast<int>(PurchaseOption::kSavingsPlan), kRi = static_cast<int>(PurchaseOption::kReserved);

CoverageRow coverage_of(const std::string& name, const TypeUsage& u) {
  CoverageRow r{name, u.hours[kOd], u.hours[kSpot], u.hours[kSp], u.hours[kRi], 0};
  const double covered = r.savings_plan_hours + r.reserved_hours;
  if (covered + r.on_demand_hours > 0) r.coverage = covered / (covered + r.on_demand_hours);
  return r;
}

// The steady on-demand level of a type: the fewest instances running in any slot of the bill.
double steady_instances(const GpuSpend& s, const std::string& type) {
  auto it = s.on_demand_slots.find(type);
  if (it == s.on_demand_slots.end() || static_cast<long>(it->second.size()) < s.slot_count()) return 0;
  double m = -1;
  for (const auto& [slot, n] : it->second) m = m < 0 ? n : std::min(m, n);
  return std::max(0.0, m);
}

}  // namespace

SavingsAnalysis analyze_savings(const GpuSpend& s, const Catalog& cat, const std::vector<CommitmentRate>& rates,
                                const SavingsOptions& opt, const IdleEvidence* idle) {
  SavingsAnalysis a;
  // Coverage of GPU instance hours.
  TypeUsage all;
  for (const auto& [type, u] : s.usage) {
    all.add(u);
    const CoverageRow r = coverage_of(type, u);
    if (r.on_demand_hours + r.savings_plan_hours + r.reserved_hours > 0) a.coverage.push_back(r);
  }
  std::sort(a.coverage.begin(), a.coverage.end(), [](const CoverageRow& x, const CoverageRow& y) {
    return x.on_demand_hours + x.savings_plan_hours + x.reserved_hours > y.on_demand_hours + y.savings_plan_hours + y.reserved_hours;
  });
  if (!a.coverage.empty()) a.coverage.push_back(coverage_of("all GPU types", all));
  // Commitment utilization (commitment-wide: it may cover CPU instances too).
  for (const auto& [kind, c] : s.commitments) {
    if (c.total <= 0) continue;
    a.utilization.push_back({kind, c.total, c.unused, static_cast<double>(c.total - c.unused) / static_cast<double>(c.total)});
  }
  // The discount the bill's own Savings Plan realized on GPU usage, per type and fleet-wide.
  auto realized = [](const TypeUsage& u) -> std::optional<double> {
    if (u.usage_list[kSp] <= 0) return std::nullopt;
    return 1.0 - static_cast<double>(u.usage_effective[kSp]) / static_cast<double>(u.usage_list[kSp]);
  };
  const std::optional<double> fleet_realized = realized(all);
  std::map<std::string, const CommitmentRate*> neuron_rate;
  for (const auto& r : rates) neuron_rate[r.instance_type] = &r;

  std::map<std::string, double> best;  // per type
  for (const auto& [type, u] : s.usage) {
    const double od_hours = u.hours[kOd];
    const double od_usd = usd(u.cost[kOd]);
    if (od_usd <= 0) continue;
    const bool sagemaker = type.rfind("ml.", 0) == 0;
    const InstanceType* it = cat.find_instance(sagemaker ? type.substr(3) : type);
    // Prices of the region the type's spend is in (a bill's lines say), else the catalog's region.
    const std::string bill_region = s.main_region(type);
    const std::string base_type = sagemaker ? type.substr(3) : type;
    const RegionPrices* rp = cat.price_book().find(bill_region, base_type);
    std::string region = bill_region;
    if (!rp || (!rp->on_demand && !rp->spot)) {
      rp = it ? it->prices : nullptr;
      region = cat.region();
    }
    const auto od_rate = rp ? frugal::rate_of(rp->on_demand) : std::nullopt;
    const auto spot_rate_cat = rp ? frugal::rate_of(rp->spot) : std::nullopt;
    // Spot: the same on-demand hours at the spot rate. The bill's own spot rate for this type when
    // it has spot hours, else the catalog's median spot price (relative to its on-demand price, so
    // a region's price level carries over).
    if (!sagemaker && it) {
      Opportunity o;
      o.kind = "spot";
      o.instance_type = type;
      o.hours = od_hours;
      o.current_usd = od_usd;
      const std::string bucket = !rp || rp->spot_interruption.empty() ? "unknown" : rp->spot_interruption;
      if (u.hours[kSpot] > 0 && od_hours > 0) {
        const double spot_rate = usd(u.cost[kSpot]) / u.hours[kSpot];
        o.saving_usd = std::max(0.0, od_usd - od_hours * spot_rate);
        o.source = fmt::format("your bill's spot rate, ${:.4f}/h over {:.0f} h; interruptions {}", spot_rate, u.hours[kSpot], bucket);
      } else if (spot_rate_cat && od_rate && *od_rate > 0) {
        o.saving_usd = std::max(0.0, od_usd * (1.0 - *spot_rate_cat / *od_rate));
        o.source = fmt::format("{} {} ${:.4f}/h vs ${:.4f}/h on demand ({}); interruptions {}", region, rp->spot->label,
                               *spot_rate_cat, *od_rate, rp->spot->as_of, bucket);
      }
      if (o.saving_usd && *o.saving_usd > 0) {
        o.discount = *o.saving_usd / od_usd;
        o.assumption = "the work tolerates interruption";
        best[type] = std::max(best[type], *o.saving_usd);
        a.opportunities.push_back(o);
      }
    }
    // Commitment: the steady on-demand baseline (instances that ran in every hour of the bill).
    const double steady = steady_instances(s, type);
    if (steady > 0 && od_hours > 0) {
      Opportunity o;
      o.kind = "commitment";
      o.instance_type = type;
      o.instances = steady;
      o.hours = steady * static_cast<double>(s.slot_count()) * s.hours_per_slot();
      o.current_usd = o.hours * od_usd / od_hours;  // at the bill's own on-demand rate
      std::optional<double> d;
      auto r = neuron_rate.find(sagemaker ? "" : type);
      const ReservedRate* ri = rp && !sagemaker ? rp->find_reserved(1, "standard", "no-upfront") : nullptr;
      if (r != neuron_rate.end() && od_rate && *od_rate > 0) {
        d = 1.0 - r->second->usd_per_hour / *od_rate;
        o.source = fmt::format("{} ${:.4f}/h vs ${:.4f}/h on demand (Neuron docs)", r->second->term, r->second->usd_per_hour,
                               *od_rate);
      } else if (auto own = realized(u)) {
        d = own;
        o.source = fmt::format("the {:.1f}% your savings plan realized on {} in this bill", *own * 100, type);
      } else if (fleet_realized) {
        d = fleet_realized;
        o.source = fmt::format("the {:.1f}% your savings plan realized on GPU usage in this bill", *fleet_realized * 100);
      } else if (opt.commitment_discount) {
        d = opt.commitment_discount;
        o.source = fmt::format("--commitment-discount {:.1f}%", *opt.commitment_discount * 100);
      } else if (ri && od_rate && *od_rate > 0) {
        // The published rate of the bill's region: a 1-year Standard RI with no upfront, the
        // commitment with the least capital and lock-in (a Savings Plan usually discounts less).
        d = 1.0 - ri->rate.usd_per_hour / *od_rate;
        o.source = fmt::format("{} {} ${:.4f}/h vs ${:.4f}/h on demand ({})", region, ri->rate.label, ri->rate.usd_per_hour,
                               *od_rate, ri->rate.as_of);
      } else {
        o.source = "no rate known: pass --commitment-discount";
      }
      o.assumption = fmt::format("{:g} steady instance{} keep{} running", std::round(steady * 100) / 100,
                                 steady == 1 ? "" : "s", steady == 1 ? "s" : "");
      if (d) {
        o.discount = *d;
        o.saving_usd = o.current_usd * *d;
        best[type] = std::max(best[type], *o.saving_usd);
      }
      a.opportunities.push_back(o);
    }
  }
  if (idle) {
    for (auto& o : idle->idle_opportunities(s)) {
      if (o.saving_usd) best[o.instance_type] += *o.saving_usd;  // idle hours are removed, not discounted
      a.opportunities.push_back(std::move(o));
    }
  } else {
    a.notes.push_back("idle or underused GPUs: not assessed, a bill cannot tell; add --telemetry HISTORY_DB with the history "
                      "`frugal agent` keeps on an instance (joined by its instance id)");
  }
  std::stable_sort(a.opportunities.begin(), a.opportunities.end(), [](const Opportunity& x, const Opportunity& y) {
    return x.saving_usd.value_or(-1) > y.saving_usd.value_or(-1);
  });
  for (const auto& [type, v] : best) a.best_saving_usd += v;
  if (!a.opportunities.empty()) {
    a.notes.push_back("spot: the same on-demand hours at the spot rate, for work that tolerates interruption "
                      "(checkpointed training, batch, replicated stateless serving)");
    a.notes.push_back("commitment: the instances that ran on demand in every hour of the bill (steady), at a committed "
                      "rate; sized to them it stays fully used while that continues");
    a.notes.push_back("spot and commitment are alternatives for the same hours: the total takes the larger per type");
  }
  if (std::any_of(a.opportunities.begin(), a.opportunities.end(), [](const Opportunity& o) { return !o.saving_usd; })) {
    a.notes.push_back("AWS publishes no per-instance Savings Plan rates for GPU instances: pass --commitment-discount "
                      "with your quoted rate to price the 'unknown' commitments");
  }
  if (s.slot_count() > 0 && !s.hourly) a.notes.push_back("daily bill: steady instances are judged per day, not per hour");
  return a;
}

}  // namespace frugal::billing
