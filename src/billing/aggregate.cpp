#include "billing/aggregate.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>

#include "core/error.h"

#include "billing/reader.h"
#include "billing/trend.h"

namespace frugal::billing {

GpuAggregator::GpuAggregator(const Catalog& cat) {
  for (const auto& [name, f] : cat.families()) {
    if (f.counts_as_accelerated_spend) families_.insert(name);
  }
}

bool GpuAggregator::is_accelerated(std::string_view t) const {
  std::string_view v = t;
  if (v.rfind("ml.", 0) == 0) v.remove_prefix(3);
  const auto dot = v.find('.');
  if (dot == std::string_view::npos) return false;
  return families_.find(v.substr(0, dot)) != families_.end();
}

long GpuAggregator::day_of(std::uint32_t date) {
  if (date >= days_.size()) days_.resize(date + 1, LONG_MIN);
  if (days_[date] == LONG_MIN) days_[date] = days_from_civil(std::string(dates_.str(date)));
  return days_[date];
}

GpuAggregator::Sums& GpuAggregator::cell(std::uint32_t date, std::uint32_t type, int purchase) {
  // Dates and types are few (days of a bill, GPU types): 24 + 32 + 8 bits make one fixed key.
  const std::uint64_t key = (static_cast<std::uint64_t>(date) << 40) | (static_cast<std::uint64_t>(type) << 8) | static_cast<std::uint64_t>(purchase);
  if (key == last_cell_key_) return sums_[last_cell_];
  auto [it, fresh] = cells_.try_emplace(key, static_cast<std::uint32_t>(sums_.size()));
  if (fresh) sums_.emplace_back();
  last_cell_key_ = key;
  last_cell_ = it->second;
  return sums_[it->second];
}

namespace {
template <class V>
V& slot(IdVector<V>& v, std::uint32_t id) {
  return v.at(id);
}
template <class V>
V& slot(std::vector<V>& v, std::uint32_t id) {
  if (id >= v.size()) v.resize(std::max<std::size_t>(id + 1, v.size() * 2));
  return v[id];
}
}  // namespace

void GpuAggregator::add(const LineItem& li) {
  built_ = false;
  ++s_.lines;
  s_.total_cost += li.cost;
  if (li.commitment != PurchaseOption::kOther) {
    auto& c = s_.commitments[to_string(li.commitment)];
    c.total += li.commitment_total;
    c.unused += li.commitment_unused;
  }
  std::uint32_t date = 0;
  bool have_date = false;
  if (li.usage_hours > 0) {
    date = dates_.id(li.date);
    have_date = true;
    // Slots are hourly until a bill proves daily; result() divides by 24 for daily bills.
    const long slot = day_of(date) * 24 + (li.hour < 0 ? 0 : li.hour);
    if (li.hour > 0) hourly_ = true;
    if (slot < first_slot_) first_slot_ = slot;
    if (slot > last_slot_) last_slot_ = slot;
  }
  if (li.instance_type.empty()) return;
  const std::uint32_t type = types_.id(li.instance_type);
  // Whether a type counts as GPU spend is decided once per type id: 0 unknown, 1 yes, 2 no.
  signed char& accel = slot(accelerated_, type);
  if (accel == 0) accel = is_accelerated(li.instance_type) ? 1 : 2;
  if (accelerated_[type] != 1) return;
  if (!have_date) date = dates_.id(li.date);
  const int purchase = static_cast<int>(li.purchase);
  Sums& x = cell(date, type, purchase);
  ++x.lines;
  x.cost += li.cost;
  x.amortized += li.amortized;
  x.hours += li.usage_hours;
  if (li.usage_hours > 0) {
    x.usage_list += li.list_cost;
    x.usage_effective += li.amortized;
    if (li.purchase == PurchaseOption::kOnDemand) x.on_demand_by_hour[li.hour < 0 ? 0 : li.hour] += li.usage_hours;
  }
  const std::uint32_t account = accounts_.id(li.account);
  slot(account_cost_, account) += li.cost;
  const std::uint32_t region = regions_.id(li.region);
  slot(region_cost_, region) += li.cost;
  type_region_[(static_cast<std::uint64_t>(type) << 32) | region] += li.cost;
  const std::uint32_t tag = tags_.id(li.tag);
  slot(tag_cost_, tag) += li.cost;
  if (!li.resource.empty()) {
    fold_resource(slot(resource_, resources_.id(li.resource)),
                  Resource{type, account, region, tag, date, date, li.usage_hours, li.cost, li.amortized, 1});
  }
}

void GpuAggregator::CellSums::add(const CellSums& o) {
  cost += o.cost;
  amortized += o.amortized;
  usage_list += o.usage_list;
  usage_effective += o.usage_effective;
  hours += o.hours;
  lines += o.lines;
}

void GpuAggregator::fold_resource(Resource& res, const Resource& in) const {
  if (res.lines == 0) {
    res = in;
    return;
  }
  auto smaller = [](std::uint32_t& mine, std::uint32_t theirs, const Interner& names) {
    if (theirs != mine && names.str(theirs) < names.str(mine)) mine = theirs;
  };
  smaller(res.type, in.type, types_);
  smaller(res.account, in.account, accounts_);
  smaller(res.region, in.region, regions_);
  smaller(res.tag, in.tag, tags_);
  smaller(res.first_date, in.first_date, dates_);
  if (in.last_date != res.last_date && dates_.str(in.last_date) > dates_.str(res.last_date)) res.last_date = in.last_date;
  res.lines += in.lines;
  res.hours += in.hours;
  res.cost += in.cost;
  res.amortized += in.amortized;
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

void GpuAggregator::merge(GpuAggregator& o) {
  built_ = false;
  // Every id of the other aggregator is re-interned here; its sums are added under the new ids.
  auto remap = [](Interner& into, const Interner& from) {
    into.reserve(into.size() + from.size());
    std::vector<std::uint32_t> m(from.size());
    for (std::uint32_t i = 0; i < from.size(); ++i) m[i] = into.id(from.str(i));
    return m;
  };
  // The dimensions are independent: the large ones (accounts, tags, resources: millions of keys
  // on adversarial bills) are re-interned on their own threads while this one does the rest.
  auto accounts_done = std::async(std::launch::async, [&] {
    auto m = remap(accounts_, o.accounts_);
    for (std::uint32_t i = 0; i < o.account_cost_.size() && i < m.size(); ++i) slot(account_cost_, m[i]) += o.account_cost_[i];
    return m;
  });
  auto tags_done = std::async(std::launch::async, [&] {
    auto m = remap(tags_, o.tags_);
    for (std::uint32_t i = 0; i < o.tag_cost_.size() && i < m.size(); ++i) slot(tag_cost_, m[i]) += o.tag_cost_[i];
    return m;
  });
  auto resources_done = std::async(std::launch::async, [&] { return remap(resources_, o.resources_); });
  const auto dates = remap(dates_, o.dates_), types = remap(types_, o.types_), regions = remap(regions_, o.regions_);
  for (std::uint32_t t = 0; t < o.accelerated_.size() && t < types.size(); ++t) {
    if (o.accelerated_[t]) slot(accelerated_, types[t]) = o.accelerated_[t];
  }
  for (const auto& [key, idx] : o.cells_) {
    const Sums& from = o.sums_[idx];
    Sums& x = cell(dates[key >> 40], types[(key >> 8) & 0xFFFFFFFFu], static_cast<int>(key & 0xFF));
    x.add(from);
    for (int h = 0; h < 24; ++h) x.on_demand_by_hour[h] += from.on_demand_by_hour[h];
  }
  for (std::uint32_t i = 0; i < o.region_cost_.size() && i < regions.size(); ++i) slot(region_cost_, regions[i]) += o.region_cost_[i];
  for (const auto& [key, c] : o.type_region_) type_region_[(static_cast<std::uint64_t>(types[key >> 32]) << 32) | regions[key & 0xFFFFFFFFu]] += c;
  const auto accounts = accounts_done.get(), tags = tags_done.get(), resources = resources_done.get();
  for (std::uint32_t i = 0; i < o.resource_.size() && i < resources.size(); ++i) {
    const Resource& from = o.resource_[i];
    if (from.lines == 0) continue;
    fold_resource(slot(resource_, resources[i]),
                  Resource{types[from.type], accounts[from.account], regions[from.region], tags[from.tag], dates[from.first_date],
                           dates[from.last_date], from.hours, from.cost, from.amortized, from.lines});
  }
  first_slot_ = std::min(first_slot_, o.first_slot_);
  last_slot_ = std::max(last_slot_, o.last_slot_);
  hourly_ = hourly_ || o.hourly_;
  for (const auto& [k, c] : o.s_.commitments) {
    s_.commitments[k].total += c.total;
    s_.commitments[k].unused += c.unused;
  }
  s_.total_cost += o.s_.total_cost;
  s_.lines += o.s_.lines;
}

void GpuAggregator::add_cell(std::string_view date, std::string_view type, PurchaseOption purchase, const CellSums& c) {
  built_ = false;
  const std::uint32_t t = types_.id(type);
  slot(accelerated_, t) = 1;
  cell(dates_.id(date), t, static_cast<int>(purchase)).add(c);
}

void GpuAggregator::add_on_demand_hours(std::string_view date, int hour, std::string_view type, double hours) {
  if (hour < 0 || hour > 23) throw Error(fmt::format("hour {} out of range 0-23", hour));
  built_ = false;
  const std::uint32_t t = types_.id(type);
  slot(accelerated_, t) = 1;
  cell(dates_.id(date), t, static_cast<int>(PurchaseOption::kOnDemand)).on_demand_by_hour[static_cast<std::size_t>(hour)] += hours;
}

void GpuAggregator::add_dimension(Dimension d, std::string_view key, Nanos cost) {
  built_ = false;
  switch (d) {
    case Dimension::kAccount: slot(account_cost_, accounts_.id(key)) += cost; break;
    case Dimension::kRegion: slot(region_cost_, regions_.id(key)) += cost; break;
    case Dimension::kTag: slot(tag_cost_, tags_.id(key)) += cost; break;
  }
}

void GpuAggregator::add_type_region(std::string_view type, std::string_view region, Nanos cost) {
  built_ = false;
  type_region_[(static_cast<std::uint64_t>(types_.id(type)) << 32) | regions_.id(region)] += cost;
}

void GpuAggregator::add_resource(const ResourceSpend& r) {
  built_ = false;
  fold_resource(slot(resource_, resources_.id(r.id)),
                Resource{types_.id(r.instance_type), accounts_.id(r.account), regions_.id(r.region), tags_.id(r.tag), dates_.id(r.first_date),
                         dates_.id(r.last_date), r.hours, r.cost, r.amortized, r.lines});
}

void GpuAggregator::add_totals(long long lines, Nanos total_cost, const std::map<std::string, CommitmentFees>& commitments, long first_slot,
                               long last_slot, bool hourly) {
  built_ = false;
  s_.lines += lines;
  s_.total_cost += total_cost;
  for (const auto& [k, c] : commitments) {
    s_.commitments[k].total += c.total;
    s_.commitments[k].unused += c.unused;
  }
  first_slot_ = std::min(first_slot_, first_slot);
  last_slot_ = std::max(last_slot_, last_slot);
  hourly_ = hourly_ || hourly;
}

namespace {
// The `top` largest of `cost` (0: all), by cost then key, and the sum of the rest: a partial sort
// of ids, so a million keys cost a million-entry index, not a million sorted strings.
Breakdown breakdown(const Interner& keys, const IdVector<Nanos>& cost, std::size_t top) {
  Breakdown b;
  const std::size_t n = std::min<std::size_t>(keys.size(), cost.size());
  std::vector<std::uint32_t> ids(n);
  for (std::uint32_t i = 0; i < n; ++i) ids[i] = i;
  const std::size_t k = top == 0 ? n : std::min(top, n);
  auto larger = [&](std::uint32_t x, std::uint32_t y) { return cost[x] != cost[y] ? cost[x] > cost[y] : keys.str(x) < keys.str(y); };
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(), larger);
  b.keys = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (i < k) b.rows.emplace_back(std::string(keys.str(ids[i])), cost[ids[i]]);
    else b.others += cost[ids[i]];
  }
  return b;
}
}  // namespace

