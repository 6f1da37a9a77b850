#include "advise/advisor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "core/suggest.h"
#include "core/units.h"
#include "perf/serving.h"

namespace frugal {
namespace {

constexpr double kGiB = 1073741824.0;

// Replicas that a rate needs by capacity alone; the search adds more while the TTFT SLO, with
// queueing at the per-replica rate, still fails.
double replicas_by_capacity(double rate, double replica_capacity) { return std::ceil(rate / replica_capacity); }

bool instance_selected(const InstanceType& it, const std::vector<std::string>& filter) {
  if (filter.empty()) return true;
  for (const auto& f : filter) {
    if (it.name == f || it.family == f) return true;
  }
  return false;
}

const std::vector<std::string> kPurchaseOptions = {"on-demand", "spot", "ri-1y", "ri-3y", "sp-1y",
                                                   "sp-3y", "capacity-block", "sagemaker"};

void check_purchase(const std::vector<std::string>& v) {
  for (const auto& p : v) {
    if (std::find(kPurchaseOptions.begin(), kPurchaseOptions.end(), p) == kPurchaseOptions.end()) {
      std::string all;
      for (const auto& k : kPurchaseOptions) all += (all.empty() ? "" : ", ") + k;
      throw Error(fmt::format("--purchase: expected {}, got '{}'{}", all, p, did_you_mean(p, kPurchaseOptions)));
    }
  }
}

// A price for one instance under one purchase option, with what it commits the buyer to.
struct Offer {
  Rate rate;
  int term_years = 0;
  std::optional<double> upfront_per_instance;
  double break_even = 0;
  std::string commitment;
};

double break_even_of(const InstanceType& it, double rate) {
  auto od = it.on_demand_hourly();
  return od && *od > 0 ? rate / *od : 0;
}

struct PurchaseSettings {
  std::string ri_class, payment, sp_type;
};

std::optional<Offer> offer_for(const InstanceType& it, const std::string& purchase, const PurchaseSettings& ps) {
  const RegionPrices& p = *it.prices;
  auto plain = [](const std::optional<Rate>& r) -> std::optional<Offer> {
    if (!r) return std::nullopt;
    Offer o;
    o.rate = *r;
    return o;
  };
  if (purchase == "on-demand") return plain(p.on_demand);
  if (purchase == "spot") return plain(p.spot);
  if (purchase == "sagemaker") return plain(p.sagemaker);
  if (purchase == "ri-1y" || purchase == "ri-3y") {
    const int years = purchase == "ri-1y" ? 1 : 3;
    const ReservedRate* r = p.find_reserved(years, ps.ri_class, ps.payment);
    if (!r) return std::nullopt;
    Offer o{r->rate, years, r->upfront_usd(), break_even_of(it, r->rate.usd_per_hour),
            fmt::format("{}y {} RI, {}", years, ps.ri_class, ps.payment)};
    return o;
  }
  if (purchase == "sp-1y" || purchase == "sp-3y") {
    const int years = purchase == "sp-1y" ? 1 : 3;
    const SavingsPlanRate* r = p.find_savings_plan(years, ps.sp_type, ps.payment);
    if (!r) return std::nullopt;
    return Offer{r->rate, years, upfront_for(ps.payment, r->rate.usd_per_hour, years), break_even_of(it, r->rate.usd_per_hour),
                 fmt::format("{}y {} Savings Plan, {}", years, ps.sp_type, ps.payment)};
  }
  if (purchase == "capacity-block") {
    if (!p.capacity_block) return std::nullopt;
    return Offer{*p.capacity_block, 0, std::nullopt, break_even_of(it, p.capacity_block->usd_per_hour),
                 "Capacity Block, paid upfront for the block"};
  }
  return std::nullopt;
}

// The purchase options `it` has a bundled price for in its region, for a rejection that says what
// there is when none of those asked for exists.
std::string priced_options(const InstanceType& it, const PurchaseSettings& ps) {
  std::vector<std::string> out;
  for (const char* p : {"on-demand", "spot", "ri-1y", "ri-3y", "sp-1y", "sp-3y", "capacity-block", "sagemaker"}) {
    if (offer_for(it, p, ps)) out.push_back(p);
  }
  return out.empty() ? "none" : fmt::format("{}", fmt::join(out, ", "));
}

// The rejection of a configuration that fit and met the SLOs but has no price for `asked`.
std::string no_offer_reason(const InstanceType& it, const std::vector<std::string>& asked, const std::string& what,
                            const PurchaseSettings& ps, const std::string& region) {
  return fmt::format("{}, but no {} price in {} in the bundled sources (priced there: {})", what, fmt::join(asked, "/"),
                     region, priced_options(it, ps));
}

void fill_price(Candidate& c, const Offer& o, int instances, double hours_per_month) {
  c.rate = o.rate;
  c.hourly_price = o.rate.usd_per_hour;
  c.cost_per_hour = instances * o.rate.usd_per_hour;
  c.monthly_cost = c.cost_per_hour * hours_per_month;
  c.term_years = o.term_years;
  if (o.upfront_per_instance) c.upfront_usd = *o.upfront_per_instance * instances;
  c.break_even_utilisation = o.break_even;
  c.commitment = o.commitment;
}

// Keeps, per instance type, the most informative reason it could not be used.
class RejectionLog {
 public:
  // It fit and met the SLOs, only the price was missing: says more than any reason another
  // precision or TP degree was turned down for.
  static constexpr int kNoPrice = 0;
  // Lower rank wins: an SLO miss (it fit, but was too slow) says more than "does not fit". Within
  // a rank, the lower `closeness` wins (e.g. the precision that came nearest to fitting).
  void add(const std::string& instance, int rank, std::string reason, double closeness = 0) {
    auto& e = by_instance_[instance];
    if (e.reason.empty() || rank < e.rank || (rank == e.rank && closeness < e.closeness)) {
      e = {rank, closeness, std::move(reason)};
    }
  }
  void feasible(const std::string& instance) { feasible_.insert(instance); }
  std::vector<Rejection> list() const {
    std::vector<Rejection> out;
    for (const auto& [k, v] : by_instance_) {
      if (!feasible_.count(k)) out.push_back({k, v.reason, v.rank == kNoPrice});
    }
    return out;
  }

