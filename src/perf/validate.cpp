#include "perf/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <map>
#include <set>

#include "core/csv.h"
#include "core/error.h"
#include "core/units.h"
#include "core/stats.h"
#include "core/toml_util.h"
#include "perf/llm.h"
#include "perf/serving.h"

namespace frugal {
namespace {

std::map<std::string, std::string> string_map(const toml::table& t, std::string_view key,
                                              const std::string& path) {
  std::map<std::string, std::string> out;
  const auto* sub = t.get_as<toml::table>(key);
  if (!sub) return out;
  for (const auto& [k, v] : *sub) {
    auto s = v.value<std::string>();
    if (!s) fail_at(location_of(v, path), fmt::format("expected a string in [{}]", key));
    out[std::string(k.str())] = *s;
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Lower-case alphanumeric words of `s`: "H100-SXM-80GB" -> h100, sxm, 80gb.
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) out.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.back().empty()) out.emplace_back();
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

}  // namespace

ValidationMap ValidationMap::load(const std::string& path) {
  auto t = load_toml_file(path);
  ValidationMap m;
  m.hardware = string_map(t, "hardware", path);
  m.stacks = string_map(t, "stacks", path);
  m.precision = string_map(t, "precision", path);
  m.variable_prompt_tokens = require_number(t, "variable_prompt_tokens", path);
  m.variable_prompt_source = require_string(t, "variable_prompt_source", path);
  m.independent_bias_p = require_number(t, "independent_bias_p", path);
  m.independent_bias_source = require_string(t, "independent_bias_source", path);
  if (!(m.independent_bias_p > 0 && m.independent_bias_p < 1)) {
    fail_at(location_of(*t.get("independent_bias_p"), path), "expected independent_bias_p in (0, 1), a probability");
  }
  m.tail_error = require_number(t, "tail_error", path);
  m.tail_error_source = require_string(t, "tail_error_source", path);
  if (!(m.tail_error > 0)) fail_at(location_of(*t.get("tail_error"), path), "expected tail_error > 0, a fraction of the measured value");
  return m;
}

const Accelerator* resolve_hardware(const Catalog& cat, const ValidationMap& map, const std::string& hardware,
                                    const std::string& instance) {
  if (auto hw = map.hardware.find(hardware); hw != map.hardware.end()) return cat.find_accelerator(hw->second);
  if (const Accelerator* a = cat.find_accelerator(hardware)) return a;
  const auto w = words(hardware);
  // A memory size in the text ("80gb", "141gb", "80") picks among parts of one name.
  std::optional<double> gib;
  for (const auto& x : w) {
    std::string digits = x;
    if (digits.size() > 2 && digits.substr(digits.size() - 2) == "gb") digits.resize(digits.size() - 2);
    if (auto v = parse_double(digits); v && *v >= 8 && *v <= 1024 && x != digits) gib = *v;
  }
  const InstanceType* inst = cat.find_instance(instance);
  const Accelerator* best = nullptr;
  double best_score = 0;
  for (const auto& a : cat.accelerators()) {
    if (std::find(w.begin(), w.end(), lower(a.match_name)) == w.end()) continue;
    // Prefer the instance's own part, then the nearest memory size.
    double score = 1;
    if (inst && inst->accelerator == &a) score += 10;
    if (gib) score += 1.0 / (1.0 + std::fabs(a.memory_gib - *gib));
    if (score > best_score) best = &a, best_score = score;
  }
  if (best) return best;
  return inst ? inst->accelerator : nullptr;
}

const Precision* resolve_precision(const Catalog& cat, const ValidationMap& map, const std::string& text) {
  if (auto pr = map.precision.find(text); pr != map.precision.end()) return cat.find_precision(pr->second);
  if (const Precision* p = cat.find_precision(lower(text))) return p;
  const auto w = words(text);
  auto has = [&](const char* x) { return std::find(w.begin(), w.end(), x) != w.end(); };
  // Neuron's "FP16/autocast Matmult-BF16/weights bf16": the stored weights decide.
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] == "weights") {
      if (const Precision* p = cat.find_precision(w[i + 1])) return p;
    }
  }
  for (const char* name : {"int4", "awq", "gptq", "w4a16"}) {
    if (has(name)) return cat.find_precision("int4");
  }
  // NVFP4 before FP8: its checkpoints pair 4-bit weights with an FP8 KV cache ("NVFP4, FP8 KV").
  if (has("fp4") || has("nvfp4")) return cat.find_precision("fp4");
  for (const char* name : {"fp8", "int8", "bf16", "fp16", "fp32"}) {
    if (has(name)) return cat.find_precision(name);
  }
  if (has("float16") || has("half")) return cat.find_precision("fp16");
  if (has("bfloat16")) return cat.find_precision("bf16");
  return nullptr;
}

