#include "perf/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "core/csv.h"
#include "core/error.h"
#include "core/units.h"
#include "core/stats.h"
#include "core/toml_util.h"
#include "perf/llm.h"

namespace frugal {
namespace {

std::map<std::string, std::string> string_map(const toml::table& t, std::string_view key,
                                              const std::string& path) {
  std::map<std::string, std::string> out;
  const auto* sub = t.get_as<toml::table>(key);
  if (!sub) fail_at({path, 1, 1}, fmt::format("missing [{}] table", key));
  for (const auto& [k, v] : *sub) {
    auto s = v.value<std::string>();
    if (!s) fail_at(location_of(v, path), fmt::format("expected a string in [{}]", key));
    out[std::string(k.str())] = *s;
  }
  return out;
}

// The batch column's forms: "8", "batch 8", "concurrency 20" (a closed loop keeps N in flight,
// which the model treats as a batch of N) -> N; "rate 2/s" (open loop) and "max" (offline
// throughput) -> 0 with the reason the model cannot predict them yet. Text in parentheses is a
// comment ("max (offline)"). Anything else is an error.
int parse_batch(const std::string& raw, const SourceLocation& where, std::string* unmodelled) {
  std::string s;
  int depth = 0;
  for (char c : raw) {
    if (c == '(') ++depth;
    else if (c == ')' && depth > 0) --depth;
    else if (depth == 0) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  for (const char* prefix : {"concurrency ", "batch "}) {
    if (s.rfind(prefix, 0) == 0) s = s.substr(std::string(prefix).size());
  }
  if (s == "max" || s == "max throughput" || s == "offline") {
    *unmodelled = "max throughput (offline) is not modelled yet";
    return 0;
  }
  if (s.rfind("rate ", 0) == 0) {
    (void)parse_rate(s.substr(5), "batch");  // a malformed rate is still an error
    *unmodelled = "open-loop request rates are not modelled yet (only batch / concurrency)";
    return 0;
  }
  auto v = parse_double(s);
  if (!v || *v < 1 || *v != std::floor(*v) || *v > 1e6) {
    fail_at(where, fmt::format("expected a batch size, 'concurrency N', 'rate R/s' or 'max', got '{}'", raw));
  }
  return static_cast<int>(*v);
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
  return m;
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
      m.batch = parse_batch(m.batch_text, r.where("batch"), &m.unmodelled);
    } catch (const InputError&) {
      throw;
    } catch (const Error& e) {  // a rate the unit parser refuses: the row's cell, with the reason
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

Prediction predict_one(const MeasuredRow& r, const Catalog& cat, const Efficiency& eff,
                       const ValidationMap& map, const std::string& file) {
  const SourceLocation where{file, r.line, 0};
  Prediction p;
  p.row = r;
  if (!r.unmodelled.empty()) fail_at(where, r.unmodelled);
  const ModelSpec* model = cat.find_model(r.model);
  if (!model) fail_at(where, fmt::format("unknown model '{}' (add it with `frugal catalog add-model`)", r.model));
  // Hardware: the mapping's spellings, else a catalog accelerator id, else the instance's.
  const Accelerator* acc = nullptr;
  if (auto hw = map.hardware.find(r.hardware); hw != map.hardware.end()) acc = cat.find_accelerator(hw->second);
  if (!acc) acc = cat.find_accelerator(r.hardware);
  if (!acc) {
    if (const InstanceType* inst = cat.find_instance(r.instance)) acc = inst->accelerator;
  }
  if (!acc) fail_at(where, fmt::format("hardware '{}' (instance '{}') is no accelerator in the catalog or validation.toml", r.hardware, r.instance));
  const Precision* prec = nullptr;
  if (auto pr = map.precision.find(r.precision); pr != map.precision.end()) prec = cat.find_precision(pr->second);
  if (!prec) {
    std::string lower;
    for (char c : r.precision) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    prec = cat.find_precision(lower);
  }
  if (!prec) fail_at(where, fmt::format("precision '{}' is not in precisions.csv or validation.toml", r.precision));
  std::string stack;
  for (const auto& [needle, s] : map.stacks) {
    if (r.source.find(needle) != std::string::npos) stack = s;
  }
  if (stack.empty()) stack = eff.default_stack(*acc);  // e.g. `frugal bench` rows: the stack is not named

  LlmConfig cfg{model, prec, make_device(eff, *acc, acc->memory_gib, 1.0, stack), r.tp};
  p.accelerator = acc->id;
  p.stack = stack;
  p.family = acc->family;
  const double in = r.input_len >= 0 ? r.input_len : map.variable_prompt_tokens;
  const double out = r.output_len;
  const int b = r.batch;
  if (!memory_for(cfg, b, in + out).fits()) p.note = "exceeds device memory in our memory model";

  const std::string& m = r.metric;
  if (m == "output_throughput") {
    double tps = serve_at(cfg, b, in, out).tokens_per_s;
    // TensorRT-LLM's table reports throughput per GPU (see the row's unit and source).
    if (r.unit.find("/GPU") != std::string::npos || r.unit.find("per-GPU") != std::string::npos) tps /= r.tp;
    p.predicted = tps;
  } else if (m == "TTFT" || m == "TTFT_p50") {
    p.predicted = prefill_time(cfg, b, in) * 1e3;
  } else if (m == "TPOT_p50" || m == "TPOT_p99") {
    p.predicted = decode_step_time(cfg, b, in + out / 2) * 1e3;
  } else if (m == "latency_per_token_median") {
    p.predicted = serve_at(cfg, b, in, out).request_latency_s / out * 1e3;
  } else {
    fail_at(where, fmt::format("metric '{}' is not predicted by the model yet", m));
  }
  if (!(p.predicted > 0) || !std::isfinite(p.predicted)) fail_at(where, "model produced no prediction");
  p.error = p.predicted / r.value - 1.0;
  return p;
}

}  // namespace

std::vector<Prediction> predict_measured(const std::vector<MeasuredRow>& rows, const Catalog& cat,
                                         const Efficiency& eff, const ValidationMap& map,
                                         const std::string& file, std::vector<Unmodelled>* unmodelled) {
  std::vector<Prediction> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    if (!unmodelled) {
      out.push_back(predict_one(r, cat, eff, map, file));
      continue;
    }
    try {
      out.push_back(predict_one(r, cat, eff, map, file));
    } catch (const Error& e) {
      // fail_at's message starts "file:line: "; the reason alone goes in the list.
      std::string why = e.what();
      const std::string prefix = fmt::format("{}:{}: ", file, r.line);
      if (why.rfind(prefix, 0) == 0) why = why.substr(prefix.size());
      unmodelled->push_back({r, why});
    }
  }
  return out;
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

Efficiency calibrate(const std::vector<MeasuredRow>& all_rows, const Catalog& cat, const Efficiency& eff,
                     const ValidationMap& map, const std::string& file) {
  // Fit on the rows the model can predict; the others are listed by validate.
  std::vector<Unmodelled> skipped;
  predict_measured(all_rows, cat, eff, map, file, &skipped);
  std::vector<MeasuredRow> rows;
  for (const auto& r : all_rows) {
    if (std::none_of(skipped.begin(), skipped.end(), [&](const Unmodelled& u) { return u.row.line == r.line; })) rows.push_back(r);
  }
  Efficiency fit = eff;
  std::map<std::string, bool> fams, stacks;
  for (const auto& p : predict_measured(rows, cat, fit, map, file)) {
    fams[p.family] = true;
    stacks[p.stack] = true;
  }
  // Every parameter is fitted in log space between physical bounds.
  struct Param {
    std::function<double&()> ref;
    double lo, hi;
  };
  std::vector<Param> params;
  for (const auto& [f, _] : fams) {
    if (!fit.families()[f].inherits.empty()) continue;
    params.push_back({[&fit, f]() -> double& { return fit.families()[f].mem_eff; }, 0.05, 1.0});
    params.push_back({[&fit, f]() -> double& { return fit.families()[f].compute_eff; }, 0.02, 1.0});
    params.push_back({[&fit, f]() -> double& { return fit.families()[f].attn_eff; }, 0.005, 1.0});
    params.push_back({[&fit, f]() -> double& { return fit.families()[f].link_eff; }, 0.02, 1.0});
  }
  for (const auto& [s, _] : stacks) {
    params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].step_overhead_s; }, 1e-5, 0.2});
    params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].prefill_overhead_s; }, 1e-5, 0.5});
    params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].allreduce_latency_s; }, 1e-7, 1e-3});
    params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].w4_compute_eff; }, 0.02, 1.0});
    params.push_back({[&fit, s]() -> double& { return fit.stacks()[s].tp_step_overhead_s; }, 1e-6, 0.05});
  }
  // Keep only parameters some row depends on (e.g. no int4 rows for a stack: its w4 factor stays as
  // it is instead of drifting with the simplex).
  {
    fit.resolve();
    auto total = [&]() {
      double l = 0;
      for (const auto& p : predict_measured(rows, cat, fit, map, file)) l += std::fabs(std::log1p(p.error));
      return l;
    };
    const double base = total();
    std::vector<Param> used;
    for (auto& prm : params) {
      double& v = prm.ref();
      const double old = v;
      v = old > (prm.lo + prm.hi) / 2 ? old * 0.7 : old * 1.3;
      fit.resolve();
      const bool matters = std::fabs(total() - base) > 1e-9;
      v = old;
      fit.resolve();
      if (matters) used.push_back(prm);
    }
    params = std::move(used);
  }
  const std::size_t n = params.size();
  auto set = [&](const std::vector<double>& x) {
    for (std::size_t i = 0; i < n; ++i) {
      params[i].ref() = std::exp(std::clamp(x[i], std::log(params[i].lo), std::log(params[i].hi)));
    }
    fit.resolve();
  };
  auto loss = [&](const std::vector<double>& x) {
    set(x);
    double l = 0;
    for (const auto& p : predict_measured(rows, cat, fit, map, file)) {
      // Squared log error, capped: rows the model cannot explain (a few published rows contradict
      // their own table) stop pulling the fit once they are clearly outliers.
      const double e = std::min(std::fabs(std::log1p(p.error)), 0.6);
      l += e * e;
    }
    return l;
  };
  std::vector<double> best(n);
  for (std::size_t i = 0; i < n; ++i) best[i] = std::log(std::clamp(params[i].ref(), params[i].lo, params[i].hi));
  double best_loss = loss(best);

  // First a global 1-D grid search per parameter over its whole range, cycled: cheap and immune to
  // the shallow local minima that trap simplex methods here. Then Nelder-Mead polishes jointly.
  for (int cycle = 0; cycle < 4; ++cycle) {
    bool moved = false;
    for (std::size_t i = 0; i < n; ++i) {
      const double a = std::log(params[i].lo), b = std::log(params[i].hi);
      auto x = best;
      for (int g = 0; g <= 32; ++g) {
        x[i] = a + (b - a) * g / 32.0;
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
  for (const auto& [f, _] : fams) {
    auto& ff = fit.families()[f];
    if (ff.inherits.empty()) ff.calibrated = true;
  }
  fit.resolve();
  return fit;
}

}  // namespace frugal
