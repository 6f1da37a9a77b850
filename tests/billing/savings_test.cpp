// Commitments and opportunities on hand-built bills: every expected figure is computed here from
// the lines written, so a change in the rules shows up as a failure.
#include "billing/savings.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "billing/inputs.h"
#include "billing/reader.h"
#include "core/error.h"
#include "core/temp_dir.h"

using namespace frugal;
using namespace frugal::billing;

namespace {
const Catalog& cat() {
  static Catalog c = Catalog::load(FRUGAL_TEST_DATA_DIR);
  return c;
}
const char* kHeader =
    "lineItem/UsageStartDate,lineItem/LineItemType,lineItem/UsageType,lineItem/UsageAmount,lineItem/UnblendedCost,"
    "product/instanceType,savingsPlan/SavingsPlanARN,savingsPlan/SavingsPlanEffectiveCost,"
    "savingsPlan/TotalCommitmentToDate,savingsPlan/UsedCommitment\n";

std::string od(int hour, const std::string& type, double cost, double hours = 1, const std::string& day = "2025-09-01") {
  std::ostringstream s;
  s << day << "T" << (hour < 10 ? "0" : "") << hour << ":00:00Z,Usage,USE1-BoxUsage:" << type << "," << hours << "," << cost << ","
    << type << ",,,,\n";
  return s.str();
}

GpuSpend read_spend(const std::string& csv, GpuAggregator& agg) {
  std::istringstream in(csv);
  read_bill(in, "t.csv", [&](const LineItem& li) { agg.add(li); });
  return agg.result();
}

const Opportunity* find(const SavingsAnalysis& a, const std::string& kind, const std::string& type) {
  for (const auto& o : a.opportunities) {
    if (o.kind == kind && o.instance_type == type) return &o;
  }
  return nullptr;
}

// Three hours of a small fleet (see each block).
std::string fleet(bool with_savings_plan) {
  std::string b = kHeader;
  // g5.xlarge on demand: 3, 2, 2 instances -> 2 steady.
  for (int i = 0; i < 3; ++i) b += od(0, "g5.xlarge", 1.006);
  for (int h : {1, 2}) {
    for (int i = 0; i < 2; ++i) b += od(h, "g5.xlarge", 1.006);
  }
  for (int h = 0; h < 3; ++h) {
    // p4d: one node on demand at $20/h; one under the savings plan at $15 of a $20 list price.
    b += od(h, "p4d.24xlarge", 20);
    if (with_savings_plan) {
      b += "2025-09-01T0" + std::to_string(h) +
           ":00:00Z,SavingsPlanCoveredUsage,USE1-BoxUsage:p4d.24xlarge,1,20,p4d.24xlarge,arn:sp,15,,\n";
      b += "2025-09-01T0" + std::to_string(h) + ":00:00Z,SavingsPlanNegation,USE1-BoxUsage:p4d.24xlarge,1,-20,p4d.24xlarge,arn:sp,,,\n";
      b += "2025-09-01T0" + std::to_string(h) + ":00:00Z,SavingsPlanRecurringFee,ComputeSP:1yrNoUpfront,1,16,,arn:sp,,16,15\n";
    }
    // inf2.xlarge: one on demand all the time, at the catalog's price.
    b += od(h, "inf2.xlarge", *cat().find_instance("inf2.xlarge")->on_demand_hourly());
  }
  // p5: spot for an hour at $10, on demand for another at $40 (never steady).
  b += "2025-09-01T00:00:00Z,Usage,USE1-SpotUsage:p5.48xlarge,1,10,p5.48xlarge,,,,\n";
  b += od(1, "p5.48xlarge", 40);
  return b;
}
}  // namespace