std::string resolve_stack(const Efficiency& eff, const ValidationMap& map, const std::string& source) {
  for (const auto& [needle, s] : map.stacks) {
    if (source.find(needle) != std::string::npos) return s;
  }
  // The longest keyword found wins: "tensorrtllm_backend" (Triton) over "TensorRT-LLM".
  std::string best;
  std::size_t best_len = 0;
  for (const auto& [name, st] : eff.stacks()) {
    for (const auto& k : st.source_keywords) {
      if (k.size() > best_len && source.find(k) != std::string::npos) best = name, best_len = k.size();
    }
  }
  return best;
}

std::vector<MeasuredRow> load_measured(const std::string& path) {
  auto t = CsvTable::load(path);
  t.require_columns({"model", "hardware", "instance", "precision", "tp", "batch", "input_len",
                     "output_len", "metric", "value", "unit", "source"});
  std::vector<MeasuredRow> out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto r = t.row(i);
    MeasuredRow m;
    m.line = r.line();
    m.model = r.get("model");
    m.hardware = r.get("hardware");
    m.instance = r.get("instance");
    m.precision = r.get("precision");
    m.tp = static_cast<int>(r.number("tp"));
    m.batch_text = r.get("batch");
    try {
      m.load = parse_load(m.batch_text);
    } catch (const InputError&) {
      throw;
    } catch (const Error& e) {  // the row's cell, with the reason
      fail_at(r.where("batch"), e.what());
    }
    // "ShareGPT (var)": variable-length prompts, resolved by ValidationMap::variable_prompt_tokens.
    if (r.get("input_len").find("(var)") != std::string::npos) m.input_len = -1;
    else m.input_len = r.number("input_len");
    m.output_len = r.number("output_len");
    m.metric = r.get("metric");
    m.value = r.number("value");
    m.unit = r.get("unit");
    m.source = r.get("source");
    if (m.value <= 0) fail_at(r.where("value"), "expected a positive measurement");
    if (m.tp < 1) fail_at(r.where("tp"), "expected tp >= 1");
    out.push_back(std::move(m));
  }
  return out;
}

namespace {

}  // namespace

ResolvedRow resolve_row(const MeasuredRow& r, const Catalog& cat, const Efficiency& eff, const ValidationMap& map) {
  ResolvedRow x;
  x.row = r;
  x.model = cat.find_model(r.model);
  x.accelerator = resolve_hardware(cat, map, r.hardware, r.instance);
  x.precision = resolve_precision(cat, map, r.precision);
  if (!x.model) {
    x.error = fmt::format("unknown model '{}' (add it with `frugal catalog add-model`)", r.model);
  } else if (!x.accelerator) {
    x.error = fmt::format("hardware '{}' (instance '{}') names no accelerator in the catalog", r.hardware, r.instance);
  } else if (!x.precision) {
    x.error = fmt::format("precision '{}' names none of precisions.csv", r.precision);
  } else {
    x.stack = resolve_stack(eff, map, r.source);
    if (x.stack.empty()) x.stack = eff.default_stack(*x.accelerator);  // e.g. `frugal bench` rows: no stack named
    x.input_len = r.input_len >= 0 ? r.input_len : map.variable_prompt_tokens;
  }
  return x;
}

