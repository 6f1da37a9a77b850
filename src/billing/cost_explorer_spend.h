// Daily GPU spend from Cost Explorer, for everything that analyses spend by day (`frugal alert run`,
// `frugal serve`): GetCostAndUsage grouped by instance type, filtered to the catalog's
// accelerated instance types.
#pragma once

#include <map>
#include <string>

#include "aws/config.h"
#include "catalog/catalog.h"

namespace frugal::billing {

// date (YYYY-MM-DD) -> instance type -> dollars, for [start, end) (`end` exclusive, as Cost
// Explorer takes it). Costs without an instance type are left out.
std::map<std::string, std::map<std::string, double>> daily_gpu_spend_from_cost_explorer(const aws::AwsConfig& cfg, const Catalog& cat,
                                                                                       const std::string& start, const std::string& end);

}  // namespace frugal::billing
