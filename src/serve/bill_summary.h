// What the dashboard's Bill view shows, from bill files: GPU spend per day with its 7-day average,
// by instance type, spikes and anomalies: the same reader, aggregator and detector as `frugal bill`.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace frugal::serve {

// {"available": true, "source", "days": [{"date", "cost", "moving_average_7d"}], "by_type": [...],
//  "anomalies": [...], "spikes": [...], "total", "daily_average"}; {"available": false, "reason"}
// without inputs. Throws Error/InputError for unreadable bills (at start-up, not per request).
nlohmann::json bill_summary(const std::vector<std::string>& inputs, const std::string& data_dir);
// The same from a daily series (date -> instance type -> dollars), e.g. from Cost Explorer.
nlohmann::json bill_summary(const std::map<std::string, std::map<std::string, double>>& daily, const std::string& source,
                            const std::string& data_dir);

}  // namespace frugal::serve
