#include "billing/aggregate.h"

namespace frugal::billing {

GpuAggregator::GpuAggregator(const Catalog& cat) {
  for (const auto& it : cat.instances()) {
    if (it.accelerated()) accelerated_.insert(it.name);
  }
}

bool GpuAggregator::is_accelerated(const std::string& t) const {
  if (t.rfind("ml.", 0) == 0) return accelerated_.count(t.substr(3)) > 0;
  return accelerated_.count(t) > 0;
}

void GpuAggregator::add(const LineItem& li) {
  ++s_.lines;
  s_.total_cost += li.cost;
  if (li.instance_type.empty() || !is_accelerated(li.instance_type)) return;
  ++s_.gpu_lines;
  s_.gpu_cost += li.cost;
  s_.gpu_amortized += li.amortized;
  s_.by_day_type[li.date][li.instance_type] += li.cost;
  s_.by_type[li.instance_type] += li.cost;
  s_.by_purchase[to_string(li.purchase)] += li.cost;
}

}  // namespace frugal::billing