namespace {

// The model's figure for one row: what predict_one reports, without building a Prediction (the
// fit evaluates every row thousands of times and needs only the number). Throws like fail_at.
struct Predicted {
  double value = 0;
  bool higher_is_better = false;
  bool over_memory = false;  // the memory model fits no sequence
};

Predicted predict_value(const ResolvedRow& x, const Catalog& cat, const Efficiency& eff, const std::string& file) {
  const MeasuredRow& r = x.row;
  const SourceLocation where{file, r.line, 0};
  if (!x.error.empty()) fail_at(where, x.error);
  Predicted p;
  const ModelSpec* model = x.model;
  const Accelerator* acc = x.accelerator;
  const Precision* prec = x.precision;
  const std::string& stack = x.stack;
  LlmConfig cfg{model, prec, make_device(eff, *acc, acc->memory_gib, 1.0, stack), r.tp};
  // "DEP4" in the load's comment: attention data parallel with expert parallelism.
  cfg.attention_dp = r.batch_text.find("DEP") != std::string::npos;
  if (auto why = unsupported_reason(cfg); !why.empty()) fail_at(where, why);
  const double in = x.input_len;
  const double out = r.output_len;
  const LoadEstimate e = estimate_load(cfg, r.load, in, out);
  p.over_memory = e.running_limit == 0;

  const std::string& m = r.metric;
  auto ms = [](double s) { return s * 1e3; };
  auto needs_steady_ttft = [&]() {
    if (e.ttft_steady) return;
    if (e.saturated) {
      fail_at(where, fmt::format("rate {:.3g}/s exceeds the predicted capacity of {:.3g} requests/s: TTFT is the run's backlog, no steady state",
                                 r.load.value, e.requests_per_s));
    }
    fail_at(where, "TTFT at max load is the queueing of the whole run (it depends on the request count)");
  };
  if (m == "output_throughput") {
    double tps = e.tokens_per_s;
    // The unit says what the figure covers: one GPU, one TP group (a replica), or the system.
    const std::string u = lower(r.unit);
    if (u.find("/gpu") != std::string::npos || u.find("per-gpu") != std::string::npos || u.find("per gpu") != std::string::npos) {
      tps /= r.tp;
    } else if (u.find("per system") != std::string::npos || u.find("per instance") != std::string::npos) {
      const InstanceType* inst = cat.find_instance(r.instance);
      if (!inst) fail_at(where, fmt::format("a per-system throughput needs a known instance, got '{}'", r.instance));
      tps *= std::max(1, inst->devices / r.tp);
    }
    p.value = tps;
    p.higher_is_better = true;
  } else if (m == "requests_per_s") {
    p.value = e.requests_per_s;
    p.higher_is_better = true;
  } else if (m == "TTFT" || m == "TTFT_p50") {
    needs_steady_ttft();
    p.value = ms(e.ttft_p50_s);
  } else if (m == "TTFT_avg") {
    needs_steady_ttft();
    p.value = ms(e.ttft_avg_s);
  } else if (m == "TTFT_p90") {
    needs_steady_ttft();
    p.value = ms(e.ttft_p90_s);
  } else if (m == "TTFT_p99") {
    needs_steady_ttft();
    p.value = ms(e.ttft_p99_s);
  } else if (m == "TPOT_p50" || m == "TPOT_p99" || m == "TPOT_avg" || m == "ITL_avg" || m == "ITL_p50") {
    // The model has no per-token jitter: every percentile of TPOT/ITL is the steady step time.
    p.value = ms(e.tpot_s);
  } else if (m == "latency_per_token_median") {
    p.value = ms(e.e2e_s / out);
  } else if (m == "e2e_latency_p50" || m == "e2e_latency_avg") {
    needs_steady_ttft();
    p.value = ms(e.e2e_s);
  } else {
    fail_at(where, fmt::format("metric '{}' is not predicted by the model", m));
  }
  if (!(p.value > 0) || !std::isfinite(p.value)) fail_at(where, "model produced no prediction");
  return p;
}

Prediction predict_one(const ResolvedRow& x, const Catalog& cat, const Efficiency& eff, const std::string& file) {
  const Predicted v = predict_value(x, cat, eff, file);
  Prediction p;
  p.row = x.row;
  p.source_group = x.row.source;
  p.accelerator = x.accelerator->id;
  p.stack = x.stack;
  p.family = x.accelerator->family;
  if (v.over_memory) p.note = "exceeds device memory in our memory model";
  p.predicted = v.value;
  p.higher_is_better = v.higher_is_better;
  p.error = p.predicted / x.row.value - 1.0;
  return p;
}

// predicted / measured - 1 for every row the factors predict; the others are counted in `lost`.
std::vector<double> row_errors(const std::vector<ResolvedRow>& rows, const Catalog& cat, const Efficiency& eff,
                               const std::string& file, std::size_t* lost) {
  std::vector<double> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    try {
      out.push_back(predict_value(r, cat, eff, file).value / r.row.value - 1.0);
    } catch (const Error&) {
      ++*lost;
    }
  }
  return out;
}

}  // namespace

