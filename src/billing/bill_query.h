// The bill's aggregations, defined once and run by two engines. The definition: how a CUR line's
// purchase option, amortized cost and instance hours are found (line_rules), and the groupings of
// GPU lines the analyses take (kGroupings: day x type x purchase, account, region, tag, type x
// region, resource, on-demand hours per hour, and the bill's totals). The local engine
// (GpuAggregator fed by the row loop) computes them line by line; bill_sql() renders the same
// definition as one GROUPING SETS query for Amazon Athena over a CUR 2.0 table (and, for tests and
// the benchmark, in DuckDB's dialect), whose result rows add_query_row() feeds into the same
// aggregator, so every analysis after it is shared.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "billing/aggregate.h"

namespace frugal::billing {

// How a CUR line item's amortized cost is found, per line item type (AWS's CID summary view).
enum class Amortized {
  kCost,                  // the unblended cost
  kZero,                  // nothing (negations, upfront fees: spread over the usage)
  kSavingsPlanEffective,  // savings_plan_savings_plan_effective_cost
  kReservationEffective,  // reservation_effective_cost
  kSavingsPlanUnused,     // total commitment - used commitment (the used part is in covered usage)
  kReservationUnused,     // unused amortized upfront + unused recurring fee
  kZeroIfReservation,     // 0 on a reservation's line (its upfront fee), else the cost
};
struct LineTypeRule {
  std::string_view line_type;
  Amortized amortized = Amortized::kCost;
  bool instance_hours = false;  // usage lines: their usage amount is instance hours (in an hours unit)
};
// The rule of a CUR line item type; unknown types: the cost, no instance hours.
const LineTypeRule& cur_line_rule(std::string_view line_type);
const std::vector<LineTypeRule>& cur_line_rules();
// The CUR purchase option rule: a savings plan ARN, else a reservation ARN, else "Spot" in the
// usage type, else on-demand.
PurchaseOption cur_purchase(std::string_view sp_arn, std::string_view ri_arn, std::string_view usage_type);
// Whether a pricing unit is hours ("Hrs", "Hours", empty).
bool is_hours_unit(std::string_view unit);

enum class SqlDialect { kAthena, kDuckDb };

struct BillSqlOptions {
  std::string table;       // "cur_database.cur_table", quoted as needed by the caller
  // The table's schema: kCur2 (Data Exports CUR 2.0: tags in the `resource_tags` map), kCurAthena
  // (the legacy CUR's Athena integration: one resource_tags_user_<key> column per tag) or kFocus.
  Format schema = Format::kCur2;
  std::string tag_key;     // the tag of the by-tag breakdown ("team"); empty: none
  std::vector<std::string> gpu_families;  // accelerated families (GpuAggregator::families())
  std::string start, end;  // optional usage period [start, end), YYYY-MM-DD
};

// The query, over a CUR 2.0 table (Athena's CUR 2.0 / Data Exports schema: snake_case line_item_*
// columns, `resource_tags` and `product` maps, timestamps), a legacy CUR Athena table or a FOCUS
// table. One scan of the table. Throws Error for the legacy CUR's CSV column names.
std::string bill_sql(const BillSqlOptions& o, SqlDialect dialect);

// Adds one result row (cells in the query's column order, NULL as nullopt) to `agg`. Throws
// Error naming the row when a cell is not what the query returns.
void add_query_row(GpuAggregator& agg, const std::vector<std::string>& columns, const std::vector<std::optional<std::string>>& row,
                   long long row_number);

}  // namespace frugal::billing
