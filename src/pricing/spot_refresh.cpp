#include "pricing/spot_refresh.h"

#include <fmt/format.h>

#include <map>
#include <sstream>

#include "aws/cloudwatch.h"
#include "aws/ec2.h"
#include "core/output.h"

namespace frugal::pricing {
namespace {

// How far a live figure may be from the bundled one before it is "plainly wrong": spot moves, but
// not by an order of magnitude against a snapshot months old.
constexpr double kMaxRatio = 10.0;

}  // namespace

SpotRefresh refresh_spot(aws::AwsClient& ec2, const Catalog& bundled, const std::string& region, int days,
                         std::time_t now, int max_age_days) {
  SpotRefresh r;
  std::vector<std::string> types;
  for (const auto& it : bundled.instances()) {
    if (it.accelerated() && it.accelerator) types.push_back(it.name);
  }
  r.types_asked = static_cast<int>(types.size());
  std::map<std::string, std::string> zone_type;
  for (const auto& z : aws::describe_availability_zones(ec2)) zone_type[z.name] = z.zone_type;
  auto prices = aws::describe_spot_price_history(ec2, types, now - static_cast<std::time_t>(days) * 86400);
  r.price_points = static_cast<int>(prices.size());

  // Newest point per (type, AZ), as the catalog will read them.
  std::map<std::pair<std::string, std::string>, const aws::SpotPrice*> newest;
  for (const auto& p : prices) {
    auto& slot = newest[{p.instance_type, p.availability_zone}];
    if (!slot || p.timestamp > slot->timestamp) slot = &p;
  }
  auto refuse = [&](std::string why) {
    if (r.refused.size() < 20) r.refused.push_back(std::move(why));
  };
  std::ostringstream csv;
  csv << "InstanceType,AvailabilityZone,ZoneType,SpotPrice,Timestamp,Region,source\n";
  const std::string source = fmt::format("EC2 DescribeSpotPriceHistory {} {}", region, aws::iso8601(now));
  for (const auto& [key, p] : newest) {
    const auto z = zone_type.find(p->availability_zone);
    if (z == zone_type.end()) {
      refuse(fmt::format("{} in {}: zone not listed by DescribeAvailabilityZones for {}", p->instance_type,
                         p->availability_zone, region));
      continue;
    }
    if (!(p->usd_per_hour > 0)) {
      refuse(fmt::format("{} in {}: price {} is not positive", p->instance_type, p->availability_zone, p->usd_per_hour));
      continue;
    }
    if (now - p->timestamp > static_cast<std::time_t>(max_age_days) * 86400) {
      refuse(fmt::format("{} in {}: newest price ${} is dated {}, more than {} days old", p->instance_type,
                         p->availability_zone, p->usd_per_hour, aws::iso8601(p->timestamp), max_age_days));
      continue;
    }
    if (z->second == "availability-zone") {
      const InstanceType* it = bundled.find_instance(p->instance_type);
      const auto ref = it ? (it->spot_hourly() ? it->spot_hourly() : it->on_demand_hourly()) : std::nullopt;
      if (ref && (p->usd_per_hour > *ref * kMaxRatio || p->usd_per_hour * kMaxRatio < *ref)) {
        refuse(fmt::format("{} in {}: ${}/h is more than {:g}x off the bundled ${:.4g}/h", p->instance_type,
                           p->availability_zone, p->usd_per_hour, kMaxRatio, *ref));
        continue;
      }
    }
    csv << fmt::format("{},{},{},{:.6f},{},{},{}\n", p->instance_type, p->availability_zone, z->second, p->usd_per_hour,
                       aws::iso8601(p->timestamp), region, csv_escape(source));
  }
  r.cache_csv = csv.str();
  return r;
}

}  // namespace frugal::pricing