std::vector<Prediction> predict_resolved(const std::vector<ResolvedRow>& rows, const Catalog& cat,
                                         const Efficiency& eff, const std::string& file,
                                         std::vector<Unmodelled>* unmodelled) {
  std::vector<Prediction> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    if (!unmodelled) {
      out.push_back(predict_one(r, cat, eff, file));
      continue;
    }
    try {
      out.push_back(predict_one(r, cat, eff, file));
    } catch (const Error& e) {
      // fail_at's message starts "file:line: "; the reason alone goes in the list.
      std::string why = e.what();
      const std::string prefix = fmt::format("{}:{}: ", file, r.row.line);
      if (why.rfind(prefix, 0) == 0) why = why.substr(prefix.size());
      unmodelled->push_back({r.row, why});
    }
  }
  return out;
}


std::vector<ResolvedRow> resolve_rows(const std::vector<MeasuredRow>& rows, const Catalog& cat, const Efficiency& eff,
                                      const ValidationMap& map) {
  std::vector<ResolvedRow> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(resolve_row(r, cat, eff, map));
  return out;
}

std::vector<Prediction> predict_measured(const std::vector<MeasuredRow>& rows, const Catalog& cat,
                                         const Efficiency& eff, const ValidationMap& map,
                                         const std::string& file, std::vector<Unmodelled>* unmodelled) {
  return predict_resolved(resolve_rows(rows, cat, eff, map), cat, eff, file, unmodelled);
}

ErrorSummary summarize(const std::vector<Prediction>& p) {
  std::vector<double> e;
  for (const auto& x : p) e.push_back(std::fabs(x.error));
  ErrorSummary s;
  s.rows = p.size();
  s.median_abs = quantile(e, 0.5);
  s.p90_abs = quantile(e, 0.9);
  s.max_abs = e.empty() ? 0 : *std::max_element(e.begin(), e.end());
  return s;
}

namespace {
// The load forms in the order users read them, simplest first, with their names.
constexpr std::pair<Load::Kind, const char*> kLoadForms[] = {
    {Load::Kind::kBatch, "static batch"}, {Load::Kind::kConcurrency, "concurrency"}, {Load::Kind::kRate, "rate"},
    {Load::Kind::kBurst, "burst"},        {Load::Kind::kMax, "max"}};
int load_form(Load::Kind k) {
  return static_cast<int>(std::find_if(std::begin(kLoadForms), std::end(kLoadForms), [k](const auto& f) { return f.first == k; }) -
                          std::begin(kLoadForms));
}
}  // namespace

std::string regime_of(const MeasuredRow& r) {
  const std::string m = lower(r.metric);
  const char* what = "request latency";
  if (m.find("throughput") != std::string::npos || m == "requests_per_s") {
    what = "throughput";
  } else if (m.rfind("ttft", 0) == 0) {
    what = "TTFT";
  } else if (m.rfind("tpot", 0) == 0 || m.rfind("itl", 0) == 0 || m.find("per_token") != std::string::npos) {
    what = "per-token";
  }
  return fmt::format("{} / {}", kLoadForms[load_form(r.load.kind)].second, what);
}

