#include "billing/bill_query.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "billing/row_loop.h"
#include "billing/trend.h"
#include "core/error.h"

namespace frugal::billing {

const std::vector<LineTypeRule>& cur_line_rules() {
  static const std::vector<LineTypeRule> rules = {
      {"Usage", Amortized::kCost, true},
      {"SavingsPlanCoveredUsage", Amortized::kSavingsPlanEffective, true},
      {"DiscountedUsage", Amortized::kReservationEffective, true},
      {"SavingsPlanNegation", Amortized::kZero, false},
      {"SavingsPlanUpfrontFee", Amortized::kZero, false},
      {"SavingsPlanRecurringFee", Amortized::kSavingsPlanUnused, false},
      {"RIFee", Amortized::kReservationUnused, false},
      {"Fee", Amortized::kZeroIfReservation, false},
  };
  return rules;
}

const LineTypeRule& cur_line_rule(std::string_view line_type) {
  static const LineTypeRule other{"", Amortized::kCost, false};
  for (const auto& r : cur_line_rules()) {
    if (r.line_type == line_type) return r;
  }
  return other;
}

PurchaseOption cur_purchase(std::string_view sp_arn, std::string_view ri_arn, std::string_view usage_type) {
  if (!sp_arn.empty()) return PurchaseOption::kSavingsPlan;
  if (!ri_arn.empty()) return PurchaseOption::kReserved;
  if (usage_type.find("Spot") != std::string_view::npos) return PurchaseOption::kSpot;
  return PurchaseOption::kOnDemand;
}

bool is_hours_unit(std::string_view unit) {
  return unit.empty() || unit.find("Hr") != std::string_view::npos || unit.find("Hour") != std::string_view::npos ||
         unit.find("hour") != std::string_view::npos;
}

namespace {

std::string quote(std::string_view s) {
  std::string o = "'";
  for (char c : s) {
    if (c == '\'') o += '\'';
    o += c;
  }
  return o + "'";
}

// Grouping columns, in the order of the query's GROUPING() mask (first = most significant bit).
constexpr const char* kKeys[] = {"usage_day", "instance_type", "purchase_option", "account", "region", "tag", "resource", "usage_hour"};
constexpr int kKeyCount = 8;
int bit(const char* key) {
  for (int i = 0; i < kKeyCount; ++i) {
    if (std::string_view(kKeys[i]) == key) return 1 << (kKeyCount - 1 - i);
  }
  return 0;
}
// The GROUPING() mask of a set: 1 for every key NOT grouped on.
int mask_of(std::initializer_list<const char*> keys) {
  int m = (1 << kKeyCount) - 1;
  for (const char* k : keys) m &= ~bit(k);
  return m;
}

struct Set {
  const char* name;
  std::initializer_list<const char*> keys;
};
// The groupings of the definition. The bill-wide totals are the empty set.
const Set kSets[] = {
    {"cells", {"usage_day", "instance_type", "purchase_option"}},
    {"account", {"account"}},
    {"region", {"region"}},
    {"tag", {"tag"}},
    {"type_region", {"instance_type", "region"}},
    {"resource", {"resource"}},
    {"on_demand_hours", {"usage_day", "usage_hour", "instance_type"}},
    {"totals", {}},
};

std::string amortized_sql(Amortized a) {
  switch (a) {
    case Amortized::kCost: return "cost";
    case Amortized::kZero: return "0";
    case Amortized::kSavingsPlanEffective: return "sp_effective";
    case Amortized::kReservationEffective: return "ri_effective";
    case Amortized::kSavingsPlanUnused: return "sp_total - sp_used";
    case Amortized::kReservationUnused: return "ri_unused_upfront + ri_unused_recurring";
    case Amortized::kZeroIfReservation: return "CASE WHEN ri_arn <> '' THEN 0 ELSE cost END";
  }
  return "cost";
}

}  // namespace

std::string bill_sql(const BillSqlOptions& o, SqlDialect dialect) {
  if (o.table.empty()) throw Error("bill_sql: no table");
  if (o.schema == Format::kCurLegacy) throw Error("bill_sql: the query reads CUR 2.0, legacy CUR Athena or FOCUS tables");
  // Column names from the readers' own table, so the query and the local engine read the same.
  const detail::Columns c = detail::columns_for(o.schema);
  const auto money = [](const std::string& col) { return fmt::format("CAST(COALESCE({}, 0) AS DECIMAL(38, 9))", col); };
  const auto text = [](const std::string& col) { return fmt::format("COALESCE({}, '')", col); };
  auto map_get = [&](const std::string& map, const std::string& key) {
    return dialect == SqlDialect::kAthena ? fmt::format("element_at({}, {})", map, quote(key)) : fmt::format("{}[{}]", map, quote(key));
  };
  // The tag where the local reader looks for it: its column, or the first key of the map present.
  std::string tag = "''";
  if (!o.tag_key.empty()) {
    const detail::TagSource t = detail::tag_source(o.schema, o.tag_key);
    tag = "COALESCE(";
    if (t.map_keys.empty()) tag += t.columns[0] + ", ";
    for (const auto& k : t.map_keys) tag += map_get(t.columns[0], k) + ", ";
    tag += "'')";
  }
  std::string families;
  for (const auto& f : o.gpu_families) families += (families.empty() ? "" : ", ") + quote(f);
  if (families.empty()) families = "''";
  // The line item type rules, from the same table the local row loop uses.
  std::string amortized = "CASE line_type";
  std::string usage_types;
  for (const auto& r : cur_line_rules()) {
    amortized += fmt::format(" WHEN {} THEN {}", quote(r.line_type), amortized_sql(r.amortized));
    if (r.instance_hours) usage_types += (usage_types.empty() ? "" : ", ") + quote(r.line_type);
  }
  amortized += " ELSE cost END";
  const bool focus = o.schema == Format::kFocus;
  const std::string& start_col = c.date;
  std::string where = "TRUE";
  if (!o.start.empty()) where += fmt::format(" AND {} >= TIMESTAMP {}", start_col, quote(o.start + " 00:00:00"));
  if (!o.end.empty()) where += fmt::format(" AND {} < TIMESTAMP {}", start_col, quote(o.end + " 00:00:00"));
  // An instance type inside a text (usage type, description), as find_instance_type reads it.
  auto type_in = [](const std::string& col) {
    return fmt::format("NULLIF(regexp_extract(COALESCE({}, ''), '(^|[^A-Za-z0-9.-])((ml\\.)?[A-Za-z][A-Za-z0-9-]*[0-9][A-Za-z0-9-]*\\."
                       "([0-9]*xlarge|nano|micro|small|medium|large|metal|metal-[A-Za-z0-9-]+))($|[^A-Za-z0-9.-])', 2), '')",
                       col);
  };
  const char* hours_unit = "(unit = '' OR strpos(unit, 'Hr') > 0 OR strpos(unit, 'Hour') > 0 OR strpos(unit, 'hour') > 0)";

  std::string sql;
  sql += fmt::format("-- frugal bill: GPU spend groupings over a {} table (one scan); see docs/billing.md\n",
                     focus ? "FOCUS" : o.schema == Format::kCur2 ? "CUR 2.0" : "legacy CUR (Athena)");
  // `lines`: one row per bill line with the same columns whatever the schema: day, day_number,
  // hour, itype, line_type, account_id, region_id, tag_value, resource_id, purchase, cost,
  // amortized, usage_hours, list_cost, and the commitment fee fields (commit_kind, commit_total,
  // commit_unused).
  sql += "WITH raw AS (\n  SELECT\n";
  sql += fmt::format("    CAST(CAST({0} AS DATE) AS VARCHAR) AS day,\n    date_diff('day', DATE '1970-01-01', CAST({0} AS DATE)) AS day_number,\n"
                     "    hour({0}) AS hour,\n",
                     start_col);
  // The raw columns: the instance type, the dimensions every schema has, then the schema's own
  // (expression, name) pairs, rendered as one select list.
  auto select = [&](const std::string& itype, const std::vector<std::pair<std::string, const char*>>& own) {
    std::vector<std::pair<std::string, const char*>> cols = {{itype, "itype"},
                                                             {text(c.line_type), "line_type"},
                                                             {text(c.account), "account_id"},
                                                             {text(c.region), "region_id"},
                                                             {tag, "tag_value"},
                                                             {text(c.resource), "resource_id"}};
    cols.insert(cols.end(), own.begin(), own.end());
    for (std::size_t i = 0; i < cols.size(); ++i) sql += fmt::format("    {} AS {}{}\n", cols[i].first, cols[i].second, i + 1 < cols.size() ? "," : "");
    sql += "  FROM " + o.table + "\n  WHERE " + where + "\n),\n";
  };
  if (!focus) {
    // The instance type: the product column, else the usage type, else the description.
    select("COALESCE(NULLIF(NULLIF(" + c.product_instance + ", ''), 'NULL'), " + type_in(c.usage_type) + ", " + type_in(c.description) + ", '')",
           {{text(c.sp_arn), "sp_arn"},
            {text(c.ri_arn), "ri_arn"},
            {text(c.usage_type), "usage_type"},
            {text(c.pricing_unit), "unit"},
            {money(c.cost), "cost"},
            {money(c.usage_amount), "usage_amount"},
            {money(c.amortized_sp), "sp_effective"},
            {money(c.amortized_ri), "ri_effective"},
            {money(c.sp_total), "sp_total"},
            {money(c.sp_used), "sp_used"},
            {money(c.ri_unused_upfront), "ri_unused_upfront"},
            {money(c.ri_unused_recurring), "ri_unused_recurring"},
            {money(c.ri_amortized_upfront), "ri_upfront"}});
    sql += "lines AS (\n  SELECT day, day_number, hour, itype, line_type, account_id, region_id, tag_value, resource_id, cost,\n";
    sql += "    CASE WHEN sp_arn <> '' THEN 'SavingsPlan' WHEN ri_arn <> '' THEN 'Reserved' WHEN strpos(usage_type, 'Spot') > 0 THEN 'Spot' "
           "ELSE 'OnDemand' END AS purchase,\n";
    sql += "    " + amortized + " AS amortized,\n";
    sql += fmt::format("    CASE WHEN line_type IN ({}) AND itype <> '' AND {} THEN usage_amount ELSE CAST(0 AS DECIMAL(38, 9)) END AS usage_hours,\n",
                       usage_types, hours_unit);
    sql += "    cost AS list_cost,\n";
    sql += "    CASE line_type WHEN 'SavingsPlanRecurringFee' THEN 'SavingsPlan' WHEN 'RIFee' THEN 'Reserved' END AS commit_kind,\n";
    sql += "    CASE line_type WHEN 'SavingsPlanRecurringFee' THEN sp_total WHEN 'RIFee' THEN cost + ri_upfront ELSE 0 END AS commit_total,\n";
    sql += "    CASE line_type WHEN 'SavingsPlanRecurringFee' THEN sp_total - sp_used WHEN 'RIFee' THEN ri_unused_upfront + ri_unused_recurring "
           "ELSE 0 END AS commit_unused\n";
    sql += "  FROM raw\n),\n";
  } else {
    // FOCUS: the rules of the row loop's FOCUS branch (purchase from CommitmentDiscountType, then
    // PricingCategory; EffectiveCost amortized; Used/Unused commitment rows).
    select("COALESCE(" + type_in(c.description) + ", '')",
           {{text(c.commitment_type), "commitment_type"},
            {text(c.pricing_category), "pricing"},
            {text(c.commitment_status), "status"},
            {text(c.pricing_unit), "unit"},
            {money(c.cost), "cost"},
            {money(c.amortized_sp), "amortized"},
            {money(c.list_cost), "list"},
            {money(c.usage_amount), "usage_amount"}});
    sql += "priced AS (\n  SELECT *,\n";
    sql += "    CASE WHEN commitment_type IN ('Savings Plan', 'SavingsPlan') THEN 'SavingsPlan' "
           "WHEN commitment_type IN ('Reservation', 'Reserved') THEN 'Reserved' WHEN pricing = 'Dynamic' THEN 'Spot' "
           "WHEN pricing IN ('Standard', 'On-Demand') THEN 'OnDemand' WHEN pricing = 'Committed' THEN 'SavingsPlan' ELSE 'Other' END AS purchase\n";
    sql += "  FROM raw\n),\n";
    sql += "lines AS (\n  SELECT day, day_number, hour, itype, line_type, account_id, region_id, tag_value, resource_id, cost, purchase, amortized,\n";
    sql += fmt::format("    CASE WHEN line_type = 'Usage' AND status <> 'Unused' AND itype <> '' AND {} THEN usage_amount "
                       "ELSE CAST(0 AS DECIMAL(38, 9)) END AS usage_hours,\n",
                       hours_unit);
    sql += "    list AS list_cost,\n";
    sql += "    CASE WHEN status <> '' AND purchase NOT IN ('OnDemand', 'Spot') THEN "
           "CASE WHEN commitment_type IN ('Reservation', 'Reserved') THEN 'Reserved' ELSE 'SavingsPlan' END END AS commit_kind,\n";
    sql += "    CASE WHEN status <> '' AND purchase NOT IN ('OnDemand', 'Spot') THEN amortized ELSE 0 END AS commit_total,\n";
    sql += "    CASE WHEN status = 'Unused' AND purchase NOT IN ('OnDemand', 'Spot') THEN amortized ELSE 0 END AS commit_unused\n";
    sql += "  FROM priced\n),\n";
  }
  sql += fmt::format("flagged AS (\n  SELECT *, itype <> '' AND split_part(regexp_replace(itype, '^ml\\.', ''), '.', 1) IN ({}) AS gpu\n  FROM lines\n),\n",
                     families);
  // Keys are NULL off GPU lines, so those collapse into one NULL group per set.
  sql += "keyed AS (\n  SELECT *,\n";
  sql += "    CASE WHEN gpu THEN day END AS usage_day, CASE WHEN gpu THEN itype END AS instance_type,\n";
  sql += "    CASE WHEN gpu THEN purchase END AS purchase_option, CASE WHEN gpu THEN account_id END AS account,\n";
  sql += "    CASE WHEN gpu THEN region_id END AS region, CASE WHEN gpu THEN tag_value END AS tag,\n";
  sql += "    CASE WHEN gpu AND resource_id <> '' THEN resource_id END AS resource,\n";
  sql += "    CASE WHEN gpu AND purchase = 'OnDemand' AND usage_hours > 0 THEN hour END AS usage_hour\n";
  sql += "  FROM flagged\n)\n";
  sql += "SELECT\n  grouping(" ;
  for (int i = 0; i < kKeyCount; ++i) sql += std::string(i ? ", " : "") + kKeys[i];
  sql += ") AS grouping_mask,\n  ";
  for (int i = 0; i < kKeyCount; ++i) sql += std::string(kKeys[i]) + ", ";
  sql += "\n";
  sql += "  CAST(SUM(CASE WHEN gpu THEN cost ELSE 0 END) AS VARCHAR) AS gpu_cost,\n";
  sql += "  CAST(SUM(CASE WHEN gpu THEN amortized ELSE 0 END) AS VARCHAR) AS gpu_amortized,\n";
  sql += "  CAST(SUM(CASE WHEN gpu THEN usage_hours ELSE 0 END) AS VARCHAR) AS gpu_hours,\n";
  sql += "  CAST(SUM(CASE WHEN gpu AND usage_hours > 0 THEN list_cost ELSE 0 END) AS VARCHAR) AS usage_list,\n";
  sql += "  CAST(SUM(CASE WHEN gpu AND usage_hours > 0 THEN amortized ELSE 0 END) AS VARCHAR) AS usage_effective,\n";
  sql += "  CAST(SUM(CASE WHEN gpu AND usage_hours > 0 AND purchase = 'OnDemand' THEN usage_hours ELSE 0 END) AS VARCHAR) AS on_demand_hours,\n";
  sql += "  SUM(CASE WHEN gpu THEN 1 ELSE 0 END) AS gpu_lines,\n";
  sql += "  MIN(CASE WHEN gpu THEN itype END) AS min_type, MIN(CASE WHEN gpu THEN account_id END) AS min_account,\n";
  sql += "  MIN(CASE WHEN gpu THEN region_id END) AS min_region, MIN(CASE WHEN gpu THEN tag_value END) AS min_tag,\n";
  sql += "  MIN(CASE WHEN gpu THEN day END) AS first_day, MAX(CASE WHEN gpu THEN day END) AS last_day,\n";
  sql += "  COUNT(*) AS lines, CAST(SUM(cost) AS VARCHAR) AS total_cost,\n";
  sql += "  CAST(SUM(CASE WHEN commit_kind = 'SavingsPlan' THEN commit_total ELSE 0 END) AS VARCHAR) AS sp_total,\n";
  sql += "  CAST(SUM(CASE WHEN commit_kind = 'SavingsPlan' THEN commit_unused ELSE 0 END) AS VARCHAR) AS sp_unused,\n";
  sql += "  CAST(SUM(CASE WHEN commit_kind = 'Reserved' THEN commit_total ELSE 0 END) AS VARCHAR) AS ri_total,\n";
  sql += "  CAST(SUM(CASE WHEN commit_kind = 'Reserved' THEN commit_unused ELSE 0 END) AS VARCHAR) AS ri_unused,\n";
  sql += "  SUM(CASE WHEN commit_kind = 'SavingsPlan' THEN 1 ELSE 0 END) AS sp_fee_lines,\n";
  sql += "  SUM(CASE WHEN commit_kind = 'Reserved' THEN 1 ELSE 0 END) AS ri_fee_lines,\n";
  sql += "  MIN(CASE WHEN usage_hours > 0 THEN day_number * 24 + hour END) AS first_slot,\n";
  sql += "  MAX(CASE WHEN usage_hours > 0 THEN day_number * 24 + hour END) AS last_slot,\n";
  sql += "  MAX(CASE WHEN usage_hours > 0 THEN hour END) AS max_hour\n";
  sql += "FROM keyed\nGROUP BY GROUPING SETS (";
  for (std::size_t i = 0; i < std::size(kSets); ++i) {
    sql += i ? ", (" : "(";
    bool first = true;
    for (const char* k : kSets[i].keys) {
      sql += (first ? "" : ", ") + std::string(k);
      first = false;
    }
    sql += ")";
  }
  sql += ")\n";
  return sql;
}

namespace {

struct Row {
  const std::vector<std::string>& columns;
  const std::vector<std::optional<std::string>>& cells;
  long long number;
  const std::optional<std::string>& at(const char* name) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i] == name) {
        if (i >= cells.size()) break;
        return cells[i];
      }
    }
    throw Error(fmt::format("query result row {}: no column '{}'", number, name));
  }
  bool null(const char* name) const { return !at(name); }
  std::string str(const char* name) const { return at(name).value_or(""); }
  Nanos money(const char* name) const {
    const auto& v = at(name);
    if (!v) return 0;
    auto n = parse_amount(*v);
    if (!n) throw Error(fmt::format("query result row {}: expected an amount in {}, got '{}'", number, name, *v));
    return *n;
  }
  long long integer(const char* name) const {
    const auto& v = at(name);
    if (!v) return 0;
    try {
      std::size_t used = 0;
      const long long x = std::stoll(*v, &used);
      if (used == v->size()) return x;
    } catch (const std::exception&) {
    }
    throw Error(fmt::format("query result row {}: expected an integer in {}, got '{}'", number, name, *v));
  }
  double hours(const char* name) const { return static_cast<double>(money(name)) / 1e9; }
};

