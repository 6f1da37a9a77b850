#include "aws/cost_explorer.h"

#include <fmt/format.h>

#include "aws/json_client.h"
#include "core/csv.h"
#include "core/error.h"

namespace frugal::aws {

std::vector<CostRow> cost_by_instance_type(AwsClient& ce, const std::string& start, const std::string& end,
                                           const std::vector<std::string>& types, const std::string& metric) {
  std::vector<CostRow> out;
  std::string token;
  do {
    nlohmann::json body = {{"TimePeriod", {{"Start", start}, {"End", end}}},
                           {"Granularity", "DAILY"},
                           {"Metrics", {metric}},
                           {"GroupBy", {{{"Type", "DIMENSION"}, {"Key", "INSTANCE_TYPE"}}}}};
    if (!types.empty()) body["Filter"] = {{"Dimensions", {{"Key", "INSTANCE_TYPE"}, {"Values", types}}}};
    if (!token.empty()) body["NextPageToken"] = token;
    auto j = json_call(ce, "AWSInsightsIndexService", "GetCostAndUsage", body);
    for (const auto& period : j.value("ResultsByTime", nlohmann::json::array())) {
      const std::string date = period["TimePeriod"].value("Start", "");
      const bool estimated = period.value("Estimated", false);
      for (const auto& g : period.value("Groups", nlohmann::json::array())) {
        const auto& m = g["Metrics"][metric];
        auto amount = parse_double(m.value("Amount", ""));
        if (!amount) throw Error(fmt::format("ce GetCostAndUsage: bad Amount for {} on {}", g["Keys"].dump(), date));
        out.push_back({date, g["Keys"].empty() ? "" : g["Keys"][0].get<std::string>(), *amount, m.value("Unit", "USD"),
                       estimated});
      }
    }
    token = j.value("NextPageToken", "");
  } while (!token.empty());
  return out;
}

}  // namespace frugal::aws
