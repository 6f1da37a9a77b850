#include "billing/synth.h"

#include <fmt/format.h>

#include <cmath>
#include <random>

#include "billing/trend.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/toml_util.h"

namespace frugal::billing {

namespace {

constexpr const char* kAccount = "111122223333";
constexpr const char* kRegion = "us-east-1";
constexpr const char* kSpArn = "arn:aws:savingsplans::111122223333:savingsplan/synthetic-compute-sp";

struct Hour {
  std::string date;  // YYYY-MM-DD
  int hour = 0;
};

class Writer {
 public:
  Writer(Format f, std::ostream& out, int accounts, bool adversarial) : f_(f), out_(out), accounts_(accounts), adversarial_(adversarial) {
    if (f_ == Format::kFocus) {
      out_ << "BillingAccountId,SubAccountId,ProviderName,RegionId,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,"
              "ChargeDescription,PricingCategory,CommitmentDiscountType,CommitmentDiscountId,CommitmentDiscountStatus,"
              "ResourceId,ServiceName,ConsumedQuantity,ListCost,BilledCost,EffectiveCost,BillingCurrency,Tags\n";
    } else {
      out_ << "identity/LineItemId,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,"
              "lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,"
              "lineItem/Operation,lineItem/ResourceId,lineItem/UsageAmount,lineItem/UnblendedRate,"
              "lineItem/UnblendedCost,lineItem/LineItemDescription,product/instanceType,product/region,pricing/term,"
              "savingsPlan/SavingsPlanARN,savingsPlan/SavingsPlanEffectiveCost,savingsPlan/TotalCommitmentToDate,"
              "savingsPlan/UsedCommitment,reservation/ReservationARN,reservation/EffectiveCost,resourceTags/user:team\n";
    }
  }

  // One instance-hour (or other usage) line. `purchase`: OnDemand, Spot or SavingsPlan. A
  // SavingsPlan line is written as CUR does: covered usage at the on-demand rate plus its
  // negation (FOCUS: billed 0, effective at the plan's rate, status Used).
  void line(const Hour& h, const std::string& type, const std::string& resource, const std::string& purchase,
            double rate, double effective_rate, const std::string& team, const std::string& service = "AmazonEC2",
            const std::string& usage_type_override = "") {
    const auto [start, end] = period(h);
    const bool spot = purchase == "Spot", sp = purchase == "SavingsPlan";
    const std::string usage_type =
        !usage_type_override.empty() ? usage_type_override : (spot ? "USE1-SpotUsage:" : "USE1-BoxUsage:") + type;
    const std::string desc = usage_type_override.empty()
                                 ? fmt::format("${:.4f} per {} Linux {} Instance Hour", rate, spot ? "Spot" : "On Demand", type)
                                 : fmt::format("${:.4f} per unit of {}", rate, usage_type_override);
    ++lines_;
    total_ += sp ? effective_rate : rate;
    // Keys: one account per instance out of `accounts_`, or, adversarial, a new account, resource
    // and tag value on (almost) every line.
    const std::string account = account_for(resource);
    const std::string res = adversarial_ ? fmt::format("i-{:017x}", lines_) : resource;
    const std::string tag = adversarial_ ? fmt::format("team-{}", lines_ / 2) : team;
    if (f_ == Format::kFocus) {
      out_ << fmt::format("{},{},AWS,{},{},{},Usage,\"{}\",{},{},{},{},{},{},1,{:.10f},{:.10f},{:.10f},USD,\"{{\"\"team\"\":\"\"{}\"\"}}\"\n",
                          kAccount, account, kRegion, start, end, desc, spot ? "Dynamic" : sp ? "Committed" : "Standard",
                          sp ? "Savings Plan" : "", sp ? kSpArn : "", sp ? "Used" : "", res,
                          service == "AmazonEC2" ? "Amazon Elastic Compute Cloud" : service, rate, sp ? 0.0 : rate,
                          sp ? effective_rate : rate, tag);
      return;
    }
    out_ << fmt::format("{},{},{},{},{},{},{},{},RunInstances,{},1,{:.10f},{:.10f},\"{}\",{},{},{},{},{},,,,,{}\n",
                        lines_, kAccount, account, sp ? "SavingsPlanCoveredUsage" : "Usage", start, end, service,
                        usage_type, res, rate, rate, desc, usage_type_override.empty() ? type : "", kRegion,
                        spot ? "Spot" : "OnDemand", sp ? kSpArn : "", sp ? fmt::format("{:.10f}", effective_rate) : "", tag);
    if (sp) {
      ++lines_;
      out_ << fmt::format("{},{},{},SavingsPlanNegation,{},{},{},{},RunInstances,{},1,{:.10f},{:.10f},\"SavingsPlanNegation "
                          "used by AccountId : {} and UsageSku : synthetic\",{},{},OnDemand,{},,,,,,{}\n",
                          lines_, kAccount, account, start, end, service, usage_type, res, -rate, -rate, account,
                          type, kRegion, kSpArn, tag);
    }
  }

