// `bill synth` end to end in the library: the synthetic bill reads back with the same totals,
// is deterministic by seed, and the analyses find exactly the injected incidents.
#include <gtest/gtest.h>

#include <sstream>

#include "billing/aggregate.h"
#include "billing/reader.h"
#include "billing/synth.h"
#include "billing/savings.h"
#include "billing/trend.h"

using namespace frugal::billing;

namespace {
const frugal::Catalog& catalog() {
  static const frugal::Catalog c = frugal::Catalog::load(FRUGAL_TEST_DATA_DIR);
  return c;
}
}  // namespace

class Synth : public ::testing::TestWithParam<Format> {};

TEST_P(Synth, IncidentsAreFoundAndTotalsReadBack) {
  SynthOptions o;
  o.format = GetParam();
  std::stringstream csv;
  const SynthResult r = synthesize_bill(catalog(), load_synth_figures(FRUGAL_TEST_DATA_DIR), o, csv);
  ASSERT_EQ(r.incidents.size(), 2u);
  GpuAggregator agg(catalog());
  const ReadStats st = read_bill(csv, "synthetic.csv", [&](const LineItem& li) { agg.add(li); });
  EXPECT_EQ(st.format, o.format);
  EXPECT_EQ(st.rows, r.lines);
  // Amortized GPU spend read back equals what the generator charged (to the cent: both sum the
  // same 10-decimal amounts).
  EXPECT_NEAR(to_usd(agg.result().gpu_amortized), r.gpu_usd, 0.01);
  // The savings plan: sized 8% above the covered node's use, so utilization is 1 / 1.08 in
  // both formats, and its realized discount is 1 - the plan's rate share.
  const auto fig = load_synth_figures(FRUGAL_TEST_DATA_DIR);
  const SavingsAnalysis sa = analyze_savings(agg.result(), catalog(), load_commitment_rates(FRUGAL_TEST_DATA_DIR), {});
  ASSERT_EQ(sa.utilization.size(), 1u);
  EXPECT_NEAR(sa.utilization[0].utilization, 1 / fig.savings_plan_commitment_vs_use, 1e-6);
  bool p4d_commitment = false;
  for (const auto& op : sa.opportunities) {
    if (op.kind == "commitment" && op.instance_type == "p4d.24xlarge") {
      p4d_commitment = true;
      EXPECT_NEAR(op.discount, 1 - fig.savings_plan_rate_share, 1e-6);
      EXPECT_DOUBLE_EQ(op.instances, 1);  // the second training node ran on demand all the time
    }
  }
  EXPECT_TRUE(p4d_commitment);
  std::map<std::string, std::map<std::string, double>> series;
  for (const auto& [d, m] : agg.result().by_day_type) {
    for (const auto& [t, v] : m) series[d][t] = to_usd(v);
  }
  const Trend t = analyze_trend(series, load_anomaly_settings(FRUGAL_TEST_DATA_DIR));
  // Every injected incident day is reported with its instance type as the cause...
  for (const Incident& inc : r.incidents) {
    for (int k = 0; k < inc.days; ++k) {
      const std::string day = civil_from_days(days_from_civil(inc.date) + k);
      bool found = false;
      for (const auto& a : t.anomalies) found = found || (a.date == day && a.top_cause == inc.instance_type);
      EXPECT_TRUE(found) << inc.what << " on " << day;
    }
  }
  // ...and nothing else: the daily cycles, weekends and spot interruptions are normal.
  EXPECT_EQ(t.anomalies.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Bill, Synth, ::testing::Values(Format::kCurLegacy, Format::kFocus));

TEST(Synth, SameSeedSameBill) {
  SynthOptions o;
  o.days = 3;
  std::stringstream a, b, c;
  const auto fig = load_synth_figures(FRUGAL_TEST_DATA_DIR);
  synthesize_bill(catalog(), fig, o, a);
  synthesize_bill(catalog(), fig, o, b);
  o.seed = 7;
  synthesize_bill(catalog(), fig, o, c);
  EXPECT_EQ(a.str(), b.str());
  EXPECT_NE(a.str(), c.str());
}
