#include "perf/accuracy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "core/error.h"
#include "core/hash.h"
#include "core/files.h"
#include "core/toml_util.h"
#include "perf/calibration.h"
#include "perf/validate.h"

namespace frugal {
namespace {

// A count: a whole number from 0 to 1e12 (a cast of anything else to size_t is undefined).
std::size_t require_count(const toml::table& t, std::string_view key, const std::string& file) {
  const double v = require_number(t, key, file);
  if (!(v >= 0 && v <= 1e12) || v != std::floor(v)) {
    throw Error(fmt::format("{}: expected {} to be a whole number >= 0, got {}", location_of(*t.get(key), file).str(), key, v));
  }
  return static_cast<std::size_t>(v);
}

ErrorSummary read_summary(const toml::table& t, const std::string& file) {
  ErrorSummary s;
  auto fraction = [&](std::string_view k) {
    const double v = require_number(t, k, file);
    if (!(v >= 0)) throw Error(fmt::format("{}: expected {} >= 0 (a fraction), got {}", location_of(*t.get(k), file).str(), k, v));
    return v;
  };
  s.rows = require_count(t, "rows", file);
  s.median_abs = fraction("median_abs_error");
  s.p90_abs = fraction("p90_abs_error");
  s.max_abs = fraction("max_abs_error");
  return s;
}

std::string summary_toml(const ErrorSummary& s) {
  return fmt::format("rows = {}\nmedian_abs_error = {:.6f}\np90_abs_error = {:.6f}\nmax_abs_error = {:.6f}\n", s.rows,
                     s.median_abs, s.p90_abs, s.max_abs);
}

std::string pct(double f) { return fmt::format("{:.1f}%", f * 100); }

}  // namespace

namespace {
const AccuracyGroup* find_group(const std::vector<AccuracyGroup>& groups, const std::string& accelerator,
                                const std::string& stack) {
  for (const auto& g : groups) {
    if (g.accelerator == accelerator && g.stack == stack) return &g;
  }
  return nullptr;
}
}  // namespace

const AccuracyGroup* Accuracy::find(const std::string& accelerator, const std::string& stack) const {
  return find_group(groups, accelerator, stack);
}

double sign_test_p(std::size_t k, std::size_t n) {
  // Sum of C(n, i) / 2^n for i >= k, in logs: n is a few dozen, but keep it exact for any n.
  double p = 0;
  for (std::size_t i = k; i <= n; ++i) {
    p += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) - n * std::log(2.0));
  }
  return std::min(1.0, p);
}

namespace {
std::vector<AccuracyGroup> group_errors(const std::vector<Prediction>& preds) {
  std::map<std::pair<std::string, std::string>, std::vector<Prediction>> by;
  for (const auto& p : preds) by[{p.accelerator, p.stack}].push_back(p);
  std::vector<AccuracyGroup> out;
  for (const auto& [k, v] : by) {
    AccuracyGroup g{k.first, k.second, summarize(v)};
    g.optimistic = static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [](const Prediction& p) { return p.optimistic(); }));
    g.optimistic_p = sign_test_p(g.optimistic, g.error.rows);
    out.push_back(std::move(g));
  }
  return out;
}
}  // namespace

Accuracy Accuracy::from(const CrossValidation& cv, const std::string& measured_name, const std::string& efficiency_fingerprint,
                        const std::string& measured_fingerprint) {
  Accuracy a;
  a.efficiency_fingerprint = efficiency_fingerprint;
  a.measured_fingerprint = measured_fingerprint;
  a.measured = measured_name;
  a.sources = cv.folds.size();
  a.rows_evaluated = cv.predictions.size();
  a.rows_total = cv.total_rows;
  a.overall = summarize(cv.predictions);
  a.groups = group_errors(cv.predictions);
  return a;
}

