// One-pass aggregation of bill lines into GPU spend tables (exact integer sums), plus the usage
// figures the commitment and opportunity analyses need (instance hours per purchase option, the
// hourly on-demand instance count per type, commitment fees).
#pragma once

#include <array>
#include <climits>
#include <string_view>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "billing/line_item.h"
#include "catalog/catalog.h"

namespace frugal::billing {

constexpr int kPurchaseOptions = 5;  // PurchaseOption values, used as array indexes

// Instance hours and cost of one GPU instance type, per purchase option.
struct TypeUsage {
  std::array<double, kPurchaseOptions> hours{};
  std::array<Nanos, kPurchaseOptions> cost{};       // unblended / billed
  std::array<Nanos, kPurchaseOptions> effective{};  // amortized / effective
  // Usage lines only: on-demand (list) cost and amortized cost, for the realized discount.
  std::array<Nanos, kPurchaseOptions> usage_list{};
  std::array<Nanos, kPurchaseOptions> usage_effective{};
  void add(const TypeUsage& o);  // sums every field
  double hours_of(PurchaseOption p) const { return hours[static_cast<int>(p)]; }
  Nanos cost_of(PurchaseOption p) const { return cost[static_cast<int>(p)]; }
  Nanos effective_of(PurchaseOption p) const { return effective[static_cast<int>(p)]; }
};

struct CommitmentFees {
  Nanos total = 0, unused = 0;  // the commitment's cost over the bill, and its unused part
};

// Daily GPU spend in dollars (date -> instance type -> dollars) of bill files read one after the
// other: what the analyses by day (alert rules, the dashboard's Bill view) take. `frugal bill`
// itself reads in parallel and keeps the exact sums.
std::map<std::string, std::map<std::string, double>> daily_gpu_spend(const std::vector<std::string>& files, const Catalog& cat);

struct GpuSpend {
  std::map<std::string, std::map<std::string, Nanos>> by_day_type;  // date -> instance type -> cost
  std::map<std::string, std::map<std::string, Nanos>> by_day_type_amortized;  // the same, amortized
  std::map<std::string, Nanos> by_type, by_purchase, by_account, by_region, by_tag;
  std::map<std::string, Nanos> by_purchase_amortized;
  std::map<std::string, TypeUsage> usage;  // instance type -> hours and cost per purchase option
  std::map<std::string, std::map<std::string, Nanos>> type_region;  // instance type -> region -> cost
  // The region where most of a type's spend is (its prices price the type's opportunities), or "".
  std::string main_region(const std::string& type) const;
  // On-demand instances running per time slot, per type: slot = day * 24 + hour for hourly bills,
  // day for daily ones (then hours / 24). Slots without lines count as 0 instances.
  std::map<std::string, std::unordered_map<long, double>> on_demand_slots;
  long first_slot = LONG_MAX, last_slot = LONG_MIN;  // over every usage line of the bill
  bool hourly = false;                               // a usage line started at an hour other than 0
  std::map<std::string, CommitmentFees> commitments;  // "SavingsPlan" / "Reserved" -> fees
  Nanos total_cost = 0;       // every line of the bill
  Nanos gpu_cost = 0;         // GPU/accelerator lines, unblended / billed
  Nanos gpu_amortized = 0;    // GPU/accelerator lines, amortized / effective
  long long lines = 0, gpu_lines = 0;
  // Number of slots from first_slot to last_slot, and the hours each stands for.
  long slot_count() const { return last_slot >= first_slot ? last_slot - first_slot + 1 : 0; }
  double hours_per_slot() const { return hourly ? 1.0 : 24.0; }
};

class GpuAggregator {
 public:
  explicit GpuAggregator(const Catalog& cat);
  void add(const LineItem& li);
  // Adds another aggregator's lines (one per reading thread); call before result().
  void merge(GpuAggregator& other);
  // The result; on_demand_slots and first/last slot are normalised (daily slots) on first call
  // after the last add() when no line was hourly.
  const GpuSpend& result();
  // "p5.48xlarge", "g3.4xlarge" or "ml.g5.xlarge": an accelerated family that counts as GPU /
  // AI-accelerator spend (data/catalog/accelerated_families.csv), priced or not.
  bool is_accelerated(const std::string& instance_type) const;

 private:
  // GPU lines are first summed per (date, type, purchase, account, region, tag) in a hash table,
  // one lookup per line, and spread into GpuSpend's ordered tables by flush(): bills repeat few
  // such keys over millions of lines.
  struct Key {
    std::string date, type, account, region, tag;
    int purchase = 0;
  };
  struct KeyView {
    std::string_view date, type, account, region, tag;
    int purchase = 0;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(const KeyView& k) const;
    std::size_t operator()(const Key& k) const { return (*this)(KeyView{k.date, k.type, k.account, k.region, k.tag, k.purchase}); }
  };
  struct KeyEq {
    using is_transparent = void;
    static KeyView view(const Key& k) { return {k.date, k.type, k.account, k.region, k.tag, k.purchase}; }
    static const KeyView& view(const KeyView& k) { return k; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      const KeyView& x = view(a);
      const KeyView& y = view(b);
      return x.purchase == y.purchase && x.date == y.date && x.type == y.type && x.account == y.account &&
             x.region == y.region && x.tag == y.tag;
    }
  };
  struct Sums {
    Nanos cost = 0, amortized = 0, usage_list = 0, usage_effective = 0;
    double hours = 0;
    long long lines = 0;
    long day = 0;
    std::array<double, 24> on_demand_by_hour{};  // on-demand instance hours started in each hour
  };
  void flush();

  std::set<std::string, std::less<>> families_;  // accelerated families that count as GPU spend
  std::unordered_map<Key, Sums, KeyHash, KeyEq> pending_;
  GpuSpend s_;
  std::string last_date_;
  long last_day_ = 0;
  bool normalised_ = false;
};

}  // namespace frugal::billing