 private:
  struct Entry {
    int rank = 99;
    double closeness = 0;
    std::string reason;
  };
  std::map<std::string, Entry> by_instance_;
  std::set<std::string> feasible_;
};

std::string memory_reason(const ModelSpec& m, const Precision& p, const InstanceType& it, int tp,
                          const MemoryBreakdown& mem) {
  const double usable = mem.capacity - mem.reserve;
  const double weights_total = weight_bytes(m, p);
  if (mem.weights > usable) {
    const int need = static_cast<int>(std::ceil(weights_total / std::max(usable, 1.0)));
    const double wide = unquantized_weight_params(m, p);
    const std::string widths =
        wide > 0 ? fmt::format("{} params x {} B ({}; {} of them at 2 B)", human_count(m.params), p.weight_bytes, p.name, human_count(wide))
                 : fmt::format("{} params x {} B ({})", human_count(m.params), p.weight_bytes, p.name);
    return fmt::format("{} = {} > {} usable per {}{}: needs TP >= {}{}", widths, human_bytes(weights_total),
                       human_bytes(usable), it.accelerator->device_unit == "gpu" ? "GPU" : "NeuronCore",
                       tp > 1 ? fmt::format(" x TP {}", tp) : "", need,
                       need > it.devices ? fmt::format(", more than the {} on {}", it.devices, it.name) : "");
  }
  return fmt::format("{} weights + {} KV cache + {} activations = {} > {} usable per device at TP {} ({})",
                     human_bytes(mem.weights), human_bytes(mem.kv_cache), human_bytes(mem.activations),
                     human_bytes(mem.used() - mem.reserve), human_bytes(usable), tp, p.name);
}

struct SearchState {
  const Workload& w;
  double prompt = 0, output = 0;  // resolved request shape
  const ModelSpec& m;
  const AdvisorContext& ctx;
  std::vector<const Precision*> precisions;
  std::vector<std::string> purchase;
  RejectionLog log;
  std::vector<Candidate> all;
  int evaluated = 0;
  PurchaseSettings ps;
  double memory_headroom = 0, latency_headroom = 0;
  double fewest_instances = 0;
  std::string fewest_type;

