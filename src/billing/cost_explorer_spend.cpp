#include "billing/cost_explorer_spend.h"

#include <vector>

#include "aws/client.h"
#include "aws/cost_explorer.h"

namespace frugal::billing {

std::map<std::string, std::map<std::string, double>> daily_gpu_spend_from_cost_explorer(const aws::AwsConfig& cfg, const Catalog& cat,
                                                                                       const std::string& start, const std::string& end) {
  std::vector<std::string> types;
  for (const auto& it : cat.instances()) {
    if (it.accelerated()) types.push_back(it.name);
  }
  aws::AwsClient ce(cfg, "ce");
  std::map<std::string, std::map<std::string, double>> daily;
  for (const auto& r : aws::cost_by_instance_type(ce, start, end, types)) {
    if (r.instance_type == "NoInstanceType") continue;
    daily[r.date][r.instance_type] += r.amount;
  }
  return daily;
}

}  // namespace frugal::billing
