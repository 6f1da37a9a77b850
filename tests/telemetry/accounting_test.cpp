// Idle dollars on scripted scenarios, against hand-computed expectations.
#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "fake_nvml_util.h"
#include "telemetry/accounting.h"
#include "telemetry/pricing.h"

using namespace frugal::telemetry;

namespace {

IdlePolicy policy() { return IdlePolicy{0.10, 300, 60}; }

Snapshot snap(double t, std::vector<std::optional<double>> utils) {
  Snapshot s;
  s.time = t;
  for (unsigned i = 0; i < utils.size(); ++i) {
    GpuSample g;
    g.index = i;
    g.uuid = "GPU-" + std::to_string(i);
    g.utilization = utils[i];
    s.gpus.push_back(g);
  }
  return s;
}

}  // namespace

TEST(Accounting, PolicyComesFromData) {
  const IdlePolicy p = load_idle_policy(FRUGAL_TEST_DATA_DIR);
  EXPECT_DOUBLE_EQ(p.threshold, 0.10);
  EXPECT_DOUBLE_EQ(p.grace_s, 300);
  EXPECT_DOUBLE_EQ(p.max_gap_s, 60);
}

// The issue's "done means": idle dollars correct on a scripted scenario. Fake NVML timeline for
// GPU 0: 10 busy cycles (90%), 400 cycles at 2%, 50 at 50%; GPU 1: 100 busy, 200 at 0%, 160 busy.
// One cycle per second from t=1000. Cycle k's utilization covers the second that ends at it, so:
//   charged time  = 459 s per GPU (the first cycle only starts the clock)
//   GPU 0 idle    = 400 s (a 400 s low stretch > 300 s grace: all of it counts)
//   GPU 1 idle    = 0 s   (its 200 s low stretch never passed the grace period)
// At $4.0 per GPU-hour: cost 459 * 4 / 3600 = $0.51 each; GPU 0 idle 400 * 4 / 3600 = $0.4444...
TEST(Accounting, IdleDollarsOnScriptedScenario) {
  auto src = open_fake(R"({"devices": [
      {"uuid": "GPU-0", "utilization": [{"cycles": 10, "gpu": 90}, {"cycles": 400, "gpu": 2}, {"cycles": 50, "gpu": 50}]},
      {"uuid": "GPU-1", "utilization": [{"cycles": 100, "gpu": 90}, {"cycles": 200, "gpu": 0}, {"cycles": 160, "gpu": 70}]}]})");
  ASSERT_TRUE(src);
  CostAccountant acct(policy(), 4.0);
  for (int k = 0; k < 460; ++k) acct.update(src->sample(1000 + k));
  const auto& a = acct.accounts();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_DOUBLE_EQ(a[0].seconds, 459);
  EXPECT_DOUBLE_EQ(a[0].idle_seconds, 400);
  EXPECT_NEAR(a[0].cost, 459 * 4.0 / 3600, 1e-12);
  EXPECT_NEAR(a[0].idle_cost, 400 * 4.0 / 3600, 1e-12);
  EXPECT_FALSE(a[0].idle);
  EXPECT_DOUBLE_EQ(a[1].idle_seconds, 0);
  EXPECT_DOUBLE_EQ(a[1].idle_cost, 0);
  EXPECT_NEAR(a[1].cost, 0.51, 1e-12);
}

TEST(Accounting, IdleStartsOnlyAfterTheGracePeriod) {
  CostAccountant acct(policy(), 3.6);  // $0.001 per second
  acct.update(snap(0, {0.0}));
  for (int t = 10; t <= 300; t += 10) acct.update(snap(t, {0.0}));
  EXPECT_FALSE(acct.accounts()[0].idle);  // exactly 300 s: not longer than the grace period
  EXPECT_DOUBLE_EQ(acct.accounts()[0].idle_seconds, 0);
  const auto steps = acct.update(snap(310, {0.0}));
  EXPECT_TRUE(acct.accounts()[0].idle);
  EXPECT_DOUBLE_EQ(steps[0].idle_seconds, 310);  // the whole stretch, credited at once
  EXPECT_NEAR(steps[0].idle_cost, 0.310, 1e-12);
  acct.update(snap(320, {0.5}));  // work resumes: the stretch ends
  EXPECT_FALSE(acct.accounts()[0].idle);
  EXPECT_DOUBLE_EQ(acct.accounts()[0].idle_seconds, 310);
}