  void needs_instances(double n, const std::string& type) {
    if (fewest_instances == 0 || n < fewest_instances) {
      fewest_instances = n;
      fewest_type = type;
    }
  }
};

double latency_slo(const SearchState& s) {
  return s.w.latency_slo_s.value_or(s.ctx.defaults->default_latency_slo_s);
}

// SLO check at batch b; returns empty when met, else the reason. Each SLO is met with the latency
// headroom: a 100 ms SLO at 10% headroom needs 90 ms.
std::string slo_miss(const SearchState& s, const ServeEstimate& e) {
  const double keep = 1.0 - s.latency_headroom;
  auto miss = [&](const char* what, double got, double slo) -> std::string {
    if (got <= slo * keep) return "";
    return fmt::format("{} {} > {} SLO{}", what, human_duration(got), human_duration(slo),
                       s.latency_headroom > 0 && got <= slo ? fmt::format(" less {:.0f}% headroom", s.latency_headroom * 100) : "");
  };
  std::string r;
  if (s.m.kind == ModelKind::kDecoder) {
    if (s.w.tpot_slo_s && !(r = miss("TPOT", e.tpot_s, *s.w.tpot_slo_s)).empty()) return r;
    if (s.w.ttft_slo_s && !(r = miss("TTFT", e.ttft_s, *s.w.ttft_slo_s)).empty()) return r;
    if (s.w.latency_slo_s) return miss("request latency", e.request_latency_s, *s.w.latency_slo_s);
    return "";
  }
  return miss("latency", e.request_latency_s, latency_slo(s));
}

void search_serve(SearchState& s, const InstanceType& it) {
  const auto& defaults = *s.ctx.defaults;
  const double prompt = s.prompt, output = s.output;
  const double context = prompt + output;
  for (const Precision* p : s.precisions) {
    for (int tp : tp_degrees(it.devices))
    for (bool dep : {false, true}) {
      if (s.m.kind == ModelKind::kVision && tp > 1) continue;
      // MoE across devices: also the DEP layout (attention data parallel, experts split).
      if (dep && !(s.m.is_moe() && tp > 1)) continue;
      LlmConfig cfg{&s.m, p, make_device(*s.ctx.efficiency, *it.accelerator, it.device_memory_gib, it.device_fraction), tp};
      cfg.attention_dp = dep;
      ++s.evaluated;
      if (auto why = unsupported_reason(cfg); !why.empty()) {
        s.log.add(it.name, 5, why);
        continue;
      }
      const int mb = max_batch(cfg, context, defaults.max_batch, s.memory_headroom);
      if (mb == 0) {
        const auto mem = memory_for(cfg, 1, context);
        std::string why = memory_reason(s.m, *p, it, tp, mem);
        if (mem.fits()) why = fmt::format("fits only without the {:.0f}% memory headroom ({} of {}, TP {}, {})",
                                          s.memory_headroom * 100, human_bytes(mem.used()), human_bytes(mem.capacity), tp, p->name);
        s.log.add(it.name, 3, why, mem.used() / mem.capacity);
        continue;
      }
      ServeEstimate e;
      double replica_capacity = 0, ttft_p90 = 0, queue_wait = 0, place_wait = 0;
      int replicas_needed = 0;  // decoders: replicas whose per-replica rate meets the TTFT SLO with queueing
      if (s.m.kind == ModelKind::kDecoder) {
        // Continuous batching (perf/serving.h): a replica's capacity is its throughput at the most
        // concurrent requests that still meet the SLOs; the TTFT SLO is then checked at the
        // requested rate per replica, queueing included, adding replicas until it holds.
        const double limit = std::min<double>(running_limit(cfg, prompt, output, s.memory_headroom), defaults.max_batch);
        auto as_serve = [&](const LoadEstimate& x) {
          ServeEstimate v;
          v.batch = static_cast<int>(std::ceil(x.running));
          v.ttft_s = x.ttft_p90_s;
          v.tpot_s = x.tpot_s;
          v.request_latency_s = x.e2e_s;
          v.tokens_per_s = x.tokens_per_s;
          v.requests_per_s = x.requests_per_s;
          v.memory = x.memory;
          return v;
        };
        auto at = [&](int n) { return estimate_load(cfg, Load::concurrency(n), prompt, output, s.memory_headroom); };
        ++s.evaluated;
        if (auto miss = slo_miss(s, as_serve(at(1))); !miss.empty()) {
          s.log.add(it.name, 1, fmt::format("{} even at one request at a time ({}, TP {})", miss, p->name, tp));
          continue;
        }
        int lo = 1, hi = std::max(1, static_cast<int>(limit));
        if (!slo_miss(s, as_serve(at(hi))).empty()) {
          while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            ++s.evaluated;
            (slo_miss(s, as_serve(at(mid))).empty() ? lo : hi) = mid;
          }
        } else {
          lo = hi;
        }
        const LoadEstimate full = at(lo);
        replica_capacity = full.requests_per_s;
        LoadEstimate shown = full;
        if (s.w.rate_rps > 0) {
          double r = replicas_by_capacity(s.w.rate_rps, replica_capacity);
          for (int extra = 0; extra < 64 && r <= defaults.max_instances * static_cast<double>(it.devices / tp); ++extra, ++r) {
            shown = estimate_load(cfg, Load::rate(s.w.rate_rps / r), prompt, output, s.memory_headroom);
            ++s.evaluated;
            if (!shown.saturated && slo_miss(s, as_serve(shown)).empty()) break;
          }
          replicas_needed = static_cast<int>(std::min(r, 1e9));
          ttft_p90 = shown.ttft_p90_s;
          queue_wait = shown.queue_wait_s;
          place_wait = shown.place_wait_s;
        }
        e = as_serve(shown);
        e.requests_per_s = replica_capacity;  // what a replica can take; the load it gets is the rate / replicas
      } else {
        auto at = [&](int b) { return serve_at(cfg, b, prompt, 1); };
        auto e1 = at(1);
        s.evaluated++;
        if (auto miss = slo_miss(s, e1); !miss.empty()) {
          s.log.add(it.name, 1, fmt::format("{} even at batch 1 ({}, TP {})", miss, p->name, tp));
          continue;
        }
        // Largest batch that still meets the SLOs: latency grows with batch, so bisect.
        int lo = 1, hi = mb;
        if (!slo_miss(s, at(hi)).empty()) {
          while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            ++s.evaluated;
            (slo_miss(s, at(mid)).empty() ? lo : hi) = mid;
          }
        } else {
          lo = hi;
        }
        e = at(lo);
        replica_capacity = e.requests_per_s;
      }
      const int per_instance = it.devices / tp;
      const double rps_per_replica = replica_capacity;
      // Counts in double until they are known to be small: an absurd rate must not wrap an int.
      const double replicas_d = s.w.rate_rps > 0 ? std::max<double>(replicas_needed, std::ceil(s.w.rate_rps / rps_per_replica)) : per_instance;
      const double instances_d = std::ceil(replicas_d / per_instance);
      if (!(instances_d <= defaults.max_instances)) {
        if (std::isfinite(instances_d)) s.needs_instances(instances_d, it.name);
        s.log.add(it.name, 2, fmt::format("needs {} instances for {:.3g} req/s (limit {})", human_count(instances_d),
                                          s.w.rate_rps, defaults.max_instances));
        continue;
      }
      const int replicas = static_cast<int>(replicas_d);
      const int instances = static_cast<int>(instances_d);
      const double capacity_rps = rps_per_replica * per_instance * instances;
      std::vector<std::string> asked;
      bool offered = false;
      for (const auto& purchase : s.purchase) {
        if (purchase == "capacity-block") continue;  // blocks are for fixed-length runs, not a service
        asked.push_back(purchase);
        auto offer = offer_for(it, purchase, s.ps);
        if (!offer) continue;
        offered = true;
        Candidate c;
        c.instance = &it;
        c.region = s.ctx.catalog->region();
        c.precision = p->name;
        c.purchase = purchase;
        c.stack = cfg.device.stack_name;
        c.tp = tp;
        c.attention_dp = cfg.dep();
        c.replicas = replicas;
        c.instances = instances;
        fill_price(c, *offer, instances, defaults.hours_per_month);
        c.serve = e;
        c.capacity_rps = capacity_rps;
        c.replica_capacity_rps = rps_per_replica;
        c.ttft_p90_s = ttft_p90;
        c.queue_wait_s = queue_wait;
        c.place_wait_s = place_wait;
        c.calibrated = cfg.device.family->calibrated;
        const double units_per_request = s.m.kind == ModelKind::kDecoder ? output : 1;  // tokens or requests
        c.cost_per_million_tokens_at_capacity = c.cost_per_hour / (capacity_rps * units_per_request * 3600) * 1e6;
        c.cost_per_million_tokens = s.w.rate_rps > 0
                                        ? c.cost_per_hour / (s.w.rate_rps * units_per_request * 3600) * 1e6
                                        : c.cost_per_million_tokens_at_capacity;
        c.tokens_per_dollar = 1e6 / c.cost_per_million_tokens_at_capacity;
        c.rank_cost = s.w.rate_rps > 0 ? c.cost_per_hour : c.cost_per_million_tokens_at_capacity;
        if (purchase == "spot") {
          c.spot_interruption = it.spot_interruption().empty() ? "unknown" : it.spot_interruption();
          c.notes.push_back(fmt::format("spot: interruption frequency {} (Spot Advisor); keep on-demand fallback capacity",
                                        c.spot_interruption));
        }
        if (!c.commitment.empty()) {
          c.notes.push_back(fmt::format("{}: cheaper than on-demand only if used {:.0f}% of hours ({:.0f} h/month)",
                                        c.commitment, c.break_even_utilisation * 100,
                                        c.break_even_utilisation * defaults.hours_per_month));
        }
        if (purchase == "sagemaker") c.notes.push_back("SageMaker real-time endpoint ml." + it.name);
        s.log.feasible(it.name);
        s.all.push_back(std::move(c));
      }
      if (!offered && !asked.empty()) {
        s.log.add(it.name, RejectionLog::kNoPrice, no_offer_reason(it, asked, fmt::format("meets the SLOs ({}, {} {})", p->name, cfg.dep() ? "DEP" : "TP", tp),
                                              s.ps, s.ctx.catalog->region()));
      }
    }
  }
}

