// One-pass aggregation of bill lines into GPU spend tables (exact integer sums).
#pragma once

#include <map>
#include <set>
#include <string>

#include "billing/line_item.h"
#include "catalog/catalog.h"

namespace frugal::billing {

struct GpuSpend {
  std::map<std::string, std::map<std::string, Nanos>> by_day_type;  // date -> instance type -> cost
  std::map<std::string, Nanos> by_type, by_purchase;
  Nanos total_cost = 0;       // every line of the bill
  Nanos gpu_cost = 0;         // GPU/accelerator lines, unblended / billed
  Nanos gpu_amortized = 0;    // GPU/accelerator lines, amortized / effective
  long long lines = 0, gpu_lines = 0;
};

class GpuAggregator {
 public:
  explicit GpuAggregator(const Catalog& cat);
  void add(const LineItem& li);
  const GpuSpend& result() const { return s_; }
  // "p5.48xlarge" or "ml.g5.xlarge" with an accelerator in the catalog.
  bool is_accelerated(const std::string& instance_type) const;

 private:
  std::set<std::string> accelerated_;
  GpuSpend s_;
};

}  // namespace frugal::billing