std::vector<RegimeSummary> summarize_by_regime(const std::vector<Prediction>& p, double tail) {
  std::map<std::pair<int, std::string>, std::vector<Prediction>> by;
  for (const auto& x : p) by[{load_form(x.row.load.kind), regime_of(x.row)}].push_back(x);
  std::vector<RegimeSummary> out;
  for (const auto& [k, v] : by) {
    const auto over = std::count_if(v.begin(), v.end(), [tail](const Prediction& x) { return std::fabs(x.error) > tail; });
    out.push_back({k.second, summarize(v), static_cast<std::size_t>(over)});
  }
  return out;
}

namespace {
constexpr double kLossCap = 0.6;  // |log error| beyond which a row no longer pulls the fit
constexpr int kGridPoints = 16;   // per parameter and cycle of the global grid search (log-spaced)
constexpr double kMattersMin = 0.01;  // summed |log error| a fitted factor must move (one row by 1%)
}  // namespace

namespace {
// Rows that share factors, with the families and stacks whose factors they depend on.
struct Block {
  std::vector<ResolvedRow> rows;
  std::set<std::string> families, stacks;
};

// Fits the factors of one block's families and stacks to its rows, in place.
void fit_block(const Block& block, const Catalog& cat, const std::string& file, Efficiency& fit,
               const ProgressFn& progress, const std::string& label) {
  const std::vector<ResolvedRow>& rows = block.rows;
  // Every parameter is fitted in log space between physical bounds.
  struct Param {
    std::function<double&()> ref;
    double lo, hi;
  };
  std::vector<Param> params;
  for (const std::string& f : block.families) {  // copies the lambdas capture (clang 14: no binding captures)
    params.push_back({[&fit, f]() -> double& { return fit.families()[f].mem_eff; }, 0.05, 1.0});
    params.push_back({[&fit, f]() -> double& { return fit.families()[f].compute_eff; }, 0.02, 1.0});
    params.push_back({[&fit, f]() -> double& { return fit.families()[f].attn_eff; }, 0.005, 1.0});
    params.push_back({[&fit, f]() -> double& { return fit.families()[f].link_eff; }, 0.02, 1.0});
  }
  for (const std::string& s : block.stacks) {
    const double step_cap = fit.stacks()[s].step_overhead_max_s;
    // A stack that shares another's overheads (resolve() copies them after every move) fits only
    // its kernel efficiencies (w4, moe); its rows pull on the owner's overheads instead.
    const bool own = fit.stacks()[s].shares_overheads.empty();
    if (own) params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].step_overhead_s; }, 1e-5, step_cap > 0 ? step_cap : 0.2});
    if (own) params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].prefill_overhead_s; }, 1e-5, 0.5});
    if (own) params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].allreduce_latency_s; }, 1e-7, 1e-3});
    params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].w4_compute_eff; }, 0.02, 1.0});
    if (own) params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].tp_step_overhead_s; }, 1e-6, 0.05});
    // Up to 2 ms per sequence: a stack that samples on the host (transformers-neuronx's sample loop
    // copies each step's logits to the CPU and runs top-k, softmax and multinomial there per row,
    // aws-neuron/transformers-neuronx src/transformers_neuronx/sampling.py) pays CPU time per
    // sequence that a GPU sampler does not.
    if (own) params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].seq_overhead_s; }, 1e-8, 2e-3});
    params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].moe_eff; }, 0.05, 1.0});
    if (own) params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].activation_scale; }, 1.0, 16.0});
  }
  // Keep only parameters the rows depend on (e.g. no int4 rows for a stack: its w4 factor stays as
  // it is instead of drifting with the simplex). "Depend" means a 30% move shifts the rows' summed
  // |log error| by more than kMattersMin: a factor that barely touches them (the A10G family's
  // attention efficiency, which TGI's rows never make binding above 0.1) otherwise drifts wherever
  // the search lands it, and went from 1.0 to 0.0085 for a loss change of 1e-4, after which the
  // advisor priced every long prompt on g5 and g4dn as if attention ran at 1% of peak.
  {
    fit.resolve();
    auto total = [&]() {
      double l = 0;
      std::size_t lost = 0;
      for (const double err : row_errors(rows, cat, fit, file, &lost)) l += std::fabs(std::log1p(err));
      return l + static_cast<double>(lost);
    };
    const double base = total();
    std::vector<Param> used;
    for (auto& prm : params) {
      double& v = prm.ref();
      const double old = v;
      v = old > (prm.lo + prm.hi) / 2 ? old * 0.7 : old * 1.3;
      fit.resolve();
      const bool matters = std::fabs(total() - base) > kMattersMin;
      v = old;
      fit.resolve();
      if (matters) used.push_back(prm);
    }
    params = std::move(used);
  }
  const std::size_t n = params.size();
  if (n == 0) return;
  auto set = [&](const std::vector<double>& x) {
    for (std::size_t i = 0; i < n; ++i) {
      params[i].ref() = std::exp(std::clamp(x[i], std::log(params[i].lo), std::log(params[i].hi)));
    }
    fit.resolve();
  };
  long evaluations = 0;
  std::string phase = label + ", grid search";
  auto loss = [&](const std::vector<double>& x) {
    if (progress) progress(static_cast<double>(++evaluations), 0, phase);
    set(x);
    double l = 0;
    std::size_t lost = 0;
    for (const double err : row_errors(rows, cat, fit, file, &lost)) {
      // Squared log error, capped: rows the model cannot explain (a few published rows contradict
      // their own table) stop pulling the fit once they are clearly outliers.
      const double e = std::min(std::fabs(std::log1p(err)), kLossCap);
      l += e * e;
    }
    // A row these factors cannot predict (a rate they would saturate) costs as much as an outlier.
    return l + static_cast<double>(lost) * kLossCap * kLossCap;
  };
  std::vector<double> best(n);
  for (std::size_t i = 0; i < n; ++i) best[i] = std::log(std::clamp(params[i].ref(), params[i].lo, params[i].hi));
  double best_loss = loss(best);

  // First a global 1-D grid search per parameter over its whole range, cycled: cheap and immune to
  // the shallow local minima that trap simplex methods here. Then Nelder-Mead polishes jointly.
  for (int cycle = 0; cycle < 4; ++cycle) {
    phase = fmt::format("{}, grid search, cycle {}/4, {} parameters", label, cycle + 1, n);
    bool moved = false;
    for (std::size_t i = 0; i < n; ++i) {
      const double a = std::log(params[i].lo), b = std::log(params[i].hi);
      auto x = best;
      for (int g = 0; g <= kGridPoints; ++g) {
        x[i] = a + (b - a) * g / kGridPoints;
        double l = loss(x);
        if (l < best_loss - 1e-9) {
          best_loss = l;
          best = x;
          moved = true;
        }
      }
    }
    if (!moved) break;
  }
  // Nelder-Mead, restarted from the best point until a restart no longer helps: the loss (sum of
  // absolute log errors) is robust to the few inconsistent published rows but not smooth.
  for (int restart = 0; restart < 6; ++restart) {
    phase = fmt::format("{}, simplex, restart {}/6", label, restart + 1);
    std::vector<std::vector<double>> simplex{best};
    std::vector<double> f{best_loss};
    for (std::size_t i = 0; i < n; ++i) {
      auto x = best;
      x[i] += 0.5;
      simplex.push_back(x);
      f.push_back(loss(x));
    }
    for (int iter = 0; iter < 400 * static_cast<int>(n); ++iter) {
      std::vector<std::size_t> idx(n + 1);
      for (std::size_t i = 0; i <= n; ++i) idx[i] = i;
      std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return f[a] < f[b]; });
      const std::size_t lo = idx[0], hi = idx[n], nh = idx[n - 1];
      if (f[hi] - f[lo] < 1e-7) break;
      std::vector<double> c(n, 0.0);
      for (std::size_t k = 0; k <= n; ++k) {
        if (k == hi) continue;
        for (std::size_t i = 0; i < n; ++i) c[i] += simplex[k][i] / n;
      }
      auto along = [&](double t) {
        std::vector<double> x(n);
        for (std::size_t i = 0; i < n; ++i) x[i] = c[i] + t * (simplex[hi][i] - c[i]);
        return x;
      };
      auto xr = along(-1.0);
      double fr = loss(xr);
      if (fr < f[lo]) {
        auto xe = along(-2.0);
        double fe = loss(xe);
        if (fe < fr) simplex[hi] = xe, f[hi] = fe;
        else simplex[hi] = xr, f[hi] = fr;
      } else if (fr < f[nh]) {
        simplex[hi] = xr, f[hi] = fr;
      } else {
        auto xc = along(0.5);
        double fc = loss(xc);
        if (fc < f[hi]) {
          simplex[hi] = xc, f[hi] = fc;
        } else {
          for (std::size_t k = 0; k <= n; ++k) {
            if (k == lo) continue;
            for (std::size_t i = 0; i < n; ++i) simplex[k][i] = simplex[lo][i] + 0.5 * (simplex[k][i] - simplex[lo][i]);
            f[k] = loss(simplex[k]);
          }
        }
      }
    }
    std::size_t b = std::min_element(f.begin(), f.end()) - f.begin();
    if (f[b] < best_loss - 1e-6) {
      best = simplex[b];
      best_loss = f[b];
    } else {
      break;
    }
  }
  set(best);
  for (std::size_t i = 0; i < n; ++i) params[i].ref() = std::exp(std::clamp(best[i], std::log(params[i].lo), std::log(params[i].hi)));
  fit.resolve();
}
}  // namespace