const ResourceSpend* GpuSpend::resource(const std::string& id) const {
  for (const auto& r : by_resource) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

const GpuSpend& GpuAggregator::result() {
  if (built_) return s_;
  GpuSpend& s = s_;
  // Rebuilt from the raw sums each time: result() may be called, then more lines merged.
  s.by_day_type.clear(), s.by_day_type_amortized.clear(), s.by_type.clear(), s.by_purchase.clear();
  s.by_purchase_amortized.clear(), s.usage.clear(), s.type_region.clear(), s.on_demand_slots.clear();
  s.gpu_cost = s.gpu_amortized = 0;
  s.gpu_lines = 0;
  for (const auto& [key, idx] : cells_) {
    const Sums& x = sums_[idx];
    const auto date_id = static_cast<std::uint32_t>(key >> 40);
    const std::string date(dates_.str(date_id));
    const std::string type(types_.str(static_cast<std::uint32_t>((key >> 8) & 0xFFFFFFFFu)));
    const int purchase = static_cast<int>(key & 0xFF);
    s.gpu_lines += x.lines;
    s.gpu_cost += x.cost;
    s.gpu_amortized += x.amortized;
    s.by_day_type[date][type] += x.cost;
    s.by_day_type_amortized[date][type] += x.amortized;
    s.by_type[type] += x.cost;
    const char* p = to_string(static_cast<PurchaseOption>(purchase));
    s.by_purchase[p] += x.cost;
    s.by_purchase_amortized[p] += x.amortized;
    auto& u = s.usage[type];
    u.hours[purchase] += x.hours;
    u.cost[purchase] += x.cost;
    u.effective[purchase] += x.amortized;
    u.usage_list[purchase] += x.usage_list;
    u.usage_effective[purchase] += x.usage_effective;
    const long day = day_of(date_id);
    for (int h = 0; h < 24; ++h) {
      if (x.on_demand_by_hour[h] > 0) s.on_demand_slots[type][day * 24 + h] += x.on_demand_by_hour[h];
    }
  }
  for (const auto& [key, c] : type_region_) {
    s.type_region[std::string(types_.str(static_cast<std::uint32_t>(key >> 32)))][std::string(regions_.str(static_cast<std::uint32_t>(key & 0xFFFFFFFFu)))] += c;
  }
  s.by_account = breakdown(accounts_, account_cost_, top_);
  s.by_region = breakdown(regions_, region_cost_, top_);
  s.by_tag = breakdown(tags_, tag_cost_, top_);
  s.by_resource.clear();
  std::vector<std::uint32_t> ids;
  for (std::uint32_t i = 0; i < resources_.size() && i < resource_.size(); ++i) {
    if (resource_[i].lines) ids.push_back(i);
  }
  s.resources = ids.size();
  // Largest amortized cost first: a plan-covered instance nets to ~0 unblended but costs its plan share.
  auto larger = [&](std::uint32_t x, std::uint32_t y) {
    const Resource& a = resource_[x];
    const Resource& b = resource_[y];
    return a.amortized != b.amortized ? a.amortized > b.amortized : a.cost != b.cost ? a.cost > b.cost : resources_.str(x) < resources_.str(y);
  };
  const std::size_t k = top_ == 0 ? ids.size() : std::min(top_, ids.size());
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(), larger);
  auto spend_of = [&](std::uint32_t i) {
    const Resource& r = resource_[i];
    return ResourceSpend{std::string(resources_.str(i)), std::string(types_.str(r.type)), std::string(accounts_.str(r.account)),
                         std::string(regions_.str(r.region)), std::string(tags_.str(r.tag)), r.hours, r.cost, r.amortized, r.lines,
                         std::string(dates_.str(r.first_date)), std::string(dates_.str(r.last_date))};
  };
  for (std::size_t i = 0; i < k; ++i) s.by_resource.push_back(spend_of(ids[i]));
  for (const auto& id : keep_) {
    if (s.resource(id)) continue;
    for (std::uint32_t i = 0; i < resources_.size() && i < resource_.size(); ++i) {
      if (resource_[i].lines && resources_.str(i) == id) s.by_resource.push_back(spend_of(i));
    }
  }
  s.first_slot = first_slot_;
  s.last_slot = last_slot_;
  s.hourly = hourly_;
  if (!s.hourly && s.slot_count() > 0) {
    // A daily bill: every line sat at hour 0. Slots become days; a day's hours / 24 is the number
    // of instances that ran all day.
    s.first_slot /= 24;
    s.last_slot /= 24;
    for (auto& [type, slots] : s.on_demand_slots) {
      std::unordered_map<long, double> days;
      for (const auto& [sl, h] : slots) days[sl / 24] += h / 24.0;
      slots = std::move(days);
    }
  }
  built_ = true;
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
