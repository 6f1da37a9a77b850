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

#include "billing/interner.h"
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

// Spend by one dimension (account, region, tag value): the largest keys' exact sums, largest first
// (ties by key), and the exact sum of all the others. Aggregated on its own, so dimensions never
// multiply into one key.
struct Breakdown {
  std::vector<std::pair<std::string, Nanos>> rows;  // the top keys (every key when the limit is 0)
  std::size_t keys = 0;                             // distinct keys in the bill
  Nanos others = 0;                                 // the keys not in rows, summed
  std::size_t size() const { return keys; }
};

// One resource's GPU spend (an EC2 instance id, a SageMaker endpoint ARN): what `bill --by
// resource` lists and the telemetry join keys on.
struct ResourceSpend {
  std::string id, instance_type, account, region, tag;  // of the resource's first GPU line
  double hours = 0;    // instance hours of its usage lines
  Nanos cost = 0;      // unblended / billed
  Nanos amortized = 0;
  long long lines = 0;
  std::string first_date, last_date;  // days it has lines
};

struct GpuSpend {
  std::map<std::string, std::map<std::string, Nanos>> by_day_type;  // date -> instance type -> cost
  std::map<std::string, std::map<std::string, Nanos>> by_day_type_amortized;  // the same, amortized
  std::map<std::string, Nanos> by_type, by_purchase;
  Breakdown by_account, by_region, by_tag;
  // GPU lines with a resource id, largest amortized cost first: the top ones (every one when the
  // limit is 0), then any kept by id (keep_resource), in no particular order.
  std::vector<ResourceSpend> by_resource;
  std::size_t resources = 0;  // distinct resources with GPU spend
  std::map<std::string, Nanos> by_purchase_amortized;
  std::map<std::string, TypeUsage> usage;  // instance type -> hours and cost per purchase option
  std::map<std::string, std::map<std::string, Nanos>> type_region;  // instance type -> region -> cost
  // The region where most of a type's spend is (its prices price the type's opportunities), or "".
  std::string main_region(const std::string& type) const;
  const ResourceSpend* resource(const std::string& id) const;  // in by_resource, or null
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

// Aggregation whose cost does not grow with key cardinality: strings are interned to dense ids
// per dimension (Interner), the day x type x purchase table has fixed-width keys, and each
// breakdown (account, region, tag, resource, type x region) is a vector indexed by its own id, so
// a bill with a different account on every line costs one more vector slot per account, not a
// key per (day, type, account, region, tag). Memory is the distinct values of each dimension.
class GpuAggregator {
 public:
  explicit GpuAggregator(const Catalog& cat);
  void add(const LineItem& li);
  // Adds another aggregator's lines (one per reading thread); call before result().
  void merge(GpuAggregator& other);
  // The result, built on the first call after the last add() or merge().
  const GpuSpend& result();
  // Rows kept per breakdown and resources listed (0: all). The sums behind them are exact
  // whatever the limit; it bounds the result's size, not the aggregation's.
  void set_top(std::size_t n) { top_ = n, built_ = false; }
  // Lists this resource whatever its rank (the telemetry join looks instances up by id).
  void keep_resource(std::string id) { keep_.push_back(std::move(id)), built_ = false; }
  // "p5.48xlarge", "g3.4xlarge" or "ml.g5.xlarge": an accelerated family that counts as GPU /
  // AI-accelerator spend (data/catalog/accelerated_families.csv), priced or not.
  bool is_accelerated(std::string_view instance_type) const;
  const std::set<std::string, std::less<>>& families() const { return families_; }

  // Pre-aggregated input: the result rows of the same groupings computed elsewhere (bill_sql() in
  // Athena), landing in the same tables add() fills line by line.
  struct CellSums {
    Nanos cost = 0, amortized = 0, usage_list = 0, usage_effective = 0;
    double hours = 0;
    long long lines = 0;
    void add(const CellSums& o);
  };
  enum class Dimension { kAccount, kRegion, kTag };
  void add_cell(std::string_view date, std::string_view type, PurchaseOption purchase, const CellSums& sums);
  void add_on_demand_hours(std::string_view date, int hour, std::string_view type, double hours);
  void add_dimension(Dimension d, std::string_view key, Nanos cost);
  void add_type_region(std::string_view type, std::string_view region, Nanos cost);
  void add_resource(const ResourceSpend& r);
  // Bill-wide figures: every line, its cost, commitments, and the usage lines' first and last
  // hourly slot (day * 24 + hour) and whether any started at an hour other than 0.
  void add_totals(long long lines, Nanos total_cost, const std::map<std::string, CommitmentFees>& commitments, long first_slot,
                  long last_slot, bool hourly);

 private:
  struct Sums : CellSums {  // one (date, type, purchase) cell
    std::array<double, 24> on_demand_by_hour{};  // on-demand instance hours started in each hour
  };
  struct Resource {
    std::uint32_t type = 0, account = 0, region = 0, tag = 0, first_date = 0, last_date = 0;
    double hours = 0;
    Nanos cost = 0, amortized = 0;
    long long lines = 0;
  };
  Sums& cell(std::uint32_t date, std::uint32_t type, int purchase);
  // Adds `in` (ids of this aggregator) to `res`: sums added; type, account, region and tag the
  // smallest seen (as SQL's MIN, should a resource's lines disagree), days the widest.
  void fold_resource(Resource& res, const Resource& in) const;
  long day_of(std::uint32_t date);

  std::set<std::string, std::less<>> families_;  // accelerated families that count as GPU spend
  Interner dates_, types_, accounts_, regions_, tags_, resources_;
  std::vector<signed char> accelerated_;  // per type id: -1 not yet known, 0 no, 1 yes
  std::vector<long> days_;                // per date id: days since the epoch
  std::unordered_map<std::uint64_t, std::uint32_t> cells_;  // (date, type, purchase) -> index in sums_
  std::vector<Sums> sums_;
  std::uint64_t last_cell_key_ = ~0ULL;
  std::uint32_t last_cell_ = 0;
  IdVector<Nanos> account_cost_, region_cost_, tag_cost_;
  std::unordered_map<std::uint64_t, Nanos> type_region_;  // (type, region) -> cost
  IdVector<Resource> resource_;
  long first_slot_ = LONG_MAX, last_slot_ = LONG_MIN;  // hourly slots, before result() makes them days
  bool hourly_ = false;
  std::size_t top_ = 0;
  std::vector<std::string> keep_;
  GpuSpend s_;  // the scalar totals are summed here as lines come; the tables are built by result()
  bool built_ = false;
};

}  // namespace frugal::billing
