// Prometheus text 0.0.4 and OpenMetrics rendering, byte for byte, and content negotiation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "telemetry/collect.h"
#include "telemetry/exposition.h"
#include "telemetry/publish.h"

using namespace frugal::telemetry;

namespace {
std::vector<MetricFamily> sample_families() {
  return {
      {"frugal_gpu", MetricType::kInfo, "GPU identity.", "", {{{{"gpu", "0"}, {"name", "A \"100\"\\x\ny"}}, 1}}},
      {"frugal_gpu_power_watts", MetricType::kGauge, "Power draw.\nSecond line", "watts", {{{{"gpu", "0"}}, 250.5}}},
      {"frugal_gpu_idle_cost_dollars", MetricType::kCounter, "Idle dollars.", "dollars", {{{{"gpu", "0"}}, 0.1}, {{{"gpu", "1"}}, 0}}},
      {"frugal_empty", MetricType::kGauge, "Skipped: no samples.", "", {}},
  };
}
}  // namespace

TEST(Exposition, PrometheusText004) {
  EXPECT_EQ(render_prometheus_text(sample_families()),
            "# HELP frugal_gpu_info GPU identity.\n"
            "# TYPE frugal_gpu_info gauge\n"
            "frugal_gpu_info{gpu=\"0\",name=\"A \\\"100\\\"\\\\x\\ny\"} 1\n"
            "# HELP frugal_gpu_power_watts Power draw.\\nSecond line\n"
            "# TYPE frugal_gpu_power_watts gauge\n"
            "frugal_gpu_power_watts{gpu=\"0\"} 250.5\n"
            "# HELP frugal_gpu_idle_cost_dollars_total Idle dollars.\n"
            "# TYPE frugal_gpu_idle_cost_dollars_total counter\n"
            "frugal_gpu_idle_cost_dollars_total{gpu=\"0\"} 0.1\n"
            "frugal_gpu_idle_cost_dollars_total{gpu=\"1\"} 0\n");
}

TEST(Exposition, OpenMetrics) {
  EXPECT_EQ(render_openmetrics(sample_families()),
            "# TYPE frugal_gpu info\n"
            "# HELP frugal_gpu GPU identity.\n"
            "frugal_gpu_info{gpu=\"0\",name=\"A \\\"100\\\"\\\\x\\ny\"} 1\n"
            "# TYPE frugal_gpu_power_watts gauge\n"
            "# UNIT frugal_gpu_power_watts watts\n"
            "# HELP frugal_gpu_power_watts Power draw.\\nSecond line\n"
            "frugal_gpu_power_watts{gpu=\"0\"} 250.5\n"
            "# TYPE frugal_gpu_idle_cost_dollars counter\n"
            "# UNIT frugal_gpu_idle_cost_dollars dollars\n"
            "# HELP frugal_gpu_idle_cost_dollars Idle dollars.\n"
            "frugal_gpu_idle_cost_dollars_total{gpu=\"0\"} 0.1\n"
            "frugal_gpu_idle_cost_dollars_total{gpu=\"1\"} 0\n"
            "# EOF\n");
}

TEST(Exposition, SpecialValues) {
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  EXPECT_EQ(format_value(INFINITY), "+Inf");
  EXPECT_EQ(format_value(-INFINITY), "-Inf");
  EXPECT_EQ(format_value(42949672960.0), "42949672960");
  EXPECT_EQ(format_value(0.85), "0.85");
}

TEST(Exposition, ContentNegotiation) {
  // Prometheus 2.x's default scrape Accept header.
  EXPECT_TRUE(accepts_openmetrics(
      "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
      "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
  EXPECT_FALSE(accepts_openmetrics("text/plain;version=0.0.4"));
  EXPECT_FALSE(accepts_openmetrics(""));
  EXPECT_FALSE(accepts_openmetrics("*/*"));
  EXPECT_FALSE(accepts_openmetrics("application/openmetrics-text;q=0.2,text/plain;q=0.9"));
  // RFC 9110: q=0 means "not acceptable"; media types are case-insensitive and match whole.
  EXPECT_FALSE(accepts_openmetrics("application/openmetrics-text;q=0"));
  EXPECT_FALSE(accepts_openmetrics("application/openmetrics-text;q=0.000,text/plain"));
  EXPECT_TRUE(accepts_openmetrics("Application/OpenMetrics-Text; Q=0.9"));
  EXPECT_FALSE(accepts_openmetrics("application/openmetrics-textx"));
  EXPECT_FALSE(accepts_openmetrics("xapplication/openmetrics-text"));
  EXPECT_FALSE(accepts_openmetrics("application/openmetrics-text;q=2"));  // malformed q: unacceptable
  EXPECT_FALSE(accepts_openmetrics("application/openmetrics-text;q=abc"));
  EXPECT_TRUE(accepts_openmetrics("application/*;q=0.8,text/plain;q=0.5"));
  EXPECT_TRUE(accepts_openmetrics("application/openmetrics-text;version=1.0.0;q=1.0"));
  // The most specific range wins: text/plain explicitly refused, OpenMetrics via */*: still text.
  EXPECT_FALSE(accepts_openmetrics("text/plain;q=0,*/*"));
}

TEST(Exposition, EveryFamilyFollowsNamingRules) {
  Snapshot s;
  s.driver_version = "550";
  GpuSample g;
  g.uuid = "GPU-1";
  g.utilization = 0.5;
  g.energy_joules = 10;
  g.processes.push_back({1, "u", "n", "c", 5, 0.5, std::nullopt});
  s.gpus.push_back(g);
  CostAccountant acct(IdlePolicy{0.1, 300, 60}, 1);
  acct.update(s);
  for (const auto& f : collect_families(s, acct, {}, AgentStats{}, CollectContext{})) {
    SCOPED_TRACE(f.name);
    EXPECT_EQ(f.name.rfind("frugal_", 0), 0u);
    EXPECT_EQ(f.name.find("percent"), std::string::npos);  // ratios, not percent
    EXPECT_FALSE(f.name.size() > 6 && f.name.substr(f.name.size() - 6) == "_total");
    if (!f.unit.empty()) {
      EXPECT_EQ(f.name.substr(f.name.size() - f.unit.size()), f.unit);
    }
    EXPECT_FALSE(f.help.empty());
  }
}

TEST(Emf, GroupsMetricsByDimensionSet) {
  CloudBatch b;
  b.time = 1700000000.5;
  b.metrics = {{"GPUUtilization", "Percent", 42, {{"GPU", "0"}, {"InstanceType", "p4d.24xlarge"}}},
               {"GPUIdleCost", "None", 0.25, {{"GPU", "0"}, {"InstanceType", "p4d.24xlarge"}}},
               {"GPUUtilization", "Percent", 0, {{"GPU", "1"}, {"InstanceType", "p4d.24xlarge"}}}};
  const auto lines = render_emf(b, "frugal/GPU");
  ASSERT_EQ(lines.size(), 2u);
  const auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["_aws"]["Timestamp"], 1700000000500LL);
  EXPECT_EQ(j["_aws"]["CloudWatchMetrics"][0]["Namespace"], "frugal/GPU");
  EXPECT_EQ(j["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0], nlohmann::json({"GPU", "InstanceType"}));
  EXPECT_EQ(j["_aws"]["CloudWatchMetrics"][0]["Metrics"].size(), 2u);
  EXPECT_EQ(j["GPUUtilization"], 42);
  EXPECT_EQ(j["GPUIdleCost"], 0.25);
  EXPECT_EQ(j["GPU"], "0");
  EXPECT_EQ(nlohmann::json::parse(lines[1])["GPU"], "1");
}