TEST(Accounting, GapsLongerThanMaxGapAreNotCharged) {
  CostAccountant acct(policy(), 3.6);
  acct.update(snap(0, {0.5}));
  acct.update(snap(10, {0.5}));
  acct.update(snap(1000, {0.5}));  // agent was away 990 s
  acct.update(snap(1005, {0.5}));
  EXPECT_DOUBLE_EQ(acct.accounts()[0].seconds, 15);
  acct.update(snap(900, {0.5}));  // clock stepped back
  EXPECT_DOUBLE_EQ(acct.accounts()[0].seconds, 15);
}

TEST(Accounting, WithoutUtilizationAGpuIsLowWhenNoProcessRuns) {
  CostAccountant acct(IdlePolicy{0.10, 0, 60}, 0);
  Snapshot s = snap(0, {std::nullopt, std::nullopt});
  s.gpus[1].processes.push_back({});
  acct.update(s);
  s.time = 5;
  auto steps = acct.update(s);
  EXPECT_DOUBLE_EQ(steps[0].idle_seconds, 5);  // MIG GPU, nothing running
  EXPECT_DOUBLE_EQ(steps[1].idle_seconds, 0);  // a process runs: not idle
  EXPECT_DOUBLE_EQ(steps[0].cost, 0);         // no price: time counted, dollars not
  s.gpus[1].lost = true;
  s.time = 10;
  steps = acct.update(s);
  EXPECT_DOUBLE_EQ(steps[1].idle_seconds, 5);  // a lost GPU still bills and does no work
}

TEST(Pricing, CatalogPriceDividedByGpus) {
  const auto cat = frugal::Catalog::load(FRUGAL_TEST_DATA_DIR);
  const auto* p4d = cat.find_instance("p4d.24xlarge");
  ASSERT_TRUE(p4d && p4d->on_demand_hourly());
  const GpuPrice od = gpu_price(cat, "p4d.24xlarge", "on-demand", std::nullopt, 8);
  EXPECT_EQ(od.gpus, 8);
  EXPECT_DOUBLE_EQ(od.per_gpu_hour, *p4d->on_demand_hourly() / 8);
  const GpuPrice spot = gpu_price(cat, "p4d.24xlarge", "spot", std::nullopt, 8);
  EXPECT_DOUBLE_EQ(spot.per_gpu_hour, *p4d->spot_hourly() / 8);
  const GpuPrice own = gpu_price(cat, "p4d.24xlarge", "on-demand", 20.0, 8);
  EXPECT_DOUBLE_EQ(own.per_gpu_hour, 2.5);
  EXPECT_EQ(own.purchase, "custom");
  const GpuPrice unknown = gpu_price(cat, "", "on-demand", std::nullopt, 2);
  EXPECT_EQ(unknown.per_gpu_hour, 0);
  EXPECT_NE(unknown.note.find("instance type unknown"), std::string::npos);
  const GpuPrice bogus = gpu_price(cat, "x9.huge", "on-demand", std::nullopt, 2);
  EXPECT_EQ(bogus.per_gpu_hour, 0);
  EXPECT_NE(bogus.note.find("not in the catalog"), std::string::npos);
  const GpuPrice mismatch = gpu_price(cat, "p4d.24xlarge", "on-demand", std::nullopt, 2);
  EXPECT_NE(mismatch.note.find("NVML sees 2"), std::string::npos);
}
