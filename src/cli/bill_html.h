// `frugal bill --html`: a self-contained report (inline SVG and CSS, no scripts or downloads):
// stacked daily GPU spend by instance type with the 7-day average and anomalies marked, the
// purchase-option split, commitment coverage, and the top opportunities in dollars.
#pragma once

#include <string>
#include <vector>

#include "billing/aggregate.h"
#include "billing/savings.h"
#include "billing/trend.h"

namespace frugal::cli {

struct BillReport {
  const billing::GpuSpend& spend;
  const billing::Trend& trend;
  const billing::SavingsAnalysis& savings;
  std::vector<std::string> sources;  // "FILE (FORMAT, N rows)"
  bool synthetic = false;            // a `bill synth` file: the report says so at the top
};

std::string bill_html(const BillReport& r);

}  // namespace frugal::cli
