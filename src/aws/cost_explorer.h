// Cost Explorer GetCostAndUsage (JSON 1.1, endpoint us-east-1): daily cost grouped by instance
// type, optionally filtered to a set of instance types, all pages.
#pragma once

#include <string>
#include <vector>

#include "aws/client.h"

namespace frugal::aws {

struct CostRow {
  std::string date;           // YYYY-MM-DD (period start)
  std::string instance_type;  // group key; "NoInstanceType" for costs without one
  double amount = 0;
  std::string unit;           // "USD"
  bool estimated = false;     // the period is not closed yet
};

// `start` inclusive, `end` exclusive, YYYY-MM-DD. `metric`: UnblendedCost, AmortizedCost, ...
std::vector<CostRow> cost_by_instance_type(AwsClient& ce, const std::string& start, const std::string& end,
                                           const std::vector<std::string>& instance_types,
                                           const std::string& metric = "UnblendedCost");

}  // namespace frugal::aws