std::string Accuracy::to_toml() const {
  std::string out =
      "# Out-of-sample accuracy of frugal's performance model, per accelerator / serving stack:\n"
      "# leave one source out (each published source predicted by factors fitted on the others).\n"
      "# Errors are |predicted / measured - 1| as fractions. Written by\n"
      "# `frugal perf validate --cross-validate --write`; the fingerprints say which factors and\n"
      "# measurements it describes; estimates report it as stale once the factors change.\n";
  out += fmt::format("measured = {}\nmeasured_fingerprint = {}\nefficiency_fingerprint = {}\n", toml_quote(measured),
                     toml_quote(measured_fingerprint), toml_quote(efficiency_fingerprint));
  out += fmt::format("sources = {}\nrows_evaluated = {}\nrows_total = {}\n\n[overall]\n", sources, rows_evaluated, rows_total);
  out += summary_toml(overall);
  for (const auto& g : groups) {
    out += fmt::format("\n[[group]]\naccelerator = {}\nstack = {}\n", toml_quote(g.accelerator), toml_quote(g.stack));
    out += summary_toml(g.error);
  }
  return out;
}

Accuracy Accuracy::load(const std::string& path) {
  const auto text = read_file(path);
  if (!text) throw Error(fmt::format("{}: cannot read it", path));
  return parse(*text, path);
}

Accuracy Accuracy::parse(std::string_view text, const std::string& path) {
  const toml::table t = parse_toml(text, path);
  Accuracy a;
  a.path = path;
  a.measured = require_string(t, "measured", path);
  a.measured_fingerprint = require_string(t, "measured_fingerprint", path);
  a.efficiency_fingerprint = require_string(t, "efficiency_fingerprint", path);
  a.sources = require_count(t, "sources", path);
  a.rows_evaluated = require_count(t, "rows_evaluated", path);
  a.rows_total = require_count(t, "rows_total", path);
  const toml::table* overall = t["overall"].as_table();
  if (!overall) throw Error(fmt::format("{}: expected an [overall] table", path));
  a.overall = read_summary(*overall, path);
  if (const toml::node* groups = t.get("group")) {
    const toml::array* arr = groups->as_array();
    if (!arr) throw Error(fmt::format("{}: expected [[group]] tables", location_of(*groups, path).str()));
    for (const auto& n : *arr) {
      const toml::table* g = n.as_table();
      if (!g) throw Error(fmt::format("{}: expected a [[group]] table", location_of(n, path).str()));
      a.groups.push_back({require_string(*g, "accelerator", path), require_string(*g, "stack", path), read_summary(*g, path)});
    }
  }
  return a;
}

std::string file_fingerprint(const std::string& path) {
  const auto bytes = read_file(path);
  if (!bytes) throw Error(fmt::format("{}: cannot read it to fingerprint it", path));
  return fmt::format("{:016x}", fnv1a64(*bytes));
}

std::string accuracy_path(const std::string& data_dir, const std::string& calibration) {
  if (calibration.empty()) return data_dir + "/perf/accuracy.toml";
  std::string p = calibration_path(calibration);
  return p.substr(0, p.size() - 5) + ".accuracy.toml";  // NAME.toml -> NAME.accuracy.toml
}

std::optional<Accuracy> load_accuracy(const std::string& data_dir, const std::string& calibration) {
  const std::string p = accuracy_path(data_dir, calibration);
  if (!std::filesystem::exists(p)) return std::nullopt;
  return Accuracy::load(p);
}

const AccuracyGroup* IndependentCheck::find(const std::string& accelerator, const std::string& stack) const {
  return find_group(groups, accelerator, stack);
}

std::string independent_check_path(const std::string& data_dir) { return data_dir + "/perf/independent_check.csv"; }

