#include "serve/bill_summary.h"

#include <fmt/format.h>

#include <algorithm>

#include "billing/aggregate.h"
#include "billing/decimal.h"
#include "billing/inputs.h"
#include "billing/reader.h"
#include "billing/trend.h"
#include "catalog/catalog.h"
#include "core/error.h"

namespace frugal::serve {

nlohmann::json bill_summary(const std::vector<std::string>& inputs, const std::string& data_dir) {
  if (inputs.empty()) return {{"available", false}, {"reason", "no bill given: start frugal serve with --bill FILE|DIR"}};
  const auto files = billing::expand_bill_inputs(inputs);
  if (files.empty()) throw Error("--bill: no bill files found");
  return bill_summary(billing::daily_gpu_spend(files, Catalog::load(data_dir)), files.size() == 1 ? files[0] : fmt::format("{} bill files", files.size()), data_dir);
}

nlohmann::json bill_summary(const std::map<std::string, std::map<std::string, double>>& series, const std::string& source,
                            const std::string& data_dir) {
  const billing::Trend trend = billing::analyze_trend(series, billing::load_anomaly_settings(data_dir));
  nlohmann::json days = nlohmann::json::array(), by_type = nlohmann::json::array(), anomalies = nlohmann::json::array(),
                 spikes = nlohmann::json::array();
  for (const auto& d : trend.days) days.push_back({{"date", d.date}, {"cost", d.cost}, {"moving_average_7d", d.moving_average_7d}});
  std::map<std::string, double> per_type;
  for (const auto& [d, types] : series) {
    for (const auto& [t, v] : types) per_type[t] += v;
  }
  std::vector<std::pair<std::string, double>> types(per_type.begin(), per_type.end());
  std::sort(types.begin(), types.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [t, v] : types) by_type.push_back({{"instance_type", t}, {"cost", v}});
  for (const auto& a : trend.anomalies) {
    anomalies.push_back({{"date", a.date}, {"scope", a.scope.empty() ? "all GPUs" : a.scope}, {"actual", a.actual}, {"expected", a.expected},
                         {"impact", a.impact}, {"impact_pct", a.impact_pct}, {"basis", a.basis}, {"top_cause", a.top_cause}});
  }
  for (const auto& sp : trend.spikes) spikes.push_back({{"date", sp.date}, {"cost", sp.cost}, {"factor", sp.factor}});
  return {{"available", true},   {"source", source},     {"days", days},   {"by_type", by_type}, {"anomalies", anomalies},
          {"spikes", spikes},    {"total", trend.total}, {"daily_average", trend.daily_average}};
}

}  // namespace frugal::serve