TEST(Savings, CoverageUtilizationAndOpportunitiesFromTheBill) {
  GpuAggregator agg(cat());
  const GpuSpend s = read_spend(fleet(true), agg);
  EXPECT_TRUE(s.hourly);
  EXPECT_EQ(s.slot_count(), 3);
  const auto a = analyze_savings(s, cat(), load_commitment_rates(FRUGAL_TEST_DATA_DIR), {});

  // Coverage: p4d 3 covered of 3 + 3 hours; all types 3 covered of 3 + 14 on-demand hours.
  ASSERT_FALSE(a.coverage.empty());
  EXPECT_EQ(a.coverage.back().instance_type, "all GPU types");
  EXPECT_DOUBLE_EQ(a.coverage.back().coverage, 3.0 / 17.0);
  for (const auto& c : a.coverage) {
    if (c.instance_type == "p4d.24xlarge") {
      EXPECT_DOUBLE_EQ(c.coverage, 0.5);
    }
  }
  // Utilization: $48 committed, $45 used.
  ASSERT_EQ(a.utilization.size(), 1u);
  EXPECT_EQ(a.utilization[0].kind, "SavingsPlan");
  EXPECT_DOUBLE_EQ(a.utilization[0].utilization, 45.0 / 48.0);

  // p4d commitment: 1 steady on-demand node x 3 h x $20, at the 25% the plan realized on p4d.
  const Opportunity* c = find(a, "commitment", "p4d.24xlarge");
  ASSERT_TRUE(c && c->saving_usd);
  EXPECT_DOUBLE_EQ(c->instances, 1);
  EXPECT_NEAR(*c->saving_usd, 60 * 0.25, 1e-9);
  EXPECT_NE(c->source.find("realized on p4d.24xlarge"), std::string::npos) << c->source;
  // g5.xlarge commitment: 2 steady of 3/2/2, at the fleet-wide realized 25%.
  c = find(a, "commitment", "g5.xlarge");
  ASSERT_TRUE(c && c->saving_usd);
  EXPECT_DOUBLE_EQ(c->instances, 2);
  EXPECT_NEAR(*c->saving_usd, 2 * 3 * 1.006 * 0.25, 1e-9);
  // inf2.xlarge commitment: Neuron's published 3-year RI rate.
  const double inf2_od = *cat().find_instance("inf2.xlarge")->on_demand_hourly();
  c = find(a, "commitment", "inf2.xlarge");
  ASSERT_TRUE(c && c->saving_usd);
  EXPECT_NEAR(*c->saving_usd, 3 * (inf2_od - 0.328), 1e-6);
  EXPECT_NE(c->source.find("Reserved Instance"), std::string::npos);
  // p5: never on demand in every hour, so no commitment; spot at the bill's own spot rate.
  EXPECT_EQ(find(a, "commitment", "p5.48xlarge"), nullptr);
  const Opportunity* sp = find(a, "spot", "p5.48xlarge");
  ASSERT_TRUE(sp && sp->saving_usd);
  EXPECT_NEAR(*sp->saving_usd, 40 - 10, 1e-9);
  EXPECT_NE(sp->source.find("your bill's spot rate"), std::string::npos);
  // g5 spot at the catalog's spot / on-demand ratio.
  const auto* g5 = cat().find_instance("g5.xlarge");
  sp = find(a, "spot", "g5.xlarge");
  ASSERT_TRUE(sp && sp->saving_usd);
  EXPECT_NEAR(*sp->saving_usd, 7 * 1.006 * (1 - *g5->spot_hourly() / *g5->on_demand_hourly()), 1e-6);
  // Largest first; the idle seam reports "not assessed" without evidence.
  for (std::size_t i = 1; i < a.opportunities.size(); ++i) {
    EXPECT_GE(a.opportunities[i - 1].saving_usd.value_or(-1), a.opportunities[i].saving_usd.value_or(-1));
  }
  EXPECT_NE(a.notes.front().find("not assessed"), std::string::npos);
}

TEST(Savings, WithoutARateFromTheBillTheRegionsRiRateThenTheUsersDiscount) {
  GpuAggregator agg(cat());
  const GpuSpend s = read_spend(fleet(false), agg);
  const auto rates = load_commitment_rates(FRUGAL_TEST_DATA_DIR);
  auto a = analyze_savings(s, cat(), rates, {});
  const Opportunity* c = find(a, "commitment", "g5.xlarge");
  ASSERT_TRUE(c && c->saving_usd);
  // us-east-1 g5.xlarge 1-year Standard no-upfront RI 0.63378 against 1.006 on demand.
  EXPECT_NEAR(*c->saving_usd, 2 * 3 * 1.006 * (1 - 0.63378 / 1.006), 1e-9);
  EXPECT_NE(c->source.find("RI 1y standard no-upfront"), std::string::npos) << c->source;
  SavingsOptions o;
  o.commitment_discount = 0.3;
  a = analyze_savings(s, cat(), rates, o);
  c = find(a, "commitment", "g5.xlarge");
  ASSERT_TRUE(c && c->saving_usd);
  EXPECT_NEAR(*c->saving_usd, 2 * 3 * 1.006 * 0.3, 1e-9);
  EXPECT_TRUE(a.utilization.empty());
}

