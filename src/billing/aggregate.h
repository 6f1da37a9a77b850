// One-pass aggregation of bill lines into GPU spend tables (exact integer sums), plus the usage
// figures the commitment and opportunity analyses need (instance hours per purchase option, the
// hourly on-demand instance count per type, commitment fees).
#pragma once

#include <array>
#include <climits>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

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
  double hours_of(PurchaseOption p) const { return hours[static_cast<int>(p)]; }
  Nanos cost_of(PurchaseOption p) const { return cost[static_cast<int>(p)]; }
  Nanos effective_of(PurchaseOption p) const { return effective[static_cast<int>(p)]; }
};

struct CommitmentFees {
  Nanos total = 0, unused = 0;  // the commitment's cost over the bill, and its unused part
};

struct GpuSpend {
  std::map<std::string, std::map<std::string, Nanos>> by_day_type;  // date -> instance type -> cost
  std::map<std::string, std::map<std::string, Nanos>> by_day_type_amortized;  // the same, amortized
  std::map<std::string, Nanos> by_type, by_purchase, by_account, by_region, by_tag;
  std::map<std::string, Nanos> by_purchase_amortized;
  std::map<std::string, TypeUsage> usage;  // instance type -> hours and cost per purchase option
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
  // The result; on_demand_slots and first/last slot are normalised (daily slots) on first call
  // after the last add() when no line was hourly.
  const GpuSpend& result();
  // "p5.48xlarge" or "ml.g5.xlarge" with an accelerator in the catalog.
  bool is_accelerated(const std::string& instance_type) const;

 private:
  std::set<std::string> accelerated_;
  GpuSpend s_;
  std::string last_date_;
  long last_day_ = 0;
  bool normalised_ = false;
};

}  // namespace frugal::billing
