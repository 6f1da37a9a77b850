// `frugal catalog refresh --spot`: live spot prices from EC2, checked before they replace the
// bundled ones.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "aws/client.h"
#include "catalog/catalog.h"

namespace frugal::pricing {

struct SpotRefresh {
  std::string cache_csv;              // the spot cache to write (Catalog::apply_spot_cache's format)
  int price_points = 0;
  int types_asked = 0;
  std::vector<std::string> refused;   // sanity failures: when any, the cache must not be written
};

// DescribeAvailabilityZones (zone kinds) and DescribeSpotPriceHistory since now - days for every
// accelerated type the bundled catalog can use. Sanity checks against `bundled` (with `region`
// selected) refuse: a price <= 0; a newest price older than `max_age_days` (moto's constant
// 0.00001 is dated 2006); a standard-AZ price more than 10x off the bundled spot (or on-demand)
// figure; a zone the region does not list.
SpotRefresh refresh_spot(aws::AwsClient& ec2, const Catalog& bundled, const std::string& region, int days,
                         std::time_t now, int max_age_days = 90);

}  // namespace frugal::pricing
