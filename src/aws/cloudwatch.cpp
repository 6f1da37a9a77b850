#include "aws/cloudwatch.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "core/time_util.h"

namespace frugal::aws {

std::string iso8601(std::time_t t) { return format_utc(t, "%Y-%m-%dT%H:%M:%SZ"); }

std::time_t parse_iso8601(const std::string& s) {
  std::tm tm{};
  int y, mo, d, h = 0, mi = 0;
  double sec = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%lf", &y, &mo, &d, &h, &mi, &sec) < 3) {
    throw Error(fmt::format("expected an ISO 8601 time like 2025-09-01T00:00:00Z, got '{}'", s));
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = static_cast<int>(sec);
  return timegm(&tm);
}

int CloudWatch::put_metric_data(const std::string& ns, const std::vector<MetricDatum>& data) {
  int calls = 0;
  std::size_t i = 0;
  while (i < data.size()) {
    std::vector<std::pair<std::string, std::string>> params{{"Namespace", ns}};
    std::size_t bytes = 64 + ns.size();
    std::size_t n = 0;
    for (; i < data.size() && n < kMaxDatumsPerCall; ++i) {
      const auto& d = data[i];
      std::vector<std::pair<std::string, std::string>> one;
      const std::string p = fmt::format("MetricData.member.{}.", n + 1);
      one.emplace_back(p + "MetricName", d.name);
      one.emplace_back(p + "Value", fmt::format("{:.17g}", d.value));
      one.emplace_back(p + "Unit", d.unit);
      one.emplace_back(p + "Timestamp", iso8601(d.timestamp ? d.timestamp : client_.clock()));
      for (std::size_t k = 0; k < d.dimensions.size(); ++k) {
        one.emplace_back(fmt::format("{}Dimensions.member.{}.Name", p, k + 1), d.dimensions[k].first);
        one.emplace_back(fmt::format("{}Dimensions.member.{}.Value", p, k + 1), d.dimensions[k].second);
      }
      std::size_t add = 0;
      for (const auto& [k, v] : one) add += k.size() + v.size() * 3 + 2;  // worst-case encoding
      if (n > 0 && bytes + add > kMaxBodyBytes) break;
      bytes += add;
      params.insert(params.end(), one.begin(), one.end());
      ++n;
    }
    client_.query("PutMetricData", "2010-08-01", params);
    ++calls;
  }
  return calls;
}

std::vector<MetricPoint> CloudWatch::get_metric_data(const std::string& ns, const std::string& name,
                                                     const std::vector<std::pair<std::string, std::string>>& dims,
                                                     std::time_t start, std::time_t end, int period_s,
                                                     const std::string& stat) {
  std::vector<MetricPoint> out;
  std::string token;
  do {
    std::vector<std::pair<std::string, std::string>> p = {
        {"MetricDataQueries.member.1.Id", "m1"},
        {"MetricDataQueries.member.1.MetricStat.Metric.Namespace", ns},
        {"MetricDataQueries.member.1.MetricStat.Metric.MetricName", name},
        {"MetricDataQueries.member.1.MetricStat.Period", std::to_string(period_s)},
        {"MetricDataQueries.member.1.MetricStat.Stat", stat},
        {"StartTime", iso8601(start)},
        {"EndTime", iso8601(end)}};
    for (std::size_t k = 0; k < dims.size(); ++k) {
      p.emplace_back(fmt::format("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.{}.Name", k + 1), dims[k].first);
      p.emplace_back(fmt::format("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.{}.Value", k + 1), dims[k].second);
    }
    if (!token.empty()) p.emplace_back("NextToken", token);
    auto doc = client_.query("GetMetricData", "2010-08-01", p);
    auto result = doc.child("GetMetricDataResponse").child("GetMetricDataResult");
    for (auto m : result.child("MetricDataResults").children("member")) {
      std::vector<std::time_t> ts;
      std::vector<double> vs;
      for (auto t : m.child("Timestamps").children("member")) ts.push_back(parse_iso8601(t.child_value()));
      for (auto v : m.child("Values").children("member")) vs.push_back(std::stod(v.child_value()));
      for (std::size_t k = 0; k < ts.size() && k < vs.size(); ++k) out.push_back({ts[k], vs[k]});
    }
    token = result.child_value("NextToken");
  } while (!token.empty());
  std::sort(out.begin(), out.end(), [](const MetricPoint& a, const MetricPoint& b) { return a.timestamp < b.timestamp; });
  return out;
}

}  // namespace frugal::aws
