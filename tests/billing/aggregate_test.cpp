// The aggregator at any cardinality: breakdowns are exact whatever the number of distinct keys,
// keep the top rows with the rest summed, merge across threads, and resources keep their smallest
// attributes; the interner and id-indexed vectors under it.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include "billing/aggregate.h"
#include "billing/bill_query.h"
#include "core/error.h"

namespace frugal::billing {
namespace {

Catalog& catalog() {
  static Catalog c = Catalog::load(FRUGAL_TEST_DATA_DIR);
  return c;
}

LineItem gpu_line(int i, const std::string& account, const std::string& resource, const std::string& tag, Nanos cost) {
  LineItem li;
  li.date = fmt::format("2025-09-{:02}", 1 + i % 28);
  li.hour = i % 24;
  li.instance_type = "p5.48xlarge";
  li.account = account;
  li.region = "us-east-1";
  li.resource = resource;
  li.tag = tag;
  li.line_type = "Usage";
  li.purchase = PurchaseOption::kOnDemand;
  li.cost = li.amortized = li.list_cost = cost;
  li.usage_hours = 1;
  return li;
}

TEST(Interner, IdsAreDenseStableAndSurviveGrowthAndCopies) {
  Interner in;
  for (int i = 0; i < 100000; ++i) ASSERT_EQ(in.id(fmt::format("acct-{}", i)), static_cast<std::uint32_t>(i));
  for (int i = 0; i < 100000; i += 997) EXPECT_EQ(in.id(fmt::format("acct-{}", i)), static_cast<std::uint32_t>(i));
  EXPECT_EQ(in.id(""), 100000u);  // the empty string is a value like any other
  EXPECT_EQ(in.str(12345), "acct-12345");
  const Interner copy = in;  // views point into the copy's own blocks
  EXPECT_EQ(copy.str(99999), "acct-99999");
  EXPECT_EQ(copy.size(), in.size());
}

TEST(IdVector, GrowsInBlocksAndReadsUnwrittenAsZero) {
  IdVector<Nanos> v;
  v.at(200000) = 7;
  EXPECT_EQ(v.size(), 200001u);
  EXPECT_EQ(v[199999], 0);
  EXPECT_EQ(v[200000], 7);
  IdVector<Nanos> c = v;
  c.at(3) = 1;
  EXPECT_EQ(v[3], 0);
  EXPECT_EQ(c[200000], 7);
}

// Every line a new account and resource, every two lines a new tag value: the sums are exact, the
// result keeps --top rows and sums the rest, and two aggregators merge to the one-thread answer.
TEST(GpuAggregator, AnyCardinalityIsExactAndBounded) {
  const int n = 50000;
  GpuAggregator one(catalog()), a(catalog()), b(catalog());
  Nanos total = 0;
  for (int i = 0; i < n; ++i) {
    const Nanos cost = 1000000000LL + i;  // $1 + i nano-dollars: every account's sum differs
    const LineItem li = gpu_line(i, fmt::format("{:012}", i), fmt::format("i-{:017x}", i), fmt::format("team-{}", i / 2), cost);
    one.add(li);
    (i % 3 ? a : b).add(li);  // uneven halves, as chunks are
    total += cost;
  }
  one.set_top(10);
  const GpuSpend& s = one.result();
  EXPECT_EQ(s.gpu_cost, total);
  EXPECT_EQ(s.by_account.keys, static_cast<std::size_t>(n));
  ASSERT_EQ(s.by_account.rows.size(), 10u);
  EXPECT_EQ(s.by_account.rows[0].first, fmt::format("{:012}", n - 1));  // the largest first
  Nanos shown = 0;
  for (const auto& [k, c] : s.by_account.rows) shown += c;
  EXPECT_EQ(shown + s.by_account.others, total);
  EXPECT_EQ(s.by_tag.keys, static_cast<std::size_t>(n / 2));
  EXPECT_EQ(s.resources, static_cast<std::size_t>(n));
  ASSERT_EQ(s.by_resource.size(), 10u);
  EXPECT_EQ(s.by_resource[0].id, fmt::format("i-{:017x}", n - 1));
  // Merged halves give the same figures.
  a.merge(b);
  a.set_top(10);
  const GpuSpend& m = a.result();
  EXPECT_EQ(m.gpu_cost, total);
  EXPECT_EQ(m.by_account.rows, s.by_account.rows);
  EXPECT_EQ(m.by_account.others, s.by_account.others);
  EXPECT_EQ(m.by_tag.rows, s.by_tag.rows);
  EXPECT_EQ(m.by_resource[0].id, s.by_resource[0].id);
  EXPECT_EQ(m.by_day_type, s.by_day_type);
  EXPECT_EQ(m.on_demand_slots, s.on_demand_slots);
}

TEST(GpuAggregator, KeptResourcesAreListedWhateverTheirRank) {
  GpuAggregator agg(catalog());
  for (int i = 0; i < 100; ++i) agg.add(gpu_line(i, "a", fmt::format("i-{}", i), "", 1000000000LL * (i + 1)));
  agg.set_top(3);
  agg.keep_resource("i-0");  // the cheapest
  const GpuSpend& s = agg.result();
  ASSERT_EQ(s.by_resource.size(), 4u);
  ASSERT_NE(s.resource("i-0"), nullptr);
  EXPECT_EQ(s.resource("i-0")->cost, 1000000000LL);
  EXPECT_EQ(s.resource("i-50"), nullptr);
}

TEST(GpuAggregator, AResourceTakesItsSmallestAttributesAsSqlMinDoes) {
  GpuAggregator agg(catalog());
  agg.add(gpu_line(0, "222", "i-1", "zeta", 1));
  agg.add(gpu_line(1, "111", "i-1", "alpha", 1));
  const GpuSpend& s = agg.result();
  ASSERT_EQ(s.by_resource.size(), 1u);
  EXPECT_EQ(s.by_resource[0].account, "111");
  EXPECT_EQ(s.by_resource[0].tag, "alpha");
  EXPECT_EQ(s.by_resource[0].first_date, "2025-09-01");
  EXPECT_EQ(s.by_resource[0].last_date, "2025-09-02");
}

TEST(BillQuery, ABadResultRowIsNamed) {
  GpuAggregator agg(catalog());
  const std::vector<std::string> cols = {"grouping_mask", "usage_day", "instance_type", "purchase_option", "gpu_cost"};
  try {
    add_query_row(agg, cols, {std::string("31"), std::string("2025-09-01"), std::string("p5.48xlarge"), std::string("OnDemand"), std::string("x")}, 7);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("query result row 7"), std::string::npos) << e.what();
  }
  EXPECT_THROW(add_query_row(agg, cols, {std::string("12345"), std::nullopt, std::nullopt, std::nullopt, std::nullopt}, 8), Error);
}

TEST(BillQuery, TheSqlUsesTheRowLoopsRules) {
  BillSqlOptions o;
  o.table = "cur.data";
  o.gpu_families = {"p5", "g5"};
  o.tag_key = "team";
  const std::string sql = bill_sql(o, SqlDialect::kAthena);
  for (const auto& r : cur_line_rules()) EXPECT_NE(sql.find("WHEN '" + std::string(r.line_type) + "'"), std::string::npos) << r.line_type;
  EXPECT_NE(sql.find("IN ('p5', 'g5')"), std::string::npos);
  EXPECT_NE(sql.find("element_at(resource_tags, 'user_team')"), std::string::npos);
  EXPECT_NE(sql.find("GROUP BY GROUPING SETS"), std::string::npos);
  EXPECT_EQ(bill_sql(o, SqlDialect::kDuckDb).find("element_at"), std::string::npos);
  o.schema = Format::kCurLegacy;
  EXPECT_THROW(bill_sql(o, SqlDialect::kAthena), Error);
}

}  // namespace
}  // namespace frugal::billing
