// What the daily GPU spend series says: trend (total, daily average, 7-day moving average, month
// over month), spikes by the classic 1.5x-average rule, and a robust weekday-aware anomaly
// detector (rolling median and MAD) reporting expected vs actual spend and dollar impact, like
// AWS Cost Anomaly Detection's Impact fields. Pure functions over a date -> cost series.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace frugal::billing {

struct AnomalySettings {
  double spike_factor = 0;
  int weekday_weeks = 0;
  int min_weekday_points = 0;
  int scale_window_days = 0;
  int min_history_days = 0;
  double z_threshold = 0;
  double min_scale_share = 0;
  double min_impact_usd = 0;
};
// Loads data_dir/billing/anomaly.toml; throws Error naming the file and key.
AnomalySettings load_anomaly_settings(const std::string& data_dir);

struct DayPoint {
  std::string date;  // YYYY-MM-DD
  double cost = 0;   // dollars; days without GPU lines inside the range are 0
  double moving_average_7d = 0;  // mean of this day and the 6 before it (fewer at the start)
};

struct MonthPoint {
  std::string month;  // YYYY-MM
  int days = 0;       // days of the month present in the range
  double cost = 0;
  double daily_average = 0;
  double change_vs_previous = 0;  // change of the daily average vs the previous month (ratio)
  bool has_previous = false;
};

struct Spike {
  std::string date;
  double cost = 0;
  double factor = 0;  // cost / average daily spend
};

struct Anomaly {
  std::string date;
  double actual = 0;
  double expected = 0;
  double impact = 0;      // actual - expected
  double impact_pct = 0;  // impact / expected (0 when expected is 0)
  double score = 0;       // modified z-score
  std::string basis;      // "median of 4 previous Mondays" / "median of the previous 7 days"
  std::string scope;      // "" for all GPU spend, else the instance type whose own series it is
  std::string top_cause;  // instance type contributing most to the excess ("" when unknown)
  double top_cause_impact = 0;
};

struct Trend {
  std::vector<DayPoint> days;  // every day from the first to the last date, gaps filled with 0
  std::vector<MonthPoint> months;
  double total = 0;
  double daily_average = 0;
  std::vector<Spike> spikes;
  std::vector<Anomaly> anomalies;  // by date: all-GPU ones (scope "") and per-instance-type ones
};

// `by_day_type`: date -> instance type -> dollars. Dates must be YYYY-MM-DD (throws Error otherwise).
Trend analyze_trend(const std::map<std::string, std::map<std::string, double>>& by_day_type, const AnomalySettings& s);

// Day arithmetic on YYYY-MM-DD strings (proleptic Gregorian, UTC).
long days_from_civil(const std::string& date);  // days since 1970-01-01; throws Error when malformed
std::string civil_from_days(long days);
int weekday_of(long days);  // 0 = Sunday
const char* weekday_name(int wd);

}  // namespace frugal::billing