  // The savings plan's hourly fee: `commitment` dollars, of which `used` went to covered usage.
  // CUR: a SavingsPlanRecurringFee line. FOCUS: the Purchase row and the Unused remainder.
  void savings_plan_fee(const Hour& h, double commitment, double used) {
    const auto [start, end] = period(h);
    ++lines_;
    total_ += commitment - used;  // the used part is already in the covered lines' effective cost
    if (f_ == Format::kFocus) {
      out_ << fmt::format("{},{},AWS,{},{},{},Purchase,\"Compute Savings Plan hourly fee\",Committed,Savings Plan,{},,,"
                          "Savings Plans for AWS Compute usage,1,{:.10f},{:.10f},0,USD,\"{{}}\"\n",
                          kAccount, kAccount, kRegion, start, end, kSpArn, commitment, commitment);
      ++lines_;
      out_ << fmt::format("{},{},AWS,{},{},{},Usage,\"Unused Compute Savings Plan commitment\",Committed,Savings Plan,{},"
                          "Unused,,Savings Plans for AWS Compute usage,0,0,0,{:.10f},USD,\"{{}}\"\n",
                          kAccount, kAccount, kRegion, start, end, kSpArn, commitment - used);
      return;
    }
    out_ << fmt::format("{},{},{},SavingsPlanRecurringFee,{},{},ComputeSavingsPlans,ComputeSP:1yrNoUpfront,,{},1,"
                        "{:.10f},{:.10f},\"1 year No Upfront Compute Savings Plan\",,{},,{},,{:.10f},{:.10f},,,\n",
                        lines_, kAccount, kAccount, start, end, kSpArn, commitment, commitment, kRegion, kSpArn,
                        commitment, used);
  }

  long long lines() const { return lines_; }
  double total() const { return total_; }

 private:
  static std::pair<std::string, std::string> period(const Hour& h) {
    return {fmt::format("{}T{:02}:00:00Z", h.date, h.hour),
            h.hour == 23 ? fmt::format("{}T00:00:00Z", civil_from_days(days_from_civil(h.date) + 1))
                         : fmt::format("{}T{:02}:00:00Z", h.date, h.hour + 1)};
  }

  // The usage account of an instance: the payer when the bill has one account, else one of
  // `accounts_` picked by the resource id (stable across the bill), or per line (adversarial).
  std::string account_for(const std::string& resource) const {
    if (adversarial_) return fmt::format("{:012}", 200000000000LL + lines_);
    if (accounts_ <= 1) return kAccount;
    const std::uint64_t h = fnv1a64(resource);  // the same bill from the same seed everywhere
    return fmt::format("{:012}", 111122220000LL + static_cast<long long>(h % static_cast<std::uint64_t>(accounts_)));
  }