Efficiency calibrate(const std::vector<MeasuredRow>& all_rows, const Catalog& cat, const Efficiency& eff,
                     const ValidationMap& map, const std::string& file, const ProgressFn& progress) {
  // Fit on the rows the model can predict; the others are listed by validate.
  std::vector<Unmodelled> skipped;
  predict_measured(all_rows, cat, eff, map, file, &skipped);
  std::vector<ResolvedRow> rows;
  for (const auto& r : all_rows) {
    if (std::none_of(skipped.begin(), skipped.end(), [&](const Unmodelled& u) { return u.row.line == r.line; })) {
      rows.push_back(resolve_row(r, cat, eff, map));
    }
  }
  Efficiency fit = eff;
  // A row depends on its family's factors (the family it inherits them from, if any) and its
  // stack's. Rows that share no factor with each other form independent blocks (NVIDIA GPUs and
  // their stacks, Neuron devices and theirs): each block is fitted alone, so a change in one
  // cannot move another's optimum, and each simplex searches fewer dimensions.
  auto root_family = [&](const std::string& f) {
    const FamilyFactors* p = &fit.families().at(f);
    std::string name = f;
    for (int hops = 0; !p->inherits.empty() && hops < 8; ++hops) {
      name = p->inherits;
      p = &fit.families().at(name);
    }
    return name;
  };
  std::map<std::string, std::string> parent;  // union-find over "family:X" and "stack:Y"
  std::function<std::string(const std::string&)> find = [&](const std::string& x) -> std::string {
    auto it = parent.find(x);
    if (it == parent.end() || it->second == x) return parent[x] = x;
    return it->second = find(it->second);
  };
  // A stack that shares another's overheads is fitted with its owner: its rows move them.
  auto owner = [&](const std::string& stack) -> const std::string& { return fit.stacks().at(stack).shares_overheads; };
  for (const auto& r : rows) {
    const std::string a = find("family:" + root_family(r.accelerator->family)), b = find("stack:" + r.stack);
    if (a != b) parent[a] = b;
    if (!owner(r.stack).empty()) {
      const std::string c = find("stack:" + owner(r.stack)), d = find("stack:" + r.stack);
      if (c != d) parent[c] = d;
    }
  }
  std::map<std::string, Block> blocks;
  for (const auto& r : rows) {
    Block& blk = blocks[find("stack:" + r.stack)];
    blk.rows.push_back(r);
    blk.families.insert(root_family(r.accelerator->family));
    blk.stacks.insert(r.stack);
    if (!owner(r.stack).empty()) blk.stacks.insert(owner(r.stack));
  }
  int index = 0;
  for (auto& [key, blk] : blocks) {
    fit_block(blk, cat, file, fit, progress, fmt::format("block {}/{}", ++index, blocks.size()));
  }
  for (const auto& [key, blk] : blocks) {
    for (const auto& f : blk.families) fit.families()[f].calibrated = true;
  }
  fit.resolve();
  return fit;
}

}  // namespace frugal
