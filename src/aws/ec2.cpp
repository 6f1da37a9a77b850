#include "aws/ec2.h"

#include <fmt/format.h>

#include "aws/cloudwatch.h"
#include "core/csv.h"
#include "core/error.h"

namespace frugal::aws {

std::vector<SpotPrice> describe_spot_price_history(AwsClient& ec2, const std::vector<std::string>& types, std::time_t start) {
  std::vector<SpotPrice> out;
  for (std::size_t from = 0; from < types.size(); from += 100) {
    std::string token;
    do {
      std::vector<std::pair<std::string, std::string>> p = {{"ProductDescription.1", "Linux/UNIX"},
                                                            {"StartTime", iso8601(start)}};
      for (std::size_t i = from; i < types.size() && i < from + 100; ++i) {
        p.emplace_back(fmt::format("InstanceType.{}", i - from + 1), types[i]);
      }
      if (!token.empty()) p.emplace_back("NextToken", token);
      auto doc = ec2.query("DescribeSpotPriceHistory", "2016-11-15", p);
      auto root = doc.child("DescribeSpotPriceHistoryResponse");
      for (auto item : root.child("spotPriceHistorySet").children("item")) {
        auto price = parse_double(item.child_value("spotPrice"));
        if (!price) throw Error(fmt::format("ec2 DescribeSpotPriceHistory: bad spotPrice '{}'", item.child_value("spotPrice")));
        out.push_back({item.child_value("instanceType"), item.child_value("availabilityZone"), *price,
                       parse_iso8601(item.child_value("timestamp"))});
      }
      token = root.child_value("nextToken");
    } while (!token.empty());
  }
  return out;
}

std::vector<AvailabilityZone> describe_availability_zones(AwsClient& ec2) {
  auto doc = ec2.query("DescribeAvailabilityZones", "2016-11-15", {{"AllAvailabilityZones", "true"}});
  std::vector<AvailabilityZone> out;
  for (auto item : doc.child("DescribeAvailabilityZonesResponse").child("availabilityZoneInfo").children("item")) {
    out.push_back({item.child_value("zoneName"), item.child_value("zoneId"), item.child_value("zoneType")});
  }
  return out;
}

}  // namespace frugal::aws
