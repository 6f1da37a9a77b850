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
  int hour = -1;        // hour of the usage start (0-23); -1 when the timestamp has no time
  // Instance hours this line bills (usage lines of an instance type only; 0 for fees, negations,
  // unused commitments and lines in other units).
  double usage_hours = 0;
  // On usage lines: the on-demand (list) cost of the usage, so a commitment's realized discount is
  // known. CUR: the unblended cost (covered usage is billed at the on-demand rate before its
  // negation); FOCUS: ListCost when the file has it, else BilledCost.
  Nanos list_cost = 0;
  std::string resource;  // the resource id (instance id "i-0abc..." on EC2 lines); empty when none
  std::string tag;  // value of ReadOptions::tag_key on this line; empty when untagged
  // Commitment fee lines (CUR SavingsPlanRecurringFee / RIFee; FOCUS rows with a
  // CommitmentDiscountStatus): the commitment's cost for the period and the part left unused.
  // Commitment-wide, not GPU-only: a Compute Savings Plan covers every instance family.
  PurchaseOption commitment = PurchaseOption::kOther;  // kSavingsPlan or kReserved on those lines
  Nanos commitment_total = 0, commitment_unused = 0;

  // Back to a default line, keeping the strings' storage (readers reuse one LineItem per row).
  void reset() {
    for (std::string* s : {&date, &instance_type, &account, &region, &line_type, &resource, &tag}) s->clear();
    purchase = commitment = PurchaseOption::kOther;
    cost = amortized = list_cost = commitment_total = commitment_unused = 0;
    hour = -1;
    usage_hours = 0;
  }
};

}  // namespace frugal::billing