  Format f_;
  std::ostream& out_;
  int accounts_ = 1;
  bool adversarial_ = false;
  long long lines_ = 0;
  double total_ = 0;
};

const InstanceType& need(const Catalog& c, const std::string& name) {
  const InstanceType* it = c.find_instance(name);
  if (!it || !it->on_demand_hourly()) throw Error(fmt::format("bill synth: catalog has no on-demand price for {}", name));
  return *it;
}

}  // namespace

SynthFigures load_synth_figures(const std::string& data_dir) {
  const std::string f = data_dir + "/billing/synth.toml";
  const toml::table t = load_toml_file(f);
  return {require_number(t, "savings_plan_rate_share", f), require_number(t, "spot_interruption_per_hour", f),
          require_number(t, "storage_usd_per_day", f), require_number(t, "savings_plan_commitment_vs_use", f)};
}

SynthResult synthesize_bill(const Catalog& catalog, const SynthFigures& fig, const SynthOptions& opt, std::ostream& out) {
  const double kSpRateShare = fig.savings_plan_rate_share;
  if (opt.format != Format::kCurLegacy && opt.format != Format::kFocus) throw Error("bill synth: format must be cur or focus");
  if (opt.days < 1) throw Error("bill synth: --days must be at least 1");
  if (opt.scale <= 0) throw Error("bill synth: --scale must be positive");
  const InstanceType& p4d = need(catalog, "p4d.24xlarge");
  const InstanceType& p5 = need(catalog, "p5.48xlarge");
  const InstanceType& g5 = need(catalog, "g5.2xlarge");
  const InstanceType& g5x = need(catalog, "g5.xlarge");
  const InstanceType& inf2 = need(catalog, "inf2.xlarge");
  const InstanceType& m5 = need(catalog, "m5.2xlarge");
  auto spot = [](const InstanceType& t) {
    if (!t.spot_hourly()) throw Error(fmt::format("bill synth: catalog has no spot price for {}", t.name));
    return *t.spot_hourly();
  };

  std::mt19937_64 rng(opt.seed);
  std::uniform_real_distribution<double> u(0, 1);
  const long first = days_from_civil(opt.start);
  auto n = [&](double base) { return std::max(1, static_cast<int>(std::lround(base * opt.scale))); };
  const int train_od = n(2), train_spot = n(2), serve_peak = n(8), inf2_n = n(4), dev = n(2), cpu = n(3);

  Writer w(opt.format, out, opt.accounts, opt.adversarial_keys);
  SynthResult r;
  // Incidents: a forgotten p5 cluster (two days, from day 60% through) and a runaway inference
  // autoscaler (one day, at 35%). Both only exist when the period is long enough to judge them.
  const int forgotten_day = opt.days * 6 / 10, runaway_day = opt.days * 35 / 100;
  const int forgotten_n = n(2), runaway_n = n(12);
  if (opt.days >= 21) {
    r.incidents.push_back({civil_from_days(first + forgotten_day), 2, "p5.48xlarge",
                           fmt::format("{} forgotten p5.48xlarge left running on demand", forgotten_n),
                           2 * 24 * forgotten_n * *p5.on_demand_hourly()});
    r.incidents.push_back({civil_from_days(first + runaway_day), 1, "g5.xlarge",
                           fmt::format("inference autoscaler runaway: {} extra g5.xlarge for a day", runaway_n),
                           24 * runaway_n * *g5x.on_demand_hourly()});
  }
  double gpu = 0;
  for (int d = 0; d < opt.days; ++d) {
    const std::string date = civil_from_days(first + d);
    const int wd = weekday_of(first + d);
    const bool weekend = wd == 0 || wd == 6;
    // Spot training nodes are interrupted now and then: an interruption loses 1-6 hours.
    std::vector<int> spot_back(train_spot, 0);
    for (int h = 0; h < 24; ++h) {
      const Hour hr{date, h};
      // Training: on-demand nodes, the first of them covered by the savings plan, whose hourly
      // commitment was sized a little above that node's use.
      for (int i = 0; i < train_od; ++i) {
        const bool covered = i == 0;
        w.line(hr, "p4d.24xlarge", fmt::format("i-train-od-{}", i), covered ? "SavingsPlan" : "OnDemand",
               *p4d.on_demand_hourly(), *p4d.on_demand_hourly() * kSpRateShare, "ml-training");
        gpu += covered ? *p4d.on_demand_hourly() * kSpRateShare : *p4d.on_demand_hourly();
      }
      const double sp_used = *p4d.on_demand_hourly() * kSpRateShare;
      w.savings_plan_fee(hr, sp_used * fig.savings_plan_commitment_vs_use, sp_used);
      for (int i = 0; i < train_spot; ++i) {
        if (spot_back[i] > h) continue;
        if (u(rng) < fig.spot_interruption_per_hour) {  // interrupted: back after 1-6 hours
          spot_back[i] = h + 1 + static_cast<int>(u(rng) * 6);
          continue;
        }
        w.line(hr, "p5.48xlarge", fmt::format("i-train-spot-{}", i), "Spot", spot(p5), spot(p5), "ml-training");
        gpu += spot(p5);
      }
      // Inference: replicas follow the traffic of a working day (peak 14:00 UTC), fewer at weekends.
      const double traffic = 0.55 + 0.45 * std::cos((h - 14) * M_PI / 12);
      const int replicas = std::max(1, static_cast<int>(std::lround(serve_peak * traffic * (weekend ? 0.6 : 1.0))));
      for (int i = 0; i < replicas; ++i) {
        w.line(hr, "g5.xlarge", fmt::format("i-serve-{}", i), "OnDemand", *g5x.on_demand_hourly(), *g5x.on_demand_hourly(), "inference");
        gpu += *g5x.on_demand_hourly();
      }
      for (int i = 0; i < inf2_n; ++i) {
        w.line(hr, "inf2.xlarge", fmt::format("i-inf2-{}", i), "OnDemand", *inf2.on_demand_hourly(), *inf2.on_demand_hourly(), "inference");
        gpu += *inf2.on_demand_hourly();
      }
      // Dev boxes that nobody stops.
      for (int i = 0; i < dev; ++i) {
        w.line(hr, "g5.2xlarge", fmt::format("i-dev-{}", i), "OnDemand", *g5.on_demand_hourly(), *g5.on_demand_hourly(), "research");
        gpu += *g5.on_demand_hourly();
      }
      for (int i = 0; i < cpu; ++i) {
        w.line(hr, "m5.2xlarge", fmt::format("i-ctl-{}", i), "OnDemand", *m5.on_demand_hourly(), *m5.on_demand_hourly(), "platform");
      }
      // Incidents.
      if (opt.days >= 21 && (d == forgotten_day || d == forgotten_day + 1)) {
        for (int i = 0; i < forgotten_n; ++i) {
          w.line(hr, "p5.48xlarge", fmt::format("i-forgotten-{}", i), "OnDemand", *p5.on_demand_hourly(), *p5.on_demand_hourly(), "ml-training");
          gpu += *p5.on_demand_hourly();
        }
      }
      if (opt.days >= 21 && d == runaway_day) {
        for (int i = 0; i < runaway_n; ++i) {
          w.line(hr, "g5.xlarge", fmt::format("i-runaway-{}", i), "OnDemand", *g5x.on_demand_hourly(), *g5x.on_demand_hourly(), "inference");
          gpu += *g5x.on_demand_hourly();
        }
      }
    }
    // Storage: one line a day.
    w.line({date, 0}, "", "vol-shared", "OnDemand", fig.storage_usd_per_day * opt.scale, fig.storage_usd_per_day * opt.scale, "platform", "AmazonEC2", "USE1-EBS:VolumeUsage.gp3");
  }
  r.lines = w.lines();
  r.total_usd = w.total();
  r.gpu_usd = gpu;
  return r;
}

}  // namespace frugal::billing
