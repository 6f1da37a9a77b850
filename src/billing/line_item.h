// One normalized bill line, whatever the export format.
#pragma once

#include <string>

#include "billing/decimal.h"

namespace frugal::billing {

enum class Format { kFocus, kCurLegacy, kCurAthena, kCur2 };
const char* to_string(Format f);

enum class PurchaseOption { kOnDemand, kSpot, kSavingsPlan, kReserved, kOther };
const char* to_string(PurchaseOption p);

struct LineItem {
  std::string date;           // YYYY-MM-DD of the usage (charge period) start, UTC
  std::string instance_type;  // "p5.48xlarge", "ml.g5.xlarge"; empty when the line has none
  std::string account;
  std::string region;
  std::string line_type;      // CUR lineItem/LineItemType or FOCUS ChargeCategory
  PurchaseOption purchase = PurchaseOption::kOther;
  Nanos cost = 0;       // unblended (CUR) / billed (FOCUS)
  Nanos amortized = 0;  // amortized (CUR, per AWS's CID logic) / effective (FOCUS)
};

}  // namespace frugal::billing
