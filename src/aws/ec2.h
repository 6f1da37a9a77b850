// EC2 DescribeSpotPriceHistory (Query protocol, 2016-11-15), all pages.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "aws/client.h"

namespace frugal::aws {

struct SpotPrice {
  std::string instance_type;
  std::string availability_zone;
  double usd_per_hour = 0;
  std::time_t timestamp = 0;
};

// Prices for `instance_types` (Linux/UNIX) since `start`, newest first as EC2 returns them.
// Requests at most 100 instance types per call; follows nextToken.
std::vector<SpotPrice> describe_spot_price_history(AwsClient& ec2, const std::vector<std::string>& instance_types,
                                                   std::time_t start);

struct AvailabilityZone {
  std::string name;       // "us-east-1a"
  std::string id;         // "use1-az1"
  std::string zone_type;  // "availability-zone", "local-zone" or "wavelength-zone"
};

// DescribeAvailabilityZones with AllAvailabilityZones=true: every zone of the client's region,
// opted in or not, so spot prices from Local and Wavelength zones can be told apart.
std::vector<AvailabilityZone> describe_availability_zones(AwsClient& ec2);

}  // namespace frugal::aws
