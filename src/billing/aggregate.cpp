#include "billing/aggregate.h"

#include "billing/trend.h"

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
  if (li.commitment != PurchaseOption::kOther) {
    auto& c = s_.commitments[to_string(li.commitment)];
    c.total += li.commitment_total;
    c.unused += li.commitment_unused;
  }
  if (li.usage_hours > 0) {
    if (li.date != last_date_) {  // bills are sorted by time in practice: one conversion per day
      last_date_ = li.date;
      last_day_ = days_from_civil(li.date);
    }
    // Slots are hourly until a bill proves daily; result() divides by 24 for daily bills.
    const long slot = last_day_ * 24 + (li.hour < 0 ? 0 : li.hour);
    if (li.hour > 0) s_.hourly = true;
    if (slot < s_.first_slot) s_.first_slot = slot;
    if (slot > s_.last_slot) s_.last_slot = slot;
  }
  if (li.instance_type.empty() || !is_accelerated(li.instance_type)) return;
  ++s_.gpu_lines;
  s_.gpu_cost += li.cost;
  s_.gpu_amortized += li.amortized;
  s_.by_day_type[li.date][li.instance_type] += li.cost;
  s_.by_day_type_amortized[li.date][li.instance_type] += li.amortized;
  s_.by_type[li.instance_type] += li.cost;
  s_.by_purchase[to_string(li.purchase)] += li.cost;
  s_.by_purchase_amortized[to_string(li.purchase)] += li.amortized;
  s_.by_account[li.account] += li.cost;
  s_.by_region[li.region] += li.cost;
  s_.by_tag[li.tag] += li.cost;
  auto& u = s_.usage[li.instance_type];
  const int p = static_cast<int>(li.purchase);
  u.hours[p] += li.usage_hours;
  u.cost[p] += li.cost;
  u.effective[p] += li.amortized;
  if (li.usage_hours > 0) {
    u.usage_list[p] += li.list_cost;
    u.usage_effective[p] += li.amortized;
  }
  if (li.purchase == PurchaseOption::kOnDemand && li.usage_hours > 0) {
    s_.on_demand_slots[li.instance_type][last_day_ * 24 + (li.hour < 0 ? 0 : li.hour)] += li.usage_hours;
  }
}

const GpuSpend& GpuAggregator::result() {
  if (!normalised_ && !s_.hourly && s_.slot_count() > 0) {
    // A daily bill: every line sat at hour 0. Slots become days; a day's hours / 24 is the number
    // of instances that ran all day.
    s_.first_slot /= 24;
    s_.last_slot /= 24;
    for (auto& [type, slots] : s_.on_demand_slots) {
      std::unordered_map<long, double> days;
      for (const auto& [slot, h] : slots) days[slot / 24] += h / 24.0;
      slots = std::move(days);
    }
  }
  normalised_ = true;
  return s_;
}

}  // namespace frugal::billing