// Young/Daly: checkpoint every sqrt(2 x MTBF x C); the expected lost fraction of the run is the
// checkpoint writes (C / interval) plus, per interruption, half an interval of lost work and the
// restart (interval / 2 + R) / MTBF. MTBF is the job's: any of its instances can be reclaimed.
struct SpotPlan {
  double interval_s = 0, overhead = 0, mtbf_s = 0, checkpoint_s = 0;
};
SpotPlan spot_plan(const ModelSpec& m, const AdviseDefaults& d, const std::string& bucket, int instances) {
  auto f = d.spot_interruption_per_month.find(bucket);
  const double per_month = f != d.spot_interruption_per_month.end() ? f->second : d.spot_interruption_per_month.at("unknown");
  SpotPlan p;
  p.mtbf_s = d.hours_per_month * 3600 / per_month / std::max(1, instances);
  p.checkpoint_s = m.params * d.checkpoint_bytes_per_param / (d.checkpoint_write_bytes_per_s * std::max(1, instances));
  p.interval_s = std::sqrt(2 * p.mtbf_s * p.checkpoint_s);
  p.overhead = p.checkpoint_s / p.interval_s + (p.interval_s / 2 + d.spot_restart_s) / p.mtbf_s;
  return p;
}

void search_train(SearchState& s, const InstanceType& it) {
  const auto& defaults = *s.ctx.defaults;
  const double seq = s.w.seq_len.value_or(defaults.train_seq_len);
  ++s.evaluated;
  DeviceSetup dev = make_device(*s.ctx.efficiency, *it.accelerator, it.device_memory_gib, it.device_fraction);
  if (!it.accelerator->bf16_tflops && !it.accelerator->fp16_tflops) {
    s.log.add(it.name, 5, "no 16-bit tensor support for mixed-precision training");
    return;
  }
  if (dev.family->train_mfu <= 0) {
    s.log.add(it.name, 5, fmt::format("no published training MFU for the {} family", it.accelerator->family));
    return;
  }
  const int limit = it.devices * defaults.max_instances;
  const int min_dev = min_training_devices(s.m, dev, seq, limit);
  if (min_dev == 0) {
    s.log.add(it.name, 3, fmt::format("sharded training state ({} params x {} B) needs more than {} instances",
                                      human_count(s.m.params), dev.memory->training_bytes_per_param, defaults.max_instances));
    return;
  }
  int instances = (min_dev + it.devices - 1) / it.devices;
  auto one = estimate_training(s.m, dev, it.devices, s.w.train_tokens, seq);
  if (s.w.deadline_s) {
    const double for_deadline = std::ceil(one.time_s / *s.w.deadline_s);
    if (!(for_deadline <= defaults.max_instances)) {
      if (std::isfinite(for_deadline)) s.needs_instances(for_deadline, it.name);
      s.log.add(it.name, 2, fmt::format("needs {} instances to finish within {} (limit {})", human_count(for_deadline),
                                        human_duration(*s.w.deadline_s), defaults.max_instances));
      return;
    }
    instances = std::max(instances, static_cast<int>(for_deadline));
  }
  if (instances > defaults.max_instances) {
    s.needs_instances(instances, it.name);
    s.log.add(it.name, 2, fmt::format("needs {} instances to finish within {} (limit {})", instances,
                                      human_duration(*s.w.deadline_s), defaults.max_instances));
    return;
  }
  if (instances > 1 && it.efa_interfaces == 0) {
    s.log.add(it.name, 2, fmt::format("needs {} instances, and multi-node training needs EFA, which {} lacks",
                                      instances, it.name));
    return;
  }
  auto est = estimate_training(s.m, dev, instances * it.devices, s.w.train_tokens, seq);
  std::vector<std::string> asked;
  bool offered = false;
  for (const auto& purchase : s.purchase) {
    if (purchase == "sagemaker") continue;  // SageMaker training prices are not modelled per instance here
    // A 1- or 3-year commitment is not the price of one run: shown only when asked for.
    const bool term = purchase.rfind("ri-", 0) == 0 || purchase.rfind("sp-", 0) == 0;
    if (term && s.w.purchase.empty()) continue;
    asked.push_back(purchase);
    auto offer = offer_for(it, purchase, s.ps);
    if (!offer) continue;
    offered = true;
    Candidate c;
    c.instance = &it;
    c.region = s.ctx.catalog->region();
    c.precision = it.accelerator->bf16_tflops ? "bf16" : "fp16";
    c.purchase = purchase;
    c.tp = it.devices;
    c.replicas = instances;
    c.instances = instances;
    fill_price(c, *offer, instances, defaults.hours_per_month);
    c.train = est;
    c.run_hours = est.time_s / 3600;
    if (purchase == "spot") {
      c.spot_interruption = it.spot_interruption().empty() ? "unknown" : it.spot_interruption();
      const SpotPlan sp = spot_plan(s.m, defaults, c.spot_interruption, instances);
      c.checkpoint_interval_s = sp.interval_s;
      c.restart_overhead = sp.overhead;
      c.run_hours *= 1 + sp.overhead;
      if (s.w.deadline_s && c.run_hours * 3600 > *s.w.deadline_s) {
        s.log.add(it.name + " spot", 2, fmt::format("spot checkpoints and restarts (+{:.1f}%) miss the {} deadline", sp.overhead * 100,
                                                    human_duration(*s.w.deadline_s)));
        continue;
      }
      c.notes.push_back(fmt::format(
          "spot: checkpoint every {}{} (Young/Daly: sqrt(2 x MTBF {} x checkpoint {})), +{:.1f}% expected time for checkpoints "
          "and restarts; interruption frequency {} (Spot Advisor{})",
          human_duration(sp.interval_s), sp.interval_s > c.run_hours * 3600 ? ", longer than the run: checkpoint at least once" : "",
          human_duration(sp.mtbf_s), human_duration(sp.checkpoint_s), sp.overhead * 100,
          c.spot_interruption, c.spot_interruption == "unknown" ? ": unknown, priced as the worst bucket" : ""));
    }
    c.run_cost = c.cost_per_hour * c.run_hours;
    if (purchase == "capacity-block") {
      // Blocks are bought in whole increments of time, paid upfront: the unused tail is paid too.
      const double block_h = std::ceil(c.run_hours / defaults.capacity_block_increment_hours) * defaults.capacity_block_increment_hours;
      c.run_cost = c.cost_per_hour * block_h;
      c.upfront_usd = c.run_cost;
      c.commitment = fmt::format("Capacity Block of {} ({:.0f} h), paid upfront", human_duration(block_h * 3600), block_h);
      c.notes.push_back(c.commitment + "; reserve it ahead for the dates you need");
    } else if (!c.commitment.empty()) {
      c.notes.push_back(fmt::format("{}: commits ${:.0f} over the term for {} instance{}; beats on-demand only if they are used "
                                    "{:.0f}% of hours ({:.0f} h/month), beyond this run",
                                    c.commitment, c.cost_per_hour * kTermHoursPerYear * c.term_years, c.instances, c.instances > 1 ? "s" : "",
                                    c.break_even_utilisation * 100, c.break_even_utilisation * defaults.hours_per_month));
    }
    c.rank_cost = c.run_cost;
    // Training uses a published MFU; a family that borrows another family's MFU is flagged.
    c.calibrated = s.ctx.efficiency->families().at(it.accelerator->family).train_mfu > 0;
    c.notes.push_back(fmt::format("MFU {:.0f}%: {}", est.mfu * 100, dev.family->train_mfu_source));
    s.log.feasible(it.name);
    s.all.push_back(std::move(c));
  }
  if (!offered && !asked.empty()) {
    s.log.add(it.name, RejectionLog::kNoPrice, no_offer_reason(it, asked, fmt::format("the run fits on {} instance{}{}", instances, instances == 1 ? "" : "s",
                                                                      s.w.deadline_s ? " within the deadline" : ""),
                                          s.ps, s.ctx.catalog->region()));
  }
}