PurchaseOption purchase_of(const std::string& s, long long row) {
  for (auto p : {PurchaseOption::kOnDemand, PurchaseOption::kSpot, PurchaseOption::kSavingsPlan, PurchaseOption::kReserved, PurchaseOption::kOther}) {
    if (s == to_string(p)) return p;
  }
  throw Error(fmt::format("query result row {}: unknown purchase option '{}'", row, s));
}

}  // namespace

void add_query_row(GpuAggregator& agg, const std::vector<std::string>& columns, const std::vector<std::optional<std::string>>& cells,
                   long long number) {
  const Row r{columns, cells, number};
  const long long mask = r.integer("grouping_mask");
  auto is = [&](std::initializer_list<const char*> keys) { return mask == mask_of(keys); };
  // Off-GPU lines have NULL keys: their group in each set (but the totals) is skipped.
  if (is({"usage_day", "instance_type", "purchase_option"})) {
    if (r.null("instance_type")) return;
    GpuAggregator::CellSums c;
    c.cost = r.money("gpu_cost");
    c.amortized = r.money("gpu_amortized");
    c.hours = r.hours("gpu_hours");
    c.usage_list = r.money("usage_list");
    c.usage_effective = r.money("usage_effective");
    c.lines = r.integer("gpu_lines");
    agg.add_cell(r.str("usage_day"), r.str("instance_type"), purchase_of(r.str("purchase_option"), number), c);
  } else if (is({"account"})) {
    if (!r.null("account")) agg.add_dimension(GpuAggregator::Dimension::kAccount, r.str("account"), r.money("gpu_cost"));
  } else if (is({"region"})) {
    if (!r.null("region")) agg.add_dimension(GpuAggregator::Dimension::kRegion, r.str("region"), r.money("gpu_cost"));
  } else if (is({"tag"})) {
    if (!r.null("tag")) agg.add_dimension(GpuAggregator::Dimension::kTag, r.str("tag"), r.money("gpu_cost"));
  } else if (is({"instance_type", "region"})) {
    if (r.null("instance_type")) return;
    agg.add_type_region(r.str("instance_type"), r.str("region"), r.money("gpu_cost"));
  } else if (is({"resource"})) {
    if (r.null("resource")) return;
    ResourceSpend s;
    s.id = r.str("resource");
    s.instance_type = r.str("min_type");
    s.account = r.str("min_account");
    s.region = r.str("min_region");
    s.tag = r.str("min_tag");
    s.hours = r.hours("gpu_hours");
    s.cost = r.money("gpu_cost");
    s.amortized = r.money("gpu_amortized");
    s.lines = r.integer("gpu_lines");
    s.first_date = r.str("first_day");
    s.last_date = r.str("last_day");
    agg.add_resource(s);
  } else if (is({"usage_day", "usage_hour", "instance_type"})) {
    if (r.null("usage_hour") || r.null("instance_type")) return;
    agg.add_on_demand_hours(r.str("usage_day"), static_cast<int>(r.integer("usage_hour")), r.str("instance_type"), r.hours("on_demand_hours"));
  } else if (is({})) {
    std::map<std::string, CommitmentFees> fees;
    if (r.integer("sp_fee_lines") > 0) fees["SavingsPlan"] = {r.money("sp_total"), r.money("sp_unused")};
    if (r.integer("ri_fee_lines") > 0) fees["Reserved"] = {r.money("ri_total"), r.money("ri_unused")};
    const bool any_usage = !r.null("first_slot");
    agg.add_totals(r.integer("lines"), r.money("total_cost"), fees, any_usage ? r.integer("first_slot") : LONG_MAX,
                   any_usage ? r.integer("last_slot") : LONG_MIN, any_usage && r.integer("max_hour") > 0);
  } else {
    throw Error(fmt::format("query result row {}: grouping mask {} is none of the query's grouping sets", number, mask));
  }
}

}  // namespace frugal::billing