TEST(Savings, DailyBillsCountSteadyInstancesPerDay) {
  // Two days at daily granularity: 48 then 24 on-demand hours of g5.xlarge -> 1 steady instance.
  std::string b = kHeader;
  b += od(0, "g5.xlarge", 48 * 1.006, 48, "2025-09-01") + od(0, "g5.xlarge", 24 * 1.006, 24, "2025-09-02");
  GpuAggregator agg(cat());
  const GpuSpend s = read_spend(b, agg);
  EXPECT_FALSE(s.hourly);
  EXPECT_EQ(s.slot_count(), 2);
  SavingsOptions o;
  o.commitment_discount = 0.2;
  const auto a = analyze_savings(s, cat(), {}, o);
  const Opportunity* c = find(a, "commitment", "g5.xlarge");
  ASSERT_TRUE(c && c->saving_usd);
  EXPECT_DOUBLE_EQ(c->instances, 1);
  EXPECT_NEAR(c->hours, 48, 1e-9);
  EXPECT_NEAR(*c->saving_usd, 48 * 1.006 * 0.2, 1e-9);
}

TEST(BillInputs, ManifestGlobAndFolder) {
  namespace fs = std::filesystem;
  const TempDir dir("frugal-inputs-", "the test");
  const fs::path root = dir.path();
  fs::create_directories(root / "r/20250901-20251001/abc");
  for (const char* f : {"r/20250901-20251001/abc/r-1.csv.gz", "r/20250901-20251001/abc/r-2.csv.gz", "r/20250901-20251001/abc/old.csv"}) {
    std::ofstream(root / f) << "x";
  }
  // Legacy CUR manifest: keys carry the bucket prefix the local copy does not have.
  std::ofstream(root / "r/20250901-20251001/r-Manifest.json")
      << R"({"bucket":"b","reportKeys":["cur/r/20250901-20251001/abc/r-1.csv.gz","cur/r/20250901-20251001/abc/r-2.csv.gz"]})";
  auto files = expand_bill_inputs({(root / "r/20250901-20251001/r-Manifest.json").string()});
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(fs::path(files[0]).filename(), "r-1.csv.gz");
  EXPECT_EQ(fs::path(files[1]).filename(), "r-2.csv.gz");
  // CUR 2.0 manifest: s3:// URLs.
  EXPECT_EQ(manifest_keys(R"({"dataFiles":["s3://bkt/exp/data/x-00001.csv.gz"]})", "m.json"),
            std::vector<std::string>{"exp/data/x-00001.csv.gz"});
  EXPECT_EQ(manifest_bucket(R"({"dataFiles":["s3://bkt/exp/data/x-00001.csv.gz"]})"), "bkt");
  EXPECT_THROW(manifest_keys("[1,2]", "m.json"), InputError);
  EXPECT_THROW(manifest_keys(R"({"reportKeys":"x"})", "m.json"), InputError);
  // A manifest naming a file that is not there is an error, not a silent partial read.
  std::ofstream(root / "bad-Manifest.json") << R"({"reportKeys":["cur/r/missing.csv.gz"]})";
  EXPECT_THROW(expand_bill_inputs({(root / "bad-Manifest.json").string()}), Error);
  // Glob (sorted) and folder (recursive, CSV only).
  files = expand_bill_inputs({(root / "r/*/abc/r-*.csv.gz").string()});
  ASSERT_EQ(files.size(), 2u);
  EXPECT_LT(files[0], files[1]);
  EXPECT_EQ(expand_bill_inputs({root.string()}).size(), 3u);
  EXPECT_THROW(expand_bill_inputs({(root / "nothing-*.csv").string()}), Error);
}