std::string describe(const Candidate& c, const Workload& w, const ModelSpec& m) {
  if (w.task == Task::kTrain) {
    return fmt::format("{} x {} {} {} ({} {}s), {:.1f} h, ${:.0f} per run", c.instances, c.instance->name, c.region, c.purchase,
                       c.instances * c.instance->devices, c.instance->accelerator->id, c.run_hours, c.run_cost);
  }
  if (m.kind != ModelKind::kDecoder) {
    return fmt::format("{} x {} {} {} ({}, batch {}), latency {}, ${:.2f}/h", c.instances, c.instance->name, c.region, c.purchase,
                       c.precision, c.serve.batch, human_duration(c.serve.request_latency_s), c.cost_per_hour);
  }
  return fmt::format("{} x {} {} {} ({}, {} {}, batch {}), TPOT {}, TTFT {}, ${:.2f}/h, ${:.3f}/1M tokens", c.instances,
                     c.instance->name, c.region, c.purchase, c.precision,
                     c.attention_dp ? "DEP (attention data parallel, experts split) over" : "TP", c.tp, c.serve.batch, human_duration(c.serve.tpot_s),
                     human_duration(c.serve.ttft_s), c.cost_per_hour, c.cost_per_million_tokens);
}

// Savings, the explanation of the top choice and its runner-ups, from a.ranked (cheapest first).
void summarise(Advice& a) {
  const Workload& w = a.workload;
  const ModelSpec& m = *a.model;
  a.explanation.clear();
  if (a.ranked.empty()) return;
  const auto& top = a.ranked.front();
  const double worst = a.ranked.back().rank_cost;
  a.savings_vs_most_expensive = worst > 0 ? 1.0 - top.rank_cost / worst : 0;
  if (a.baseline) a.savings_vs_baseline = 1.0 - top.rank_cost / a.baseline->rank_cost;

  auto& ex = a.explanation;
  ex.push_back("Chosen: " + describe(top, w, m));
  ex.push_back(fmt::format("Price: {} {} ${:.4g}/h per instance, {} ({}), {}", top.region, top.rate.label,
                           top.hourly_price, top.rate.source, top.rate.as_of,
                           top.commitment.empty() ? "no commitment"
                                                  : fmt::format("{}; break-even {:.0f}% of hours{}", top.commitment,
                                                                top.break_even_utilisation * 100,
                                                                top.upfront_usd ? fmt::format("; upfront ${:.0f}", *top.upfront_usd) : "")));
  if (w.task == Task::kServe) {
    const auto& mem = top.serve.memory;
    ex.push_back(fmt::format("Memory per device: {} weights + {} KV cache + {} activations + {} reserve = {} of {}",
                             human_bytes(mem.weights), human_bytes(mem.kv_cache), human_bytes(mem.activations),
                             human_bytes(mem.reserve), human_bytes(mem.used()), human_bytes(mem.capacity)));
    if (w.rate_rps > 0) {
      // The instances bought hold more replicas than the rate needs when one instance has room for
      // several (8 GPUs at TP 1): capacity counts every replica they hold, as the search sized it.
      const int held = top.instances * (top.instance->devices / top.tp);
      ex.push_back(fmt::format("Capacity: {} replica{} held x {:.3g} req/s (each replica's max throughput within the SLOs) = {:.3g} req/s "
                               "for the {:.3g} req/s asked; {} replica{} needed{}",
                               held, held == 1 ? "" : "s", top.replica_capacity_rps, top.capacity_rps, w.rate_rps, top.replicas,
                               top.replicas == 1 ? "" : "s",
                               // Open-loop arrivals queue for a place well before the closed-loop maximum.
                               top.replicas > replicas_by_capacity(w.rate_rps, top.replica_capacity_rps)
                                   ? " (fewer would miss the TTFT SLO once arrivals queue at random)"
                                   : ""));
      if (m.kind == ModelKind::kDecoder) {
        ex.push_back(fmt::format("At {:.3g} req/s per replica: TTFT p90 {} with {} mean queueing ({} of it for a place in the batch); TPOT {}; "
                                 "$/1M output tokens {} at this rate, {} at full load",
                                 w.rate_rps / std::max(1, top.replicas), human_duration(top.ttft_p90_s), human_duration(top.queue_wait_s), human_duration(top.place_wait_s),
                                 human_duration(top.serve.tpot_s), fmt::format("${:.2f}", top.cost_per_million_tokens),
                                 fmt::format("${:.2f}", top.cost_per_million_tokens_at_capacity)));
      }
    }
    if (m.is_moe()) {
      ex.push_back(fmt::format("MoE: {} active of {} parameters per token drive FLOPs; all {} must sit in memory",
                               human_count(m.active_params), human_count(m.params), human_count(m.params)));
    }
  } else {
    ex.push_back(fmt::format("Training: 6 x {} active params x {} tokens = {:.3g} FLOPs at {:.0f}% MFU; {} per device of {}",
                             human_count(m.active_params), human_count(w.train_tokens), top.train.flops, top.train.mfu * 100,
                             human_bytes(top.train.memory_per_device), human_bytes(top.train.capacity)));
  }
  for (std::size_t i = 1; i < a.ranked.size() && i < 4; ++i) {
    const auto& c = a.ranked[i];
    ex.push_back(fmt::format("Runner-up #{}: {} ({:+.0f}% cost)", i + 1, describe(c, w, m),
                             (c.rank_cost / top.rank_cost - 1) * 100));
  }
  if (!top.calibrated) {
    ex.push_back(fmt::format("Caution: the {} family has no published measurements; its efficiency factors are borrowed",
                             top.instance->accelerator->family));
  }
}

}  // namespace

