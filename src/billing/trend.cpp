#include "billing/trend.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/stats.h"
#include "core/toml_util.h"

namespace frugal::billing {

AnomalySettings load_anomaly_settings(const std::string& data_dir) {
  const std::string f = data_dir + "/billing/anomaly.toml";
  const toml::table t = load_toml_file(f);
  AnomalySettings s;
  s.spike_factor = require_number(t, "spike_factor", f);
  s.weekday_weeks = static_cast<int>(require_number(t, "weekday_weeks", f));
  s.min_weekday_points = static_cast<int>(require_number(t, "min_weekday_points", f));
  s.scale_window_days = static_cast<int>(require_number(t, "scale_window_days", f));
  s.min_history_days = static_cast<int>(require_number(t, "min_history_days", f));
  s.z_threshold = require_number(t, "z_threshold", f);
  s.min_scale_share = require_number(t, "min_scale_share", f);
  s.min_impact_usd = require_number(t, "min_impact_usd", f);
  return s;
}

// Howard Hinnant's days_from_civil / civil_from_days algorithms (public domain).
long days_from_civil(const std::string& date) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (date.size() != 10 || std::sscanf(date.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 ||
      d < 1 || d > 31) {
    throw Error(fmt::format("date '{}': expected YYYY-MM-DD", date));
  }
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

std::string civil_from_days(long z) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long y = static_cast<long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return fmt::format("{:04}-{:02}-{:02}", y + (m <= 2), m, d);
}

int weekday_of(long days) { return static_cast<int>(((days + 4) % 7 + 7) % 7); }  // 1970-01-01 was a Thursday

const char* weekday_name(int wd) {
  static const char* names[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  return names[wd % 7];
}

namespace {

// Expected spend for day index i: the median over reference days before it (the same weekday in
// earlier weeks, else the previous 7 days), or false without enough history.
struct Baseline {
  double value = 0;
  std::string basis;
  std::vector<std::size_t> refs;  // the reference days, also used to find the top cause
};

bool baseline(const std::vector<double>& v, long first_day, std::size_t i, const AnomalySettings& s, Baseline* out) {
  if (static_cast<int>(i) < s.min_history_days) return false;
  out->refs.clear();
  for (int w = 1; w <= s.weekday_weeks; ++w) {
    if (i >= static_cast<std::size_t>(7 * w)) out->refs.push_back(i - 7 * w);
  }
  if (static_cast<int>(out->refs.size()) >= s.min_weekday_points) {
    out->basis = fmt::format("median of the {} previous {}s", out->refs.size(),
                             weekday_name(weekday_of(first_day + static_cast<long>(i))));
  } else {
    out->refs.clear();
    for (std::size_t k = i - 7; k < i; ++k) out->refs.push_back(k);
    out->basis = "median of the previous 7 days";
  }
  std::vector<double> values;
  for (auto r : out->refs) values.push_back(v[r]);
  out->value = median(values);
  return true;
}

std::vector<Anomaly> detect_anomalies(const std::vector<double>& v, long first, const AnomalySettings& s,
                                      const std::vector<std::map<std::string, double>>* types) {
  const std::size_t n = v.size();
  std::vector<Anomaly> out;
  // Residual of every day against its own baseline, for the MAD scale of later days.
  std::vector<double> residual(n, std::nan(""));
  std::vector<Baseline> base(n);
  std::vector<bool> has(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    has[i] = baseline(v, first, i, s, &base[i]);
    if (has[i]) residual[i] = v[i] - base[i].value;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!has[i]) continue;
    // Scale from the residuals of the days before i (those with a baseline), in the window.
    std::vector<double> prior;
    for (std::size_t k = (i > static_cast<std::size_t>(s.scale_window_days) ? i - s.scale_window_days : 0); k < i; ++k) {
      if (!std::isnan(residual[k])) prior.push_back(residual[k]);
    }
    // Judge a day only once enough residuals exist to say what normal variation looks like.
    if (static_cast<int>(prior.size()) < s.min_history_days) continue;
    // Modified z-score scale (Iglewicz & Hoaglin): 1.4826 x MAD, or 1.253314 x the mean absolute
    // deviation when the MAD is 0 (more than half the residuals equal, e.g. two alternating levels).
    const double med = median(prior);
    std::vector<double> dev;
    double dev_sum = 0;
    for (double r : prior) {
      dev.push_back(std::fabs(r - med));
      dev_sum += dev.back();
    }
    const double mad = median(dev);
    const double spread = mad > 0 ? 1.4826 * mad : 1.253314 * dev_sum / static_cast<double>(dev.size());
    // Floors: a share of the expected spend (flat history), and min_impact / z_threshold so that
    // spend appearing where there was none is judged by its size alone (AWS flags new spend too).
    const double scale = std::max({spread, s.min_scale_share * base[i].value, s.min_impact_usd / s.z_threshold});
    const double impact = v[i] - base[i].value;
    if (impact < s.min_impact_usd) continue;
    const double z = impact / scale;
    if (z <= s.z_threshold) continue;
    Anomaly a;
    a.date = civil_from_days(first + static_cast<long>(i));
    a.actual = v[i];
    a.expected = base[i].value;
    a.impact = impact;
    a.impact_pct = base[i].value > 0 ? impact / base[i].value : 0;
    a.score = z;
    a.basis = base[i].basis;
    // Root cause: the instance type whose spend rose most against the same reference days.
    if (!types) {
      out.push_back(std::move(a));
      continue;
    }
    for (const auto& [type, cost] : (*types)[i]) {
      std::vector<double> h;
      for (auto r : base[i].refs) {
        auto it = (*types)[r].find(type);
        h.push_back(it == (*types)[r].end() ? 0 : it->second);
      }
      const double delta = cost - median(h);
      if (delta > a.top_cause_impact) {
        a.top_cause_impact = delta;
        a.top_cause = type;
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

Trend analyze_trend(const std::map<std::string, std::map<std::string, double>>& by_day_type, const AnomalySettings& s) {
  Trend t;
  if (by_day_type.empty()) return t;
  const long first = days_from_civil(by_day_type.begin()->first);
  const long last = days_from_civil(by_day_type.rbegin()->first);
  const auto n = static_cast<std::size_t>(last - first + 1);
  std::vector<double> v(n, 0);
  std::vector<std::map<std::string, double>> types(n);
  for (const auto& [date, m] : by_day_type) {
    const auto i = static_cast<std::size_t>(days_from_civil(date) - first);
    for (const auto& [type, cost] : m) {
      v[i] += cost;
      types[i][type] += cost;
    }
  }
  double window = 0;
  for (std::size_t i = 0; i < n; ++i) {
    window += v[i];
    if (i >= 7) window -= v[i - 7];
    t.days.push_back({civil_from_days(first + static_cast<long>(i)), v[i], window / static_cast<double>(std::min<std::size_t>(i + 1, 7))});
    t.total += v[i];
  }
  t.daily_average = t.total / static_cast<double>(n);

  for (const auto& d : t.days) {
    const std::string month = d.date.substr(0, 7);
    if (t.months.empty() || t.months.back().month != month) t.months.push_back({month});
    t.months.back().days += 1;
    t.months.back().cost += d.cost;
  }
  for (std::size_t k = 0; k < t.months.size(); ++k) {
    auto& m = t.months[k];
    m.daily_average = m.cost / m.days;
    if (k > 0 && t.months[k - 1].daily_average > 0) {
      m.has_previous = true;
      m.change_vs_previous = m.daily_average / t.months[k - 1].daily_average - 1;
    }
  }

  for (const auto& d : t.days) {
    if (t.daily_average > 0 && d.cost > s.spike_factor * t.daily_average) {
      t.spikes.push_back({d.date, d.cost, d.cost / t.daily_average});
    }
  }

  t.anomalies = detect_anomalies(v, first, s, &types);
  const std::size_t n_all = t.anomalies.size();
  // The same detector on each instance type's own series finds what is small against the whole
  // bill but large for its type (a runaway autoscaler on a cheap type). Days already explained by
  // an all-GPU anomaly whose top cause is that type are not repeated.
  std::map<std::string, std::vector<double>> per_type;
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& [type, cost] : types[i]) {
      auto& series = per_type[type];
      series.resize(n, 0);
      series[i] = cost;
    }
  }
  for (auto& [type, series] : per_type) {
    series.resize(n, 0);
    for (Anomaly a : detect_anomalies(series, first, s, nullptr)) {
      bool explained = false;
      for (std::size_t k = 0; k < n_all; ++k) {
        explained = explained || (t.anomalies[k].date == a.date && t.anomalies[k].top_cause == type);
      }
      if (explained) continue;
      a.scope = type;
      a.top_cause = type;
      a.top_cause_impact = a.impact;
      t.anomalies.push_back(std::move(a));
    }
  }
  std::stable_sort(t.anomalies.begin(), t.anomalies.end(), [](const Anomaly& x, const Anomaly& y) { return x.date < y.date; });
  return t;
}

}  // namespace frugal::billing
