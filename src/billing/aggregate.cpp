#include "billing/aggregate.h"

#include <algorithm>

#include "billing/reader.h"
#include "billing/trend.h"

namespace frugal::billing {

GpuAggregator::GpuAggregator(const Catalog& cat) {
  for (const auto& [name, f] : cat.families()) {
    if (f.counts_as_accelerated_spend) families_.insert(name);
  }
}

bool GpuAggregator::is_accelerated(const std::string& t) const {
  std::string_view v = t;
  if (v.rfind("ml.", 0) == 0) v.remove_prefix(3);
  const auto dot = v.find('.');
  if (dot == std::string_view::npos) return false;
  return families_.find(v.substr(0, dot)) != families_.end();
}

std::size_t GpuAggregator::KeyHash::operator()(const KeyView& k) const {
  std::size_t h = std::hash<std::string_view>()(k.date);
  for (std::string_view f : {k.type, k.account, k.region, k.tag}) h = h * 1099511628211ULL ^ std::hash<std::string_view>()(f);
  return h * 31 + static_cast<std::size_t>(k.purchase);
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
  const KeyView kv{li.date, li.instance_type, li.account, li.region, li.tag, static_cast<int>(li.purchase)};
  auto it = pending_.find(kv);
  if (it == pending_.end()) {
    it = pending_.emplace(Key{li.date, li.instance_type, li.account, li.region, li.tag, kv.purchase}, Sums{}).first;
    it->second.day = days_from_civil(li.date);
  }
  Sums& x = it->second;
  ++x.lines;
  x.cost += li.cost;
  x.amortized += li.amortized;
  x.hours += li.usage_hours;
  if (li.usage_hours > 0) {
    x.usage_list += li.list_cost;
    x.usage_effective += li.amortized;
    if (li.purchase == PurchaseOption::kOnDemand) x.on_demand_by_hour[li.hour < 0 ? 0 : li.hour] += li.usage_hours;
  }
}

void GpuAggregator::flush() {
  for (const auto& [k, x] : pending_) {
    s_.gpu_lines += x.lines;
    s_.gpu_cost += x.cost;
    s_.gpu_amortized += x.amortized;
    s_.by_day_type[k.date][k.type] += x.cost;
    s_.by_day_type_amortized[k.date][k.type] += x.amortized;
    s_.by_type[k.type] += x.cost;
    const char* purchase = to_string(static_cast<PurchaseOption>(k.purchase));
    s_.by_purchase[purchase] += x.cost;
    s_.by_purchase_amortized[purchase] += x.amortized;
    s_.by_account[k.account] += x.cost;
    s_.by_region[k.region] += x.cost;
    s_.type_region[k.type][k.region] += x.cost;
    s_.by_tag[k.tag] += x.cost;
    auto& u = s_.usage[k.type];
    u.hours[k.purchase] += x.hours;
    u.cost[k.purchase] += x.cost;
    u.effective[k.purchase] += x.amortized;
    u.usage_list[k.purchase] += x.usage_list;
    u.usage_effective[k.purchase] += x.usage_effective;
    for (int h = 0; h < 24; ++h) {
      if (x.on_demand_by_hour[h] > 0) s_.on_demand_slots[k.type][x.day * 24 + h] += x.on_demand_by_hour[h];
    }
  }
  pending_.clear();
}

std::string GpuSpend::main_region(const std::string& type) const {
  auto t = type_region.find(type);
  if (t == type_region.end()) return "";
  std::string best;
  Nanos most = -1;
  for (const auto& [r, c] : t->second) {
    if (c > most) {
      most = c;
      best = r;
    }
  }
  return best;
}

void TypeUsage::add(const TypeUsage& o) {
  for (int p = 0; p < kPurchaseOptions; ++p) {
    hours[p] += o.hours[p];
    cost[p] += o.cost[p];
    effective[p] += o.effective[p];
    usage_list[p] += o.usage_list[p];
    usage_effective[p] += o.usage_effective[p];
  }
}

void GpuAggregator::merge(GpuAggregator& other) {
  flush();
  other.flush();
  const GpuSpend& o = other.s_;
  auto add_map = [](auto& into, const auto& from) {
    for (const auto& [k, v] : from) into[k] += v;
  };
  for (const auto& [d, types] : o.by_day_type) add_map(s_.by_day_type[d], types);
  for (const auto& [d, types] : o.by_day_type_amortized) add_map(s_.by_day_type_amortized[d], types);
  add_map(s_.by_type, o.by_type);
  add_map(s_.by_purchase, o.by_purchase);
  add_map(s_.by_account, o.by_account);
  add_map(s_.by_region, o.by_region);
  for (const auto& [t, regions] : o.type_region) add_map(s_.type_region[t], regions);
  add_map(s_.by_tag, o.by_tag);
  add_map(s_.by_purchase_amortized, o.by_purchase_amortized);
  for (const auto& [t, u] : o.usage) s_.usage[t].add(u);
  for (const auto& [t, slots] : o.on_demand_slots) add_map(s_.on_demand_slots[t], slots);
  s_.first_slot = std::min(s_.first_slot, o.first_slot);
  s_.last_slot = std::max(s_.last_slot, o.last_slot);
  s_.hourly = s_.hourly || o.hourly;
  for (const auto& [k, c] : o.commitments) {
    s_.commitments[k].total += c.total;
    s_.commitments[k].unused += c.unused;
  }
  s_.total_cost += o.total_cost;
  s_.gpu_cost += o.gpu_cost;
  s_.gpu_amortized += o.gpu_amortized;
  s_.lines += o.lines;
  s_.gpu_lines += o.gpu_lines;
}

const GpuSpend& GpuAggregator::result() {
  flush();
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

std::map<std::string, std::map<std::string, double>> daily_gpu_spend(const std::vector<std::string>& files, const Catalog& cat) {
  GpuAggregator agg(cat);
  for (const auto& f : files) read_bill_file(f, [&agg](const LineItem& li) { agg.add(li); });
  std::map<std::string, std::map<std::string, double>> daily;
  for (const auto& [date, types] : agg.result().by_day_type) {
    for (const auto& [t, v] : types) daily[date][t] = to_usd(v);
  }
  return daily;
}

}  // namespace frugal::billing