Advice advise(const Workload& w, const AdvisorContext& ctx) {
  const Catalog& cat = *ctx.catalog;
  const AdviseDefaults& defaults = *ctx.defaults;
  Advice a;
  a.workload = w;
  a.model = cat.find_model(w.model);
  if (!a.model) {
    // From a workloads file: name the place, as for any bad input in a file.
    if (!w.where.empty()) throw InputError(w.where + ": " + cat.unknown_model_message(w.model));
    throw Error("--model: " + cat.unknown_model_message(w.model));
  }
  const ModelSpec& m = *a.model;
  if (w.task == Task::kServe && !(w.rate_rps >= 0 && std::isfinite(w.rate_rps))) {
    throw Error("--rate: expected a finite, positive rate");
  }
  for (auto [v, what] : {std::pair{w.prompt_tokens, "--prompt-tokens"}, {w.output_tokens, "--output-tokens"},
                         {w.tpot_slo_s, "--tpot-slo"}, {w.ttft_slo_s, "--ttft-slo"}, {w.latency_slo_s, "--latency-slo"},
                         {w.deadline_s, "--deadline"}, {w.seq_len, "--seq-len"}}) {
    if (v && !(*v > 0 && std::isfinite(*v))) throw Error(fmt::format("{}: expected a finite, positive value", what));
  }
  if (!(w.train_tokens >= 0 && std::isfinite(w.train_tokens))) throw Error("--tokens: expected a finite, positive count");
  if (w.headroom && !(*w.headroom >= 0 && *w.headroom < 0.9)) throw Error("--headroom: expected 0% to 90%");

  SearchState s{w, 0, 0, m, ctx, {}, w.purchase.empty() ? defaults.purchase : w.purchase, {}, {}, 0, {}, 0, 0, 0, {}};
  s.ps = {w.ri_class.empty() ? defaults.ri_class : w.ri_class, w.upfront.empty() ? defaults.ri_payment : w.upfront,
          defaults.savings_plan_type};
  s.memory_headroom = w.headroom.value_or(defaults.memory_headroom);
  s.latency_headroom = w.headroom.value_or(defaults.latency_headroom);
  if (m.kind == ModelKind::kDecoder) {
    s.prompt = w.prompt_tokens.value_or(defaults.prompt_tokens);
    s.output = w.output_tokens.value_or(defaults.output_tokens);
  } else {
    s.prompt = w.prompt_tokens.value_or(m.default_sequence > 0 ? m.default_sequence : defaults.prompt_tokens);
  }
  if (w.task == Task::kServe && m.kind == ModelKind::kEncoder && m.max_context > 0 && s.prompt > m.max_context) {
    throw Error(fmt::format("--prompt-tokens {} > {}'s limit of {} tokens per input", s.prompt, m.name, m.max_context));
  }
  if (w.task == Task::kServe && m.max_context > 0 && s.prompt + s.output > m.max_context) {
    throw Error(fmt::format("{} prompt + {} output tokens = {} > {}'s context window of {} tokens", s.prompt, s.output,
                            s.prompt + s.output, m.name, m.max_context));
  }
  if (w.task == Task::kTrain && m.max_context > 0 && w.seq_len && *w.seq_len > m.max_context) {
    throw Error(fmt::format("--seq-len {} > {}'s context window of {} tokens", *w.seq_len, m.name, m.max_context));
  }
  a.prompt_tokens = s.prompt;
  a.output_tokens = s.output;
  check_purchase(s.purchase);
  std::vector<std::string> precisions = w.precisions.empty() ? defaults.precisions : w.precisions;
  if (precisions.size() == 1 && precisions[0] == "all") {
    precisions.clear();
    for (const auto& p : cat.precisions()) precisions.push_back(p.name);
  }
  for (const auto& name : precisions) {
    const Precision* p = cat.find_precision(name);
    if (!p) {
      std::vector<std::string> names = cat.precision_names();
      const std::string listed = fmt::format("{}", fmt::join(names, ", "));
      names.insert(names.begin(), "all");
      throw Error(fmt::format("--precision: expected {} or all, got '{}'{}", listed, name, did_you_mean(name, names)));
    }
    s.precisions.push_back(p);
  }

  int matched = 0;
  for (const auto& it : cat.instances()) {
    if (!it.accelerated() || !instance_selected(it, w.instances)) continue;
    ++matched;
    if (auto why = it.unusable_reason(cat.region()); !why.empty()) {
      s.log.add(it.name, 9, why);
      continue;
    }
    if (w.task == Task::kTrain) search_train(s, it);
    else search_serve(s, it);
  }
  if (!w.instances.empty() && matched == 0) {
    std::vector<std::string> names;
    for (const auto& it : cat.instances()) {
      if (it.accelerated()) {
        names.push_back(it.name);
        names.push_back(it.family);
      }
    }
    throw Error(fmt::format("--instances: no accelerated instance type in the catalog matches '{}'{}", w.instances[0],
                            did_you_mean(w.instances[0], names)));
  }
  a.configurations_evaluated = s.evaluated;
  a.rejected = s.log.list();
  a.fewest_instances_needed = s.fewest_instances;
  a.baseline_instance = defaults.baseline_instance;
  a.max_instances = defaults.max_instances;
  a.fewest_instances_type = s.fewest_type;

  // Cheapest first; keep the best configuration per (instance, purchase option).
  std::sort(s.all.begin(), s.all.end(), [](const Candidate& x, const Candidate& y) {
    if (x.rank_cost != y.rank_cost) return x.rank_cost < y.rank_cost;
    return x.instance->name < y.instance->name;
  });
  std::set<std::pair<std::string, std::string>> seen;
  for (auto& c : s.all) {
    if (seen.insert({c.instance->name, c.purchase}).second) a.ranked.push_back(c);
  }
  for (const auto& c : a.ranked) {
    if (c.instance->name == defaults.baseline_instance && c.purchase == defaults.baseline_purchase) {
      a.baseline = c;
      break;
    }
  }
  if (!a.baseline) {
    const InstanceType* b = cat.find_instance(defaults.baseline_instance);
    const auto& purchases = s.purchase;
    if (b && !instance_selected(*b, w.instances)) {
      a.baseline_missing = "filtered out by --instances";
    } else if (std::find(purchases.begin(), purchases.end(), defaults.baseline_purchase) == purchases.end()) {
      a.baseline_missing = "filtered out by --purchase";
    } else if (b && !b->on_demand_hourly()) {
      a.baseline_missing = fmt::format("has no on-demand price in {}", cat.region());
    } else {
      a.baseline_missing = "cannot run this workload";
    }
  }
  summarise(a);
  a.notes = defaults.notes;
  if (w.task == Task::kTrain && w.purchase.empty()) {
    a.notes.push_back("Reserved Instances and Savings Plans commit for 1-3 years, so they are not the price of one run: "
                      "ask with --purchase ri-1y,ri-3y to compare them.");
  }
  if (!cat.spot_cache_note.empty()) a.notes.insert(a.notes.begin(), "Refreshed " + cat.spot_cache_note + ".");
  if (!cat.price_cache_note.empty()) a.notes.insert(a.notes.begin(), "Refreshed " + cat.price_cache_note + ".");
  if (w.task == Task::kServe && m.kind == ModelKind::kDecoder) {
    a.notes.insert(a.notes.end(), defaults.decoder_serving_notes.begin(), defaults.decoder_serving_notes.end());
  }
  return a;
}

