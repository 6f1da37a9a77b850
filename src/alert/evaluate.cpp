#include "alert/evaluate.h"

#include <fmt/format.h>

#include <cmath>

#include "billing/decimal.h"
#include "core/units.h"

namespace frugal::alert {

namespace {

// Cents, except under a dollar, where an hour of one idle GPU would read "$0.00".
std::string usd(double v) {
  if (v > 0 && v < 1) return fmt::format("${:.4f}", v);
  return billing::format_usd(billing::from_usd(v));
}

double day_total(const std::map<std::string, double>& types) {
  double s = 0;
  for (const auto& [t, v] : types) s += v;
  return s;
}

int days_in_month(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

void daily_spend(const RuleConfig& r, const Inputs& in, std::vector<Finding>& out) {
  if (in.daily.empty()) return;
  const auto& [date, types] = *in.daily.rbegin();
  const double spend = day_total(types);
  if (spend <= r.threshold_usd) return;
  Finding f{r.name, to_string(r.kind), r.name, r.severity, "", "", spend, {{"date", date}}};
  f.summary = fmt::format("GPU spend on {} was {}, over the {} daily threshold", date, usd(spend), usd(r.threshold_usd));
  std::string top;
  double top_v = -1;
  for (const auto& [t, v] : types) {
    if (v > top_v) top = t, top_v = v;
  }
  f.description = fmt::format("{} is the last day in {}; {} of it was {}.", date, in.spend_source, usd(top_v), top);
  out.push_back(f);
}

void anomaly(const RuleConfig& r, const Inputs& in, const Defaults& d, const billing::AnomalySettings& s, std::vector<Finding>& out) {
  if (in.daily.empty()) return;
  const billing::Trend trend = billing::analyze_trend(in.daily, s);
  const long last = billing::days_from_civil(in.daily.rbegin()->first);
  for (const auto& a : trend.anomalies) {
    if (last - billing::days_from_civil(a.date) > d.anomaly_lookback_days) continue;
    // Raised when its impact reaches either minimum the rule sets (dollars or percent); with
    // neither set, every anomaly the detector reports.
    const bool by_usd = r.min_impact_usd > 0 && a.impact >= r.min_impact_usd;
    const bool by_pct = r.min_impact_pct > 0 && a.impact_pct * 100 >= r.min_impact_pct;
    if ((r.min_impact_usd > 0 || r.min_impact_pct > 0) && !by_usd && !by_pct) continue;
    const std::string scope = a.scope.empty() ? "all GPU spend" : a.scope;
    Finding f{r.name, to_string(r.kind), a.date + "/" + (a.scope.empty() ? "all" : a.scope), r.severity, "", "", a.impact,
              {{"date", a.date}, {"scope", scope}}};
    f.summary = fmt::format("GPU spend anomaly on {} ({}): {} against {} expected, +{} ({:+.0f}%)", a.date, scope, usd(a.actual),
                            usd(a.expected), usd(a.impact), a.impact_pct * 100);
    f.description = fmt::format("Expected from the {}; modified z-score {:.1f}.{} Source: {}.", a.basis, a.score,
                                a.top_cause.empty() ? "" : fmt::format(" Most of the excess: {} (+{}).", a.top_cause, usd(a.top_cause_impact)),
                                in.spend_source);
    out.push_back(f);
  }
}

void forecast(const RuleConfig& r, const Inputs& in, const Defaults& d, std::vector<Finding>& out) {
  if (in.daily.empty()) return;
  const std::string last = in.daily.rbegin()->first;
  const std::string month = last.substr(0, 7);
  const int year = std::stoi(last.substr(0, 4)), mon = std::stoi(last.substr(5, 2)), day = std::stoi(last.substr(8, 2));
  double month_to_date = 0;
  for (const auto& [date, types] : in.daily) {
    if (date.rfind(month, 0) == 0) month_to_date += day_total(types);
  }
  // Average of the last `forecast_days` calendar days (missing days count as $0).
  const long last_day = billing::days_from_civil(last);
  double recent = 0;
  for (int i = 0; i < d.forecast_days; ++i) {
    auto it = in.daily.find(billing::civil_from_days(last_day - i));
    if (it != in.daily.end()) recent += day_total(it->second);
  }
  const double per_day = recent / d.forecast_days;
  const int remaining = days_in_month(year, mon) - day;
  const double projected = month_to_date + per_day * remaining;
  if (projected <= r.budget_usd) return;
  Finding f{r.name, to_string(r.kind), month, r.severity, "", "", projected, {{"month", month}}};
  f.summary = fmt::format("GPU spend for {} is forecast at {}, over the {} budget", month, usd(projected), usd(r.budget_usd));
  f.description = fmt::format("{} so far to {}, plus {} more days at {} per day (the last {} days' average). Source: {}.",
                              usd(month_to_date), last, remaining, usd(per_day), d.forecast_days, in.spend_source);
  out.push_back(f);
}

void idle_dollars(const RuleConfig& r, const Inputs& in, std::vector<Finding>& out) {
  if (!in.idle_dollars) return;
  const double idle = in.idle_dollars(r.period_seconds);
  if (idle <= r.threshold_usd) return;
  Finding f{r.name, to_string(r.kind), r.name, r.severity, "", "", idle, {{"period", human_duration(r.period_seconds)}}};
  f.summary = fmt::format("Idle GPUs cost {} in the last {}, over the {} threshold", usd(idle), human_duration(r.period_seconds),
                          usd(r.threshold_usd));
  f.description = "From the agents' histories; `frugal agent report --since` on each host names the GPUs and workloads.";
  out.push_back(f);
}

}  // namespace

std::vector<Finding> evaluate(const AlertConfig& c, const Inputs& in, const Defaults& d, const billing::AnomalySettings& anomaly_settings) {
  std::vector<Finding> out;
  for (const auto& r : c.rules) {
    switch (r.kind) {
      case RuleKind::kDailySpend: daily_spend(r, in, out); break;
      case RuleKind::kAnomaly: anomaly(r, in, d, anomaly_settings, out); break;
      case RuleKind::kForecast: forecast(r, in, d, out); break;
      case RuleKind::kIdleDollars: idle_dollars(r, in, out); break;
    }
  }
  return out;
}

}  // namespace frugal::alert
