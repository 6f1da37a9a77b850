// Instance types in bills: from the product column when present, otherwise parsed from the usage
// type ("USE1-BoxUsage:p5.48xlarge", "SpotUsage:g5.xlarge") or the line description ("$1.624 per
// On Demand Linux g5.4xlarge Instance Hour"), as AWS's own dashboards do.
#pragma once

#include <string>
#include <string_view>

namespace frugal::billing {

// The first token shaped like an instance type ("p4d.24xlarge", "ml.g5.2xlarge", "trn1n.32xlarge",
// "g6f.large", "p6-b200.48xlarge"); empty if none.
std::string find_instance_type(std::string_view text);

}  // namespace frugal::billing
