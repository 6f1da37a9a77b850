// Live prices from AWS: on-demand and Reserved Instance rates from the Price List Query API
// (pricing GetProducts, JSON 1.1, us-east-1 endpoint) and Savings Plans rates from savingsplans
// DescribeSavingsPlansOfferingRates (REST-JSON). moto implements neither; tests replay the
// documented response shapes from their own server.
#pragma once

#include <string>
#include <vector>

#include "aws/client.h"
#include "catalog/catalog.h"

namespace frugal::pricing {

struct LiveRate {
  std::string instance_type;
  std::string region;
  std::string kind;  // "on-demand", "ri", "sp"
  int years = 0;
  std::string offering_class;  // ri: standard / convertible
  std::string payment;         // ri, sp: no-upfront / partial-upfront / all-upfront
  std::string plan_type;       // sp: compute / ec2-instance
  double usd_per_hour = 0;     // effective hourly (RI: hourly fee + upfront / term hours)
  std::string as_of;           // publication or effective date the API gave
  std::string source;
};

// GetProducts for each type in `region` (Linux, shared tenancy, no pre-installed software, used
// capacity, no licence), all pages. `location` is the Price List name of the region ("EU
// (Ireland)"). Local Zone SKUs and non-Linux operations are dropped.
std::vector<LiveRate> fetch_price_list(aws::AwsClient& pricing, const std::string& region, const std::string& location,
                                       const std::vector<std::string>& types);

// DescribeSavingsPlansOfferingRates (Compute and EC2 Instance plans, Linux/UNIX, shared) for the
// types in `region`; rates of Local Zones (other region codes) and other operations are dropped.
std::vector<LiveRate> fetch_savings_plans(aws::AwsClient& savingsplans, const std::string& region,
                                          const std::vector<std::string>& types);

// Plainly wrong figures, against the bundled catalog with `region` selected: a price <= 0, an
// on-demand rate more than 10x off the bundled one, a commitment rate above on-demand.
std::vector<std::string> check_rates(const std::vector<LiveRate>& rates, const Catalog& bundled);

// "refused to write the <what>, N rates look wrong: a; b; c; ..." (the first three reasons).
std::string refusal(const std::string& what, const std::vector<std::string>& reasons);

// The price cache Catalog::apply_price_cache reads.
std::string rates_csv(const std::vector<LiveRate>& rates);

}  // namespace frugal::pricing
