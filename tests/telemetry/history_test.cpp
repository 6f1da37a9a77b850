// The SQLite history: tiers agree, retention prunes, the report query sums exactly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/error.h"
#include "telemetry/history.h"
#include "test_util.h"

using namespace frugal::telemetry;

namespace {

std::string temp_db(const std::string& name) {
  return temp_path("frugal_hist_" + name + ".db");
}

Snapshot one_gpu(double t) {
  Snapshot s;
  s.time = t;
  GpuSample g;
  g.uuid = "GPU-x";
  g.name = "NVIDIA H100 80GB HBM3";
  g.memory_used_bytes = 1 << 20;
  g.power_watts = 300;
  s.gpus.push_back(g);
  return s;
}

}  // namespace

TEST(History, TiersAgreeAndRetentionPrunes) {
  const std::string path = temp_db("tiers");
  HistoryStore h(path, Retention{86400, 30 * 86400.0, 365 * 86400.0});
  // Two hours of 10 s samples from an hour boundary: first hour at 50%, second idle; $3.6/h.
  const double t0 = 1'700'002'800;  // a multiple of 3600
  for (int k = 1; k <= 720; ++k) {
    const double t = t0 + 10.0 * k;
    AccountStep s{"GPU-x", 0, 10, k <= 360 ? 0.5 : 0.0, true, k > 360 ? 10.0 : 0.0, 0.01, k > 360 ? 0.01 : 0.0};
    h.record(one_gpu(t), {s});
  }
  const double now = t0 + 7200 + 5;
  EXPECT_EQ(h.tier_for(t0, now), "raw");
  EXPECT_EQ(h.tier_for(now - 2 * 86400, now), "minute");
  EXPECT_EQ(h.tier_for(now - 60 * 86400, now), "hour");
  for (double since : {t0, now - 2 * 86400, now - 60 * 86400}) {
    SCOPED_TRACE(h.tier_for(since, now));
    const auto u = h.usage(since, now);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_EQ(u[0].name, "NVIDIA H100 80GB HBM3");
    EXPECT_DOUBLE_EQ(u[0].seconds, 7200);
    EXPECT_NEAR(u[0].mean_utilization, 0.25, 1e-12);
    EXPECT_DOUBLE_EQ(u[0].idle_seconds, 3600);
    EXPECT_NEAR(u[0].cost, 7.2, 1e-9);
    EXPECT_NEAR(u[0].idle_cost, 3.6, 1e-9);
  }
  // Only the second hour (raw tier).
  const auto second = h.usage(t0 + 3600 + 1, now);
  EXPECT_DOUBLE_EQ(second[0].seconds, 3600);
  EXPECT_DOUBLE_EQ(second[0].mean_utilization, 0);
  // Two days later the raw rows are gone and the minute rollups still answer.
  EXPECT_EQ(h.prune(now + 2 * 86400), 720);
  EXPECT_DOUBLE_EQ(h.usage(now - 86400 * 2, now + 2 * 86400)[0].seconds, 7200);
  // 40 days later only the hours remain; 400 days later nothing.
  EXPECT_EQ(h.prune(now + 40 * 86400), 121);  // 121 minute buckets (the last sample opens one)
  EXPECT_DOUBLE_EQ(h.usage(now - 60 * 86400, now + 40 * 86400)[0].seconds, 7200);
  EXPECT_EQ(h.prune(now + 400 * 86400), 3);
  EXPECT_TRUE(h.usage(0, now + 400 * 86400).empty());
  std::filesystem::remove(path);
}

TEST(History, ReopensExistingDatabase) {
  const std::string path = temp_db("reopen");
  {
    HistoryStore h(path, Retention{86400, 86400, 86400});
    h.record(one_gpu(100), {AccountStep{"GPU-x", 0, 1, 0.9, true, 0, 0.5, 0}});
  }
  HistoryStore again(path, Retention{86400, 86400, 86400});
  again.record(one_gpu(101), {AccountStep{"GPU-x", 0, 1, 0.9, true, 0, 0.25, 0}});
  const auto u = again.usage(0, 200);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_DOUBLE_EQ(u[0].cost, 0.75);
  std::filesystem::remove(path);
}

TEST(History, UnwritablePathIsAClearError) {
  EXPECT_THROW(HistoryStore("/proc/frugal/nope.db", Retention{}), frugal::Error);
}