std::optional<IndependentCheck> independent_check(const std::string& data_dir, const Catalog& cat, const Efficiency& eff) {
  IndependentCheck c;
  c.path = independent_check_path(data_dir);
  if (!std::filesystem::exists(c.path)) return std::nullopt;
  const auto rows = load_measured(c.path);
  const auto map = ValidationMap::load(data_dir + "/perf/validation.toml");
  c.bias_p = map.independent_bias_p;
  std::vector<Unmodelled> lost;  // a row these factors cannot predict is not part of the figure
  const auto preds = predict_measured(rows, cat, eff, map, c.path, &lost);
  c.overall = summarize(preds);
  c.groups = group_errors(preds);
  return c;
}

namespace {
// The out-of-sample part: the group's figure, the overall one, or why there is none.
AccuracyNote out_of_sample_note(const Accuracy* acc, const std::string& efficiency_path, const std::string& accelerator,
                                const std::string& stack) {
  AccuracyNote n;
  n.accelerator = accelerator;
  n.stack = stack;
  if (!acc) {
    n.text = "accuracy: not measured for these factors (`frugal perf validate --cross-validate --write` measures it)";
    return n;
  }
  if (file_fingerprint(efficiency_path) != acc->efficiency_fingerprint) {
    n.stale = true;
    n.text = fmt::format("accuracy: {} describes other factors than {}; rerun `frugal perf validate --cross-validate --write`",
                         acc->path, efficiency_path);
    return n;
  }
  n.group = acc->find(accelerator, stack);
  n.measured = n.group != nullptr;
  if (n.group) {
    n.text = fmt::format("accuracy, out of sample for {} / {}: median |error| {}, p90 {} over {} published rows, each predicted "
                         "without its source",
                         accelerator, stack, pct(n.group->error.median_abs), pct(n.group->error.p90_abs), n.group->error.rows);
  } else {
    n.overall = acc->overall;
    n.text = fmt::format("accuracy: the fit saw no measurement of {} / {}; out of sample over all {} rows: median |error| {}, p90 {}",
                         accelerator, stack, acc->overall.rows, pct(acc->overall.median_abs), pct(acc->overall.p90_abs));
  }
  return n;
}
}  // namespace

AccuracyNote describe_accuracy(const Accuracy* acc, const std::string& efficiency_path, const std::string& accelerator,
                               const std::string& stack, const IndependentCheck* check) {
  AccuracyNote n = out_of_sample_note(acc, efficiency_path, accelerator, stack);
  n.independent = check ? check->find(accelerator, stack) : nullptr;
  if (n.independent) {
    n.text += fmt::format("; independent check (published runs no fit has seen, {}): median |error| {}, p90 {} over {} rows, "
                          "{} of them predicted better than measured",
                          std::filesystem::path(check->path).filename().string(), pct(n.independent->error.median_abs),
                          pct(n.independent->error.p90_abs), n.independent->error.rows, n.independent->optimistic);
    n.biased = n.independent->optimistic_p < check->bias_p;
    if (n.biased) {
      n.text += fmt::format(". Caution: more than chance (sign test p = {:.2g}); expect worse than this estimate and measure "
                            "with `frugal bench` before committing",
                            n.independent->optimistic_p);
    }
  }
  return n;
}

nlohmann::json AccuracyNote::to_json() const {
  nlohmann::json j = {{"accelerator", accelerator}, {"stack", stack}, {"measured", measured}, {"stale", stale}, {"text", text}};
  if (group) {
    j["rows"] = group->error.rows;
    j["median_abs_error"] = group->error.median_abs;
    j["p90_abs_error"] = group->error.p90_abs;
  } else if (overall) {
    j["overall_median_abs_error"] = overall->median_abs;
    j["overall_p90_abs_error"] = overall->p90_abs;
  }
  if (independent) {
    j["independent_check"] = {{"rows", independent->error.rows},
                              {"median_abs_error", independent->error.median_abs},
                              {"p90_abs_error", independent->error.p90_abs},
                              {"optimistic_rows", independent->optimistic},
                              {"optimistic_sign_test_p", independent->optimistic_p},
                              {"biased", biased}};
  }
  return j;
}

}  // namespace frugal
