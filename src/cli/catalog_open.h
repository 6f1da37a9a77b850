// The catalog as every command sees it, and the region(s) it prices.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"

namespace frugal::cli {

// The bundled data plus what the user added: models from `frugal catalog add-model`
// (user_data_dir()/models) and the refreshed spot cache.
Catalog open_catalog(const std::string& data_dir);

struct PricingRegions {
  std::vector<std::string> regions;
  std::string from;  // how the region was chosen, for a note ("AWS_REGION", "default: ...")
};

// The regions to price: `flag` "all" (every priced commercial region), a comma-separated list, or
// one region; empty: the AWS conventions (AWS_REGION, AWS_DEFAULT_REGION, the profile's region,
// EC2 instance metadata), and us-east-1 when none says. Unknown regions are an Error with a
// suggestion.
PricingRegions pricing_regions(const std::string& flag, const std::string& profile, const Catalog& cat);

}  // namespace frugal::cli