const std::vector<std::string>& purchase_options() { return kPurchaseOptions; }

std::vector<std::string> price_source_lines(const std::vector<Candidate>& ranked, int top) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (int i = 0; i < top && i < static_cast<int>(ranked.size()); ++i) {
    const Candidate& c = ranked[i];
    std::string kind = c.rate.label;
    if (kind.rfind("spot median", 0) == 0) kind = "spot (median of standard AZs)";
    if (kind.rfind("RI ", 0) == 0) kind = "Reserved Instances";
    if (!seen.insert(kind + "|" + c.region).second) continue;
    // The first clause of a source names it; the data files hold the rest.
    std::string src = c.rate.source.substr(0, c.rate.source.find_first_of(";("));
    while (!src.empty() && src.back() == ' ') src.pop_back();
    if (src.size() > 90) src = src.substr(0, 87) + "...";
    out.push_back(fmt::format("{} in {}: {} ({})", kind, c.region, src, c.rate.as_of));
  }
  return out;
}

Advice advise_regions(const Workload& w, Catalog& catalog, const AdvisorContext& ctx,
                      const std::vector<std::string>& regions) {
  const std::string before = catalog.region();
  struct Restore {
    Catalog& c;
    std::string r;
    ~Restore() { c.select_region(r); }
  } restore{catalog, before};
  AdvisorContext c = ctx;
  c.catalog = &catalog;
  std::optional<Advice> merged;
  std::optional<Candidate> base;
  for (const auto& r : regions) {
    catalog.select_region(r);
    Advice a = advise(w, c);
    if (!merged) {
      merged = std::move(a);
      continue;
    }
    merged->ranked.insert(merged->ranked.end(), a.ranked.begin(), a.ranked.end());
    for (auto& rj : a.rejected) merged->rejected.push_back({rj.instance + " (" + r + ")", rj.reason, rj.no_price});
    merged->configurations_evaluated += a.configurations_evaluated;
    if (a.fewest_instances_needed > 0 &&
        (merged->fewest_instances_needed == 0 || a.fewest_instances_needed < merged->fewest_instances_needed)) {
      merged->fewest_instances_needed = a.fewest_instances_needed;
      merged->fewest_instances_type = a.fewest_instances_type;
    }
    if (a.baseline && (!merged->baseline || a.baseline->rank_cost < merged->baseline->rank_cost)) {
      merged->baseline = a.baseline;
      merged->baseline_missing.clear();
    }
  }
  if (!merged) throw Error("--region: no region given");
  Advice& m = *merged;
  m.regions = regions;
  if (regions.size() > 1) {
    std::stable_sort(m.ranked.begin(), m.ranked.end(), [](const Candidate& x, const Candidate& y) {
      if (x.rank_cost != y.rank_cost) return x.rank_cost < y.rank_cost;
      if (x.instance->name != y.instance->name) return x.instance->name < y.instance->name;
      return x.region < y.region;
    });
    summarise(m);
    if (!m.ranked.empty()) {
      m.explanation.insert(m.explanation.begin(), fmt::format("Compared {} regions; cheapest: {} in {}", regions.size(),
                                                              m.ranked.front().instance->name, m.ranked.front().region));
    }
  }
  return m;
}

}  // namespace frugal
