#include "cli/bill_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "cli/html.h"

namespace frugal::cli {
namespace {

using billing::to_usd;

const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"};
constexpr const char* kOther = "#b0b0b0";
constexpr int kMaxTypes = 7;  // types drawn by name; the rest are "other"

std::string money(double v) { return billing::format_usd(billing::from_usd(v)); }
std::string money_short(double v) {
  if (std::abs(v) >= 1e6) return fmt::format("${:.1f}M", v / 1e6);
  if (std::abs(v) >= 1e3) return fmt::format("${:.1f}k", v / 1e3);
  return fmt::format("${:.0f}", v);
}

// A "nice" axis: a step of 1, 2, 2.5 or 5 times a power of ten, at most 5 steps above `top`.
std::pair<double, int> nice_axis(double top) {
  if (top <= 0) return {1, 4};
  const double raw = top / 5, p = std::pow(10, std::floor(std::log10(raw)));
  double step = 10 * p;
  for (double m : {1.0, 2.0, 2.5, 5.0}) {
    if (m * p >= raw) {
      step = m * p;
      break;
    }
  }
  const int n = static_cast<int>(std::ceil(top / step - 1e-9));
  return {step * n, n};
}

// Stacked bars of amortized GPU spend per day (savings plan usage at its effective rate, so
// committed instances show), the 7-day average of those totals, and the anomalies.
std::string daily_chart(const BillReport& r, const std::vector<std::string>& types, const std::map<std::string, const char*>& color) {
  const auto& days = r.trend.days;
  const auto& spend = r.spend.by_day_type_amortized;
  std::vector<double> total(days.size(), 0), average(days.size(), 0);
  for (std::size_t i = 0; i < days.size(); ++i) {
    auto it = spend.find(days[i].date);
    if (it != spend.end()) {
      for (const auto& [t, v] : it->second) total[i] += to_usd(v);
    }
    double sum = 0;
    const std::size_t from = i >= 6 ? i - 6 : 0;
    for (std::size_t k = from; k <= i; ++k) sum += total[k];
    average[i] = sum / static_cast<double>(i - from + 1);
  }
  const double W = 1100, H = 360, L = 64, R = 180, T = 40, B = 46;
  const double pw = W - L - R, ph = H - T - B;
  double top = 0;
  for (std::size_t i = 0; i < days.size(); ++i) top = std::max({top, total[i], average[i]});
  const auto [ymax, ticks] = nice_axis(top * 1.12);
  const double bw = days.empty() ? 0 : pw / static_cast<double>(days.size());
  auto y = [&](double v) { return T + ph * (1 - v / ymax); };
  std::string s = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="sans-serif" font-size="11">)", W, H);
  s += fmt::format(R"(<text x="{}" y="20" font-size="14" font-weight="bold">GPU spend per day by instance type (amortized)</text>)", L);
  for (int i = 0; i <= ticks; ++i) {
    const double v = ymax * i / ticks;
    s += fmt::format(R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#e5e5e5"/><text x="{}" y="{:.1f}" text-anchor="end">{}</text>)",
                     L, L + pw, y(v), y(v), L - 6, y(v) + 4, money_short(v));
  }
  const std::set<std::string> named(types.begin(), types.end());
  for (std::size_t i = 0; i < days.size(); ++i) {
    const auto& d = days[i];
    const double x = L + bw * static_cast<double>(i);
    auto it = spend.find(d.date);
    double acc = 0;
    auto bar = [&](const std::string& label, const char* fill, double v) {
      if (v <= 0) return;
      s += fmt::format(R"(<rect class="bar" x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" fill="{}"><title>{} {}: {}</title></rect>)",
                       x + bw * 0.1, y(acc + v), bw * 0.8, y(acc) - y(acc + v), fill, d.date, html_escape(label), money(v));
      acc += v;
    };
    if (it != spend.end()) {
      double other = 0;
      for (const auto& t : types) {
        auto c = it->second.find(t);
        if (c != it->second.end()) bar(t, color.at(t), to_usd(c->second));
      }
      for (const auto& [t, v] : it->second) {
        if (!named.count(t)) other += to_usd(v);
      }
      bar("other", kOther, other);
    }
    if (days.size() <= 62 ? i % 7 == 0 : i % 14 == 0) {
      s += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>)", x + bw / 2, T + ph + 14, d.date.substr(5));
    }
  }
  std::string pts;
  for (std::size_t i = 0; i < days.size(); ++i) pts += fmt::format("{:.1f},{:.1f} ", L + bw * (static_cast<double>(i) + 0.5), y(average[i]));
  s += fmt::format(R"(<polyline fill="none" stroke="#222" stroke-width="1.6" stroke-dasharray="5 3" points="{}"/>)", pts);
  // Anomalies: a red marker above the day's bar, one per date (the largest impact); labels of
  // neighbouring markers are staggered so they stay readable.
  std::map<std::string, const billing::Anomaly*> by_date;
  for (const auto& a : r.trend.anomalies) {
    auto& cur = by_date[a.date];
    if (!cur || a.impact > cur->impact) cur = &a;
  }
  double last_x = -1e9;
  int stagger = 0;
  for (const auto& [date, a] : by_date) {
    auto pos = std::find_if(days.begin(), days.end(), [&](const billing::DayPoint& d) { return d.date == date; });
    if (pos == days.end()) continue;
    const std::size_t i = static_cast<std::size_t>(pos - days.begin());
    const double cx = L + bw * (static_cast<double>(i) + 0.5), cy = y(total[i]) - 6;
    stagger = cx - last_x < 44 ? stagger + 1 : 0;
    last_x = cx;
    s += fmt::format(R"(<g class="anomaly"><path d="M{:.1f},{:.1f} l-6,-10 h12 z" fill="#d62728"/><text x="{:.1f}" y="{:.1f}" text-anchor="middle" fill="#d62728" font-weight="bold">+{}</text><title>anomaly {}: {} vs {} expected ({})</title></g>)",
                     cx, cy, cx, cy - 13 - 13 * stagger, money_short(a->impact), date, money(a->actual), money(a->expected),
                     html_escape(a->scope.empty() ? "all GPUs" : a->scope));
  }
  double ly = T + 4;
  auto legend = [&](const std::string& label, const std::string& swatch) {
    s += swatch + fmt::format(R"(<text x="{}" y="{:.1f}">{}</text>)", L + pw + 36, ly + 9, html_escape(label));
    ly += 18;
  };
  for (const auto& t : types) legend(t, fmt::format(R"(<rect x="{}" y="{:.1f}" width="14" height="10" fill="{}"/>)", L + pw + 16, ly, color.at(t)));
  if (r.spend.by_type.size() > types.size()) legend("other", fmt::format(R"(<rect x="{}" y="{:.1f}" width="14" height="10" fill="{}"/>)", L + pw + 16, ly, kOther));
  legend("7-day average", fmt::format(R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#222" stroke-width="1.6" stroke-dasharray="5 3"/>)", L + pw + 16, L + pw + 30, ly + 5, ly + 5));
  legend("anomaly (impact)", fmt::format(R"(<path d="M{},{:.1f} l-6,-10 h12 z" fill="#d62728"/>)", L + pw + 23, ly + 10));
  return s + "</svg>";
}

// One horizontal 100% bar of amortized GPU spend per purchase option, with a legend.
std::string purchase_chart(const BillReport& r) {
  const std::map<std::string, const char*> colors = {{"OnDemand", "#d62728"}, {"Spot", "#2ca02c"}, {"SavingsPlan", "#1f77b4"},
                                                     {"Reserved", "#9467bd"}, {"Other", "#b0b0b0"}};
  double total = 0;
  for (const auto& [k, v] : r.spend.by_purchase_amortized) total += std::max(0.0, to_usd(v));
  const double W = 1100, L = 64, bw = 760;
  std::string s = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="96" font-family="sans-serif" font-size="12">)", W);
  s += fmt::format(R"(<text x="{}" y="18" font-size="14" font-weight="bold">Purchase options (amortized GPU spend)</text>)", L);
  double x = L;
  int row = 0;
  for (const auto& [k, v] : r.spend.by_purchase_amortized) {
    const double usd = std::max(0.0, to_usd(v));
    if (usd <= 0 || total <= 0) continue;
    const double w = bw * usd / total;
    const char* fill = colors.count(k) ? colors.at(k) : "#b0b0b0";
    s += fmt::format(R"(<rect class="purchase" x="{:.1f}" y="30" width="{:.1f}" height="26" fill="{}"><title>{}: {}</title></rect>)", x, w, fill, k, money(usd));
    if (w > 60) s += fmt::format(R"(<text x="{:.1f}" y="48" fill="#fff" text-anchor="middle">{:.0f}%</text>)", x + w / 2, 100 * usd / total);
    s += fmt::format(R"(<rect x="{}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}">{} {} ({:.1f}%)</text>)", L + bw + 20,
                     26 + row * 17, fill, L + bw + 38, 36 + row * 17, k, money(usd), 100 * usd / total);
    x += w;
    ++row;
  }
  return s + "</svg>";
}

std::string opportunities_chart(const BillReport& r) {
  std::vector<const billing::Opportunity*> os;
  for (const auto& o : r.savings.opportunities) {
    if (o.saving_usd && *o.saving_usd > 0) os.push_back(&o);
  }
  if (os.size() > 8) os.resize(8);
  if (os.empty()) return "";
  const double W = 1100, L = 280, bw = 600, rowh = 26;
  const double H = 34 + rowh * static_cast<double>(os.size());
  const double mx = *os.front()->saving_usd;
  std::string s = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{:.0f}" font-family="sans-serif" font-size="12">)", W, H);
  s += R"(<text x="0" y="18" font-size="14" font-weight="bold">Top opportunities (saving over the bill's period)</text>)";
  for (std::size_t i = 0; i < os.size(); ++i) {
    const auto& o = *os[i];
    const double yy = 30 + rowh * static_cast<double>(i), w = bw * *o.saving_usd / mx;
    s += fmt::format(R"(<text x="{}" y="{:.1f}" text-anchor="end">{} {}</text>)", L - 8, yy + 15, o.kind, html_escape(o.instance_type));
    s += fmt::format(R"(<rect class="opportunity" x="{}" y="{:.1f}" width="{:.1f}" height="18" fill="{}"><title>{}</title></rect>)", L, yy + 2, w,
                     o.kind == "spot" ? "#2ca02c" : o.kind == "idle" ? "#ff7f0e" : "#1f77b4", html_escape(o.assumption + "; rate: " + o.source));
    s += fmt::format(R"(<text x="{:.1f}" y="{:.1f}">{} ({:.0f}% of {})</text>)", L + w + 8, yy + 15, money(*o.saving_usd), o.discount * 100, money(o.current_usd));
  }
  return s + "</svg>";
}

}  // namespace

std::string bill_html(const BillReport& r) {
  // The most expensive types get names and colours; the rest are "other".
  std::vector<std::pair<std::string, billing::Nanos>> ranked(r.spend.by_type.begin(), r.spend.by_type.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> types;
  std::map<std::string, const char*> color;
  for (const auto& [t, v] : ranked) {
    if (static_cast<int>(types.size()) == kMaxTypes) break;
    color[t] = kPalette[types.size()];
    types.push_back(t);
  }
  std::string h = R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>frugal bill: GPU spend</title><style>
body{font-family:sans-serif;margin:24px;color:#222;max-width:1120px}
h1{font-size:22px;margin:0 0 4px}.sub{color:#666;margin-bottom:16px}
.synthetic{background:#fff3cd;border:1px solid #e0c36a;padding:8px 12px;margin-bottom:14px;font-weight:bold}
.cards{display:flex;gap:12px;margin:12px 0 18px}.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:150px}
.card .v{font-size:20px;font-weight:bold}.card .k{color:#666;font-size:12px}
table{border-collapse:collapse;margin:8px 0 20px;font-size:13px}td,th{border-bottom:1px solid #eee;padding:4px 10px;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}h2{font-size:16px;margin:22px 0 6px}.note{color:#666;font-size:12px}
</style></head><body>)";
  h += "<h1>GPU and accelerator spend</h1>";
  const auto& days = r.trend.days;
  h += fmt::format(R"(<div class="sub">{} to {} &middot; {} days &middot; {} bill lines</div>)", days.empty() ? "-" : days.front().date,
                   days.empty() ? "-" : days.back().date, days.size(), r.spend.lines);
  if (r.synthetic) h += R"(<div class="synthetic">SYNTHETIC BILL: made by <code>frugal bill synth</code>; every figure below is invented.</div>)";
  double covered = 0;
  for (const auto& c : r.savings.coverage) {
    if (c.instance_type == "all GPU types") covered = c.coverage;
  }
  h += R"(<div class="cards">)";
  auto card = [&](const std::string& v, const std::string& k) { h += fmt::format(R"(<div class="card"><div class="v">{}</div><div class="k">{}</div></div>)", v, k); };
  card(money(to_usd(r.spend.gpu_amortized)), "GPU spend, amortized");
  card(money(r.trend.daily_average), "per day on average (unblended)");
  card(std::to_string(r.trend.anomalies.size()), "anomalies");
  card(fmt::format("{:.0f}%", covered * 100), "GPU hours under commitment");
  card(money(r.savings.best_saving_usd), "could be saved (best per type)");
  h += "</div>";
  h += daily_chart(r, types, color);
  h += purchase_chart(r);
  h += opportunities_chart(r);

  h += "<h2>Opportunities</h2><table><tr><th>kind</th><th>instance type</th><th>hours</th><th>now</th><th>saving</th><th>assumes</th><th>rate from</th></tr>";
  for (const auto& o : r.savings.opportunities) {
    h += fmt::format(R"(<tr><td>{}</td><td>{}</td><td class="n">{:.0f}</td><td class="n">{}</td><td class="n">{}</td><td>{}</td><td class="note">{}</td></tr>)",
                     o.kind, html_escape(o.instance_type), o.hours, money(o.current_usd), o.saving_usd ? money(*o.saving_usd) : "unknown",
                     html_escape(o.assumption), html_escape(o.source));
  }
  h += "</table>";
  for (const auto& n : r.savings.notes) h += fmt::format(R"(<div class="note">{}</div>)", html_escape(n));

  h += "<h2>Anomalies</h2><table><tr><th>date</th><th>scope</th><th>actual</th><th>expected</th><th>impact</th><th>top cause</th></tr>";
  for (const auto& a : r.trend.anomalies) {
    h += fmt::format(R"(<tr><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">+{}</td><td>{}</td></tr>)", a.date,
                     html_escape(a.scope.empty() ? "all GPUs" : a.scope), money(a.actual), money(a.expected), money(a.impact),
                     html_escape(a.top_cause.empty() ? "-" : a.top_cause));
  }
  if (r.trend.anomalies.empty()) h += R"(<tr><td colspan="6">none</td></tr>)";
  h += "</table>";

  h += "<h2>Commitment coverage of GPU instance hours</h2><table><tr><th>instance type</th><th>on-demand h</th><th>savings plan h</th><th>reserved h</th><th>spot h</th><th>coverage</th></tr>";
  for (const auto& c : r.savings.coverage) {
    h += fmt::format(R"(<tr><td>{}</td><td class="n">{:.0f}</td><td class="n">{:.0f}</td><td class="n">{:.0f}</td><td class="n">{:.0f}</td><td class="n">{:.1f}%</td></tr>)",
                     html_escape(c.instance_type), c.on_demand_hours, c.savings_plan_hours, c.reserved_hours, c.spot_hours, c.coverage * 100);
  }
  h += "</table>";
  for (const auto& u : r.savings.utilization) {
    h += fmt::format(R"(<div class="note">{} utilization {:.1f}%: {} committed, {} unused (commitment-wide)</div>)", u.kind,
                     u.utilization * 100, money(to_usd(u.total)), money(to_usd(u.unused)));
  }
  h += "<h2>Top instance types</h2><table><tr><th>instance type</th><th>cost (unblended)</th><th>share</th></tr>";
  for (std::size_t i = 0; i < ranked.size() && i < 12; ++i) {
    h += fmt::format(R"(<tr><td>{}</td><td class="n">{}</td><td class="n">{:.1f}%</td></tr>)", html_escape(ranked[i].first),
                     money(to_usd(ranked[i].second)),
                     r.spend.gpu_cost ? 100.0 * static_cast<double>(ranked[i].second) / static_cast<double>(r.spend.gpu_cost) : 0);
  }
  h += "</table><h2>Sources</h2>";
  for (const auto& s : r.sources) h += fmt::format(R"(<div class="note">{}</div>)", html_escape(s));
  h += R"(<div class="note">Made by frugal bill. Charts show amortized cost (savings plan usage at its effective rate); tables, trend and anomalies use unblended (billed) cost, as the terminal report.</div>)";
  return h + "</body></html>\n";
}

}  // namespace frugal::cli
