#include "advise/advisor.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "core/units.h"

namespace frugal {
namespace {

constexpr double kGiB = 1073741824.0;

// Tensor-parallel degrees worth trying on `devices` devices: powers of two that divide it, and
// the whole instance.
std::vector<int> tp_degrees(int devices) {
  std::vector<int> out;
  for (int t = 1; t <= devices; t *= 2) {
    if (devices % t == 0) out.push_back(t);
  }
  if (out.empty() || out.back() != devices) out.push_back(devices);
  return out;
}

bool instance_selected(const InstanceType& it, const std::vector<std::string>& filter) {
  if (filter.empty()) return true;
  for (const auto& f : filter) {
    if (it.name == f || it.family == f) return true;
  }
  return false;
}

std::optional<double> price_for(const InstanceType& it, const std::string& purchase) {
  if (purchase == "on-demand") return it.on_demand_hourly;
  if (purchase == "spot") return it.spot_hourly;
  if (purchase == "sagemaker") return it.sagemaker_hourly;
  return std::nullopt;
}

void check_purchase(const std::vector<std::string>& v) {
  for (const auto& p : v) {
    if (p != "on-demand" && p != "spot" && p != "sagemaker") {
      throw Error(fmt::format("--purchase: expected on-demand, spot or sagemaker, got '{}'", p));
    }
  }
}

// Keeps, per instance type, the most informative reason it could not be used.
class RejectionLog {
 public:
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
      if (!feasible_.count(k)) out.push_back({k, v.reason});
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
    return fmt::format("{} params x {} B ({}) = {} > {} usable per {}{}: needs TP >= {}{}",
                       human_count(m.params), p.weight_bytes, p.name, human_bytes(weights_total),
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
};

double latency_slo(const SearchState& s) {
  return s.w.latency_slo_s.value_or(s.ctx.defaults->default_latency_slo_s);
}

// SLO check at batch b; returns empty when met, else the reason.
std::string slo_miss(const SearchState& s, const ServeEstimate& e) {
  if (s.m.kind == ModelKind::kDecoder) {
    if (s.w.tpot_slo_s && e.tpot_s > *s.w.tpot_slo_s) {
      return fmt::format("TPOT {} > {} SLO", human_duration(e.tpot_s), human_duration(*s.w.tpot_slo_s));
    }
    if (s.w.ttft_slo_s && e.ttft_s > *s.w.ttft_slo_s) {
      return fmt::format("TTFT {} > {} SLO", human_duration(e.ttft_s), human_duration(*s.w.ttft_slo_s));
    }
    if (s.w.latency_slo_s && e.request_latency_s > *s.w.latency_slo_s) {
      return fmt::format("request latency {} > {} SLO", human_duration(e.request_latency_s),
                         human_duration(*s.w.latency_slo_s));
    }
    return "";
  }
  if (e.request_latency_s > latency_slo(s)) {
    return fmt::format("latency {} > {} SLO", human_duration(e.request_latency_s), human_duration(latency_slo(s)));
  }
  return "";
}

void search_serve(SearchState& s, const InstanceType& it) {
  const auto& defaults = *s.ctx.defaults;
  const double prompt = s.prompt, output = s.output;
  const double context = prompt + output;
  for (const Precision* p : s.precisions) {
    for (int tp : tp_degrees(it.devices)) {
      if (s.m.kind == ModelKind::kVision && tp > 1) continue;
      LlmConfig cfg{&s.m, p, make_device(*s.ctx.efficiency, *it.accelerator, it.device_memory_gib, it.device_fraction), tp};
      ++s.evaluated;
      if (auto why = unsupported_reason(cfg); !why.empty()) {
        s.log.add(it.name, 5, why);
        continue;
      }
      const int mb = max_batch(cfg, context, defaults.max_batch);
      if (mb == 0) {
        const auto mem = memory_for(cfg, 1, context);
        s.log.add(it.name, 3, memory_reason(s.m, *p, it, tp, mem), mem.used() / mem.capacity);
        continue;
      }
      auto at = [&](int b) { return serve_at(cfg, b, prompt, s.m.kind == ModelKind::kDecoder ? output : 1); };
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
      const ServeEstimate e = at(lo);
      const int per_instance = it.devices / tp;
      const double rps_per_replica = e.requests_per_s;
      const int replicas = s.w.rate_rps > 0 ? static_cast<int>(std::ceil(s.w.rate_rps / rps_per_replica)) : per_instance;
      const int instances = (replicas + per_instance - 1) / per_instance;
      if (instances > defaults.max_instances) {
        s.log.add(it.name, 2, fmt::format("needs {} instances for {:.3g} req/s (limit {})", instances, s.w.rate_rps,
                                          defaults.max_instances));
        continue;
      }
      const double capacity_rps = rps_per_replica * per_instance * instances;
      for (const auto& purchase : s.purchase) {
        auto price = price_for(it, purchase);
        if (!price) continue;
        Candidate c;
        c.instance = &it;
        c.precision = p->name;
        c.purchase = purchase;
        c.stack = cfg.device.stack_name;
        c.tp = tp;
        c.replicas = replicas;
        c.instances = instances;
        c.hourly_price = *price;
        c.cost_per_hour = instances * *price;
        c.monthly_cost = c.cost_per_hour * defaults.hours_per_month;
        c.serve = e;
        c.capacity_rps = capacity_rps;
        c.calibrated = cfg.device.family->calibrated;
        const double units_per_request = s.m.kind == ModelKind::kDecoder ? output : 1;  // tokens or requests
        c.cost_per_million_tokens_at_capacity = c.cost_per_hour / (capacity_rps * units_per_request * 3600) * 1e6;
        c.cost_per_million_tokens = s.w.rate_rps > 0
                                        ? c.cost_per_hour / (s.w.rate_rps * units_per_request * 3600) * 1e6
                                        : c.cost_per_million_tokens_at_capacity;
        c.tokens_per_dollar = 1e6 / c.cost_per_million_tokens_at_capacity;
        c.rank_cost = s.w.rate_rps > 0 ? c.cost_per_hour : c.cost_per_million_tokens_at_capacity;
        if (purchase == "spot") {
          c.spot_interruption = it.spot_interruption.empty() ? "unknown" : it.spot_interruption;
          c.notes.push_back(fmt::format("spot: interruption frequency {} (Spot Advisor); keep on-demand fallback capacity",
                                        c.spot_interruption));
        }
        if (purchase == "sagemaker") c.notes.push_back("SageMaker real-time endpoint ml." + it.name);
        s.log.feasible(it.name);
        s.all.push_back(std::move(c));
      }
    }
  }
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
    const int for_deadline = static_cast<int>(std::ceil(one.time_s / *s.w.deadline_s));
    instances = std::max(instances, for_deadline);
  }
  if (instances > defaults.max_instances) {
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
  for (const auto& purchase : s.purchase) {
    if (purchase == "sagemaker") continue;  // SageMaker training prices are not modelled per instance here
    auto price = price_for(it, purchase);
    if (!price) continue;
    Candidate c;
    c.instance = &it;
    c.precision = it.accelerator->bf16_tflops ? "bf16" : "fp16";
    c.purchase = purchase;
    c.tp = it.devices;
    c.replicas = instances;
    c.instances = instances;
    c.hourly_price = *price;
    c.cost_per_hour = instances * *price;
    c.monthly_cost = c.cost_per_hour * defaults.hours_per_month;
    c.train = est;
    c.run_hours = est.time_s / 3600;
    c.run_cost = c.cost_per_hour * c.run_hours;
    c.rank_cost = c.run_cost;
    // Training uses a published MFU; a family that borrows another family's MFU is flagged.
    c.calibrated = s.ctx.efficiency->families().at(it.accelerator->family).train_mfu > 0;
    c.notes.push_back(fmt::format("MFU {:.0f}%: {}", est.mfu * 100, dev.family->train_mfu_source));
    if (purchase == "spot") {
      c.spot_interruption = it.spot_interruption.empty() ? "unknown" : it.spot_interruption;
      c.notes.push_back(fmt::format("spot: checkpoint often; interruption frequency {} (Spot Advisor)", c.spot_interruption));
    }
    s.log.feasible(it.name);
    s.all.push_back(std::move(c));
  }
}

std::string describe(const Candidate& c, const Workload& w, const ModelSpec& m) {
  if (w.task == Task::kTrain) {
    return fmt::format("{} x {} {} ({} {}s), {:.1f} h, ${:.0f} per run", c.instances, c.instance->name, c.purchase,
                       c.instances * c.instance->devices, c.instance->accelerator->id, c.run_hours, c.run_cost);
  }
  if (m.kind != ModelKind::kDecoder) {
    return fmt::format("{} x {} {} ({}, batch {}), latency {}, ${:.2f}/h", c.instances, c.instance->name, c.purchase,
                       c.precision, c.serve.batch, human_duration(c.serve.request_latency_s), c.cost_per_hour);
  }
  return fmt::format("{} x {} {} ({}, TP {}, batch {}), TPOT {}, TTFT {}, ${:.2f}/h, ${:.3f}/1M tokens", c.instances,
                     c.instance->name, c.purchase, c.precision, c.tp, c.serve.batch, human_duration(c.serve.tpot_s),
                     human_duration(c.serve.ttft_s), c.cost_per_hour, c.cost_per_million_tokens);
}

}  // namespace

Advice advise(const Workload& w, const AdvisorContext& ctx) {
  const Catalog& cat = *ctx.catalog;
  const AdviseDefaults& defaults = *ctx.defaults;
  Advice a;
  a.workload = w;
  a.model = cat.find_model(w.model);
  if (!a.model) throw Error(fmt::format("--model: unknown model '{}' (see frugal catalog models)", w.model));
  const ModelSpec& m = *a.model;
  if (w.task == Task::kServe && w.rate_rps < 0) throw Error("--rate: expected a positive rate");

  SearchState s{w, 0, 0, m, ctx, {}, w.purchase.empty() ? defaults.purchase : w.purchase, {}, {}, 0};
  if (m.kind == ModelKind::kDecoder) {
    s.prompt = w.prompt_tokens.value_or(defaults.prompt_tokens);
    s.output = w.output_tokens.value_or(defaults.output_tokens);
  } else {
    s.prompt = w.prompt_tokens.value_or(m.default_sequence > 0 ? m.default_sequence : defaults.prompt_tokens);
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
    if (!p) throw Error(fmt::format("--precision: expected fp32, fp16, bf16, fp8, int8, int4 or all, got '{}'", name));
    s.precisions.push_back(p);
  }

  int considered = 0;
  for (const auto& it : cat.instances()) {
    if (!it.accelerated() || !instance_selected(it, w.instances)) continue;
    if (auto why = it.unusable_reason(); !why.empty()) {
      s.log.add(it.name, 9, why);
      continue;
    }
    ++considered;
    if (w.task == Task::kTrain) search_train(s, it);
    else search_serve(s, it);
  }
  if (!w.instances.empty() && considered == 0) {
    throw Error("--instances: no accelerated instance type in the catalog matches the filter");
  }
  a.configurations_evaluated = s.evaluated;
  a.rejected = s.log.list();

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
  if (!a.ranked.empty()) {
    const auto& top = a.ranked.front();
    const double worst = a.ranked.back().rank_cost;
    a.savings_vs_most_expensive = worst > 0 ? 1.0 - top.rank_cost / worst : 0;
    if (a.baseline) a.savings_vs_baseline = 1.0 - top.rank_cost / a.baseline->rank_cost;

    auto& ex = a.explanation;
    ex.push_back("Chosen: " + describe(top, w, m));
    if (w.task == Task::kServe) {
      const auto& mem = top.serve.memory;
      ex.push_back(fmt::format("Memory per device: {} weights + {} KV cache + {} activations + {} reserve = {} of {}",
                               human_bytes(mem.weights), human_bytes(mem.kv_cache), human_bytes(mem.activations),
                               human_bytes(mem.reserve), human_bytes(mem.used()), human_bytes(mem.capacity)));
      if (w.rate_rps > 0) {
        ex.push_back(fmt::format("Capacity: {} replicas x {:.3g} req/s = {:.3g} req/s for the {:.3g} req/s asked",
                                 top.replicas, top.serve.requests_per_s, top.capacity_rps, w.rate_rps));
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

  a.notes = defaults.notes;
  if (!cat.spot_cache_note.empty()) a.notes.insert(a.notes.begin() + 1, "Refreshed " + cat.spot_cache_note + ".");
  if (w.task == Task::kServe && m.kind == ModelKind::kDecoder) {
    a.notes.insert(a.notes.end(), defaults.decoder_serving_notes.begin(), defaults.decoder_serving_notes.end());
  }
  return a;
}

}  // namespace frugal
