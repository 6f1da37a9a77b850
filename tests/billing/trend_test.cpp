// Trend, spikes and the weekday-aware anomaly detector on hand-built series.
#include <gtest/gtest.h>

#include "billing/trend.h"
#include "core/error.h"

using namespace frugal::billing;

namespace {
AnomalySettings settings() { return load_anomaly_settings(FRUGAL_TEST_DATA_DIR); }
}  // namespace

TEST(Trend, CalendarArithmetic) {
  EXPECT_EQ(days_from_civil("1970-01-01"), 0);
  EXPECT_EQ(days_from_civil("2025-09-01"), 20332);
  EXPECT_EQ(civil_from_days(20332), "2025-09-01");
  EXPECT_EQ(civil_from_days(days_from_civil("2024-02-29") + 1), "2024-03-01");
  EXPECT_STREQ(weekday_name(weekday_of(days_from_civil("2025-09-01"))), "Monday");
  EXPECT_STREQ(weekday_name(weekday_of(days_from_civil("1969-12-31"))), "Wednesday");
  EXPECT_THROW(days_from_civil("2025-9-1"), frugal::Error);
  EXPECT_THROW(days_from_civil("2025-13-01"), frugal::Error);
}

TEST(Trend, SettingsComeFromData) {
  const auto s = settings();
  EXPECT_DOUBLE_EQ(s.spike_factor, 1.5);
  EXPECT_DOUBLE_EQ(s.z_threshold, 3.5);
}

// Eight weeks from Monday 2025-09-01: weekdays $100 on p4d, weekends $40; on Wednesday
// 2025-10-08 a g5 fleet adds $200. Weekends are lower but normal for a weekday-aware baseline.
TEST(Trend, FindsTheInjectedIncidentAndOnlyIt) {
  std::map<std::string, std::map<std::string, double>> s;
  const long start = days_from_civil("2025-09-01");
  for (long d = 0; d < 56; ++d) {
    const std::string date = civil_from_days(start + d);
    const int wd = weekday_of(start + d);
    s[date]["p4d.24xlarge"] = (wd == 0 || wd == 6) ? 40 : 100;
  }
  s["2025-10-08"]["g5.12xlarge"] = 200;
  const Trend t = analyze_trend(s, settings());
  ASSERT_EQ(t.days.size(), 56u);
  EXPECT_DOUBLE_EQ(t.total, 8 * (5 * 100 + 2 * 40) + 200);
  ASSERT_EQ(t.anomalies.size(), 1u);
  const Anomaly& a = t.anomalies[0];
  EXPECT_EQ(a.date, "2025-10-08");
  EXPECT_DOUBLE_EQ(a.actual, 300);
  EXPECT_DOUBLE_EQ(a.expected, 100);
  EXPECT_DOUBLE_EQ(a.impact, 200);
  EXPECT_DOUBLE_EQ(a.impact_pct, 2.0);
  EXPECT_EQ(a.basis, "median of the 4 previous Wednesdays");
  EXPECT_EQ(a.top_cause, "g5.12xlarge");
  EXPECT_DOUBLE_EQ(a.top_cause_impact, 200);
  // The 28 residuals before it: 26 are 0 and two are -60 (week 2's weekend, judged against the
  // plain 7-day median before weekday history existed). MAD = 0, so the scale is 1.253314 x the
  // mean absolute deviation (120 / 28), above the 5% floor ($5).
  EXPECT_NEAR(a.score, 200 / (1.253314 * 120.0 / 28), 1e-9);
  // The classic rule: average = 4840 / 56 = 86.43; 300 > 1.5 x 86.43 is the only spike.
  ASSERT_EQ(t.spikes.size(), 1u);
  EXPECT_EQ(t.spikes[0].date, "2025-10-08");
  EXPECT_NEAR(t.spikes[0].factor, 300 / (4840.0 / 56), 1e-12);
}

TEST(Trend, NoisyHistoryRaisesTheBar) {
  // Alternating $80/$120 days: MAD of the residuals is large, so a $150 day is not anomalous.
  std::map<std::string, std::map<std::string, double>> s;
  const long start = days_from_civil("2025-01-01");
  for (long d = 0; d < 40; ++d) s[civil_from_days(start + d)]["p5.48xlarge"] = (d % 2) ? 80 : 120;
  s[civil_from_days(start + 39)]["p5.48xlarge"] = 150;
  EXPECT_TRUE(analyze_trend(s, settings()).anomalies.empty());
  s[civil_from_days(start + 39)]["p5.48xlarge"] = 1500;
  EXPECT_EQ(analyze_trend(s, settings()).anomalies.size(), 1u);
}

TEST(Trend, MonthsMovingAverageAndGaps) {
  std::map<std::string, std::map<std::string, double>> s;
  s["2025-08-30"]["g5.xlarge"] = 10;
  s["2025-08-31"]["g5.xlarge"] = 20;
  s["2025-09-03"]["g5.xlarge"] = 60;  // 09-01 and 09-02 have no GPU lines: 0
  const Trend t = analyze_trend(s, settings());
  ASSERT_EQ(t.days.size(), 5u);
  EXPECT_EQ(t.days[2].date, "2025-09-01");
  EXPECT_DOUBLE_EQ(t.days[2].cost, 0);
  EXPECT_DOUBLE_EQ(t.days[0].moving_average_7d, 10);
  EXPECT_DOUBLE_EQ(t.days[4].moving_average_7d, 90.0 / 5);
  EXPECT_DOUBLE_EQ(t.daily_average, 18);
  ASSERT_EQ(t.months.size(), 2u);
  EXPECT_EQ(t.months[0].month, "2025-08");
  EXPECT_DOUBLE_EQ(t.months[0].daily_average, 15);
  EXPECT_DOUBLE_EQ(t.months[1].daily_average, 20);
  EXPECT_TRUE(t.months[1].has_previous);
  EXPECT_NEAR(t.months[1].change_vs_previous, 20.0 / 15 - 1, 1e-12);
  EXPECT_TRUE(t.anomalies.empty());  // too little history to judge
}

TEST(Trend, NewSpendIsJudgedByItsSize) {
  std::map<std::string, std::map<std::string, double>> s;
  const long start = days_from_civil("2025-01-01");
  for (long d = 0; d < 30; ++d) s[civil_from_days(start + d)]["g5.xlarge"] = 24;
  s[civil_from_days(start + 29)]["p5.48xlarge"] = 2000;  // a type never seen before
  const Trend t = analyze_trend(s, settings());
  ASSERT_FALSE(t.anomalies.empty());
  EXPECT_EQ(t.anomalies[0].top_cause, "p5.48xlarge");
  bool per_type = false;
  for (const auto& a : t.anomalies) per_type = per_type || a.scope == "p5.48xlarge";
  EXPECT_FALSE(per_type);  // already explained by the all-GPU anomaly
}
