// `frugal perf validate|calibrate|estimate`: the performance model against measurements.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "catalog/catalog.h"
#include "cli/common.h"
#include "cli/progress.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/output.h"
#include "core/units.h"
#include "perf/accuracy.h"
#include "perf/calibration.h"
#include "perf/cross_validate.h"
#include "perf/llm.h"
#include "perf/serving.h"
#include "perf/validate.h"

namespace frugal::cli {
namespace {

struct PerfOptions {
  std::string measured;
  bool write = false, strict = false, cross_validate = false;
  int threads = 0;  // cross-validation folds at once (0: the machine's cores)
  std::vector<std::string> leave_out;  // --cross-validate: only these sources' folds
  std::string calibration;  // validate/estimate: load it; calibrate: write the fit as it
  double max_median = -1, max_p90 = -1;
  // estimate
  std::string model, instance, precision = "bf16", stack;
  std::optional<int> tp;  // estimate: unset = the smallest degree at which the model fits
  int batch = 1;
  bool attention_dp = false;  // estimate: attention data parallel, experts split over the TP ranks
  std::string load;  // estimate: "rate 5/s", "concurrency 16", "max" (default: static batch --batch)
  double prompt = 512, output = 256;
};

std::string pct(double e) { return fmt::format("{:+.1f}%", e * 100); }

Table summary_table(const ErrorSummary& s, const std::vector<Prediction>& preds,
                    const std::string& title = "Validation summary (|predicted / measured - 1|)") {
  Table t;
  t.title = title;
  t.columns = {{"group", "group"}, {"rows", "rows", true}, {"median_abs_error", "median |error|", true},
               {"p90_abs_error", "p90 |error|", true}, {"max_abs_error", "max |error|", true}};
  auto add = [&](const std::string& name, const ErrorSummary& x) {
    t.rows.push_back({Cell(name), Cell(std::to_string(x.rows), x.rows),
                      Cell(fmt::format("{:.1f}%", x.median_abs * 100), x.median_abs),
                      Cell(fmt::format("{:.1f}%", x.p90_abs * 100), x.p90_abs),
                      Cell(fmt::format("{:.1f}%", x.max_abs * 100), x.max_abs)});
  };
  add("all", s);
  std::map<std::string, std::vector<Prediction>> by;
  for (const auto& p : preds) by[p.accelerator + " / " + p.stack].push_back(p);
  for (const auto& [k, v] : by) add(k, summarize(v));
  return t;
}

// The same error by what the rows measure (perf/validate.h regime_of): load form and metric.
Table regime_table(const std::vector<Prediction>& preds, const ValidationMap& map, const std::string& title) {
  Table t;
  t.title = title;
  t.columns = {{"regime", "load / metric"}, {"rows", "rows", true}, {"median_abs_error", "median |error|", true},
               {"p90_abs_error", "p90 |error|", true}, {"over_tail", fmt::format("over {:g}%", map.tail_error * 100), true}};
  for (const auto& r : summarize_by_regime(preds, map.tail_error)) {
    const auto& x = r.error;
    t.rows.push_back({Cell(r.regime), Cell(std::to_string(x.rows), x.rows), Cell(fmt::format("{:.1f}%", x.median_abs * 100), x.median_abs),
                      Cell(fmt::format("{:.1f}%", x.p90_abs * 100), x.p90_abs),
                      Cell(std::to_string(r.over_tail), static_cast<double>(r.over_tail))});
  }
  return t;
}

Table rows_table(const std::string& title, const std::vector<Prediction>& preds) {
  Table t;
  t.title = title;
  t.columns = {{"line", "line", true},  {"model", "model"},       {"accelerator", "accelerator"},
               {"stack", "stack"},      {"precision", "prec"},    {"tp", "tp", true},
               {"load", "load"}, {"input", "in", true},   {"output", "out", true},
               {"metric", "metric"},    {"measured", "measured", true}, {"predicted", "predicted", true},
               {"error", "error", true}, {"note", "note"}};
  for (const auto& p : preds) {
    const auto& r = p.row;
    t.rows.push_back({Cell(std::to_string(r.line), r.line), Cell(r.model), Cell(p.accelerator),
                      Cell(p.stack), Cell(r.precision.size() > 12 ? r.precision.substr(0, 12) : r.precision, r.precision),
                      Cell(std::to_string(r.tp), r.tp), Cell(r.load.describe()),
                      Cell(r.input_len < 0 ? "var" : fmt::format("{:g}", r.input_len), r.input_len),
                      Cell(fmt::format("{:g}", r.output_len), r.output_len), Cell(r.metric),
                      Cell(fmt::format("{:.4g}", r.value), r.value),
                      Cell(fmt::format("{:.4g}", p.predicted), p.predicted), Cell(pct(p.error), p.error),
                      Cell(p.note)});
  }
  return t;
}

// Everything validate and calibrate read: catalog, factors, mapping and the measurements.
struct PerfInputs {
  std::string file;
  Catalog cat;
  Efficiency eff;
  ValidationMap map;
  std::vector<MeasuredRow> rows;
};

// `factors`: the calibration whose factors to load ("" = the bundled ones).
PerfInputs load_inputs(const GlobalOptions& g, const PerfOptions& o, const std::string& factors) {
  const std::string dir = resolve_data_dir(g.data_dir);
  const std::string file = o.measured.empty() ? dir + "/perf/measured.csv" : o.measured;
  return {file, Catalog::load(dir), Efficiency::load(efficiency_path(dir, factors)),
          ValidationMap::load(dir + "/perf/validation.toml"), load_measured(file)};
}

void check_targets(const PerfOptions& o, const ErrorSummary& s) {
  if (o.max_median >= 0 && s.median_abs > o.max_median) {
    throw Error(fmt::format("median |error| {:.1f}% exceeds --max-median {:.1f}%", s.median_abs * 100, o.max_median * 100));
  }
  if (o.max_p90 >= 0 && s.p90_abs > o.max_p90) {
    throw Error(fmt::format("p90 |error| {:.1f}% exceeds --max-p90 {:.1f}%", s.p90_abs * 100, o.max_p90 * 100));
  }
}

// Leave-one-source-out: every row predicted by factors fitted without its source.
void run_cross_validate(const GlobalOptions& g, const PerfOptions& o) {
  const std::string dir = resolve_data_dir(g.data_dir);
  if (o.write && o.calibration.empty() && !o.measured.empty() &&
      std::filesystem::weakly_canonical(o.measured) != std::filesystem::weakly_canonical(dir + "/perf/measured.csv")) {
    throw Error(fmt::format("--write: the bundled factors' accuracy is measured on the bundled measurements; for {} name the "
                            "calibration fitted to it (--calibration NAME)", o.measured));
  }
  if (o.write && !o.leave_out.empty()) {
    throw Error("--write records every source's out-of-sample error; --leave-out runs only some of them");
  }
  auto in = load_inputs(g, o, o.calibration);
  const auto& [file, cat, eff, map, rows] = in;
  const int threads = o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  TerminalProgress display("cross-validating (one fit per source left out)");
  // A named calibration is made from the bundled factors without their published bounds
  // (run_calibrate); its folds start there too, so the score is of the way it was made.
  std::optional<Efficiency> bundled;
  if (!o.calibration.empty()) {
    bundled = Efficiency::load(efficiency_path(dir, ""));
    bundled->clear_published_bounds();
  }
  const auto cv = cross_validate(rows, cat, eff, map, file, threads, display.fn(), bundled ? &*bundled : nullptr, o.leave_out);
  if (o.write && cv.folds.size() < 2) {
    throw Error(fmt::format("--write: {} has {} source; leaving one out needs at least two (e.g. two `frugal bench` runs)",
                            file, cv.folds.size()));
  }
  if (o.strict && !cv.unmodelled.empty()) {
    const auto& u = cv.unmodelled.front();
    throw Error(fmt::format("{}:{}: {} (--strict; {} rows not modelled)", file, u.row.line, u.reason, cv.unmodelled.size()));
  }
  Table f;
  f.title = fmt::format("Leave-one-source-out cross-validation of {} ({} sources)", file, cv.folds.size());
  f.columns = {{"source", "source"}, {"train_rows", "train", true}, {"test_rows", "test", true},
               {"median_abs_error", "median |error|", true}, {"p90_abs_error", "p90 |error|", true}, {"stand_ins", "stand-ins"}};
  for (const auto& x : cv.folds) {
    std::string stand;
    for (const auto& s : x.stand_ins) stand += (stand.empty() ? "" : "; ") + s;
    f.rows.push_back({Cell(x.source.size() > 60 ? x.source.substr(0, 57) + "..." : x.source, x.source),
                      Cell(std::to_string(x.train_rows), x.train_rows), Cell(std::to_string(x.test_rows), x.test_rows),
                      Cell(fmt::format("{:.1f}%", x.error.median_abs * 100), x.error.median_abs),
                      Cell(fmt::format("{:.1f}%", x.error.p90_abs * 100), x.error.p90_abs), Cell(stand)});
  }
  f.notes.push_back(o.calibration.empty() ? "each fold fits from neutral factors on the other sources and predicts the left-out one"
                                          : "each fold fits from the bundled factors on the other sources and predicts the left-out one");
  const auto s = summarize(cv.predictions);
  Table rt = rows_table(fmt::format("Out-of-sample predictions of {} ({} rows)", file, rows.size()), cv.predictions);
  auto st = summary_table(s, cv.predictions, "Out-of-sample error (|predicted / measured - 1|, each row without its source)");
  st.notes.push_back(fmt::format("{} of {} rows evaluated ({:.1f}%); {} not modelled", cv.predictions.size(), cv.total_rows,
                                 100.0 * cv.predictions.size() / std::max<std::size_t>(1, cv.total_rows), cv.unmodelled.size()));
  const Table lt = regime_table(cv.predictions, map, "Out-of-sample error by load and metric");
  nlohmann::json j = {{"file", file}, {"rows", rt.to_json()["rows"]}, {"folds", f.to_json()["rows"]}, {"summary", st.to_json()["rows"]},
                      {"by_load", lt.to_json()["rows"]},
                      {"median_abs_error", s.median_abs}, {"p90_abs_error", s.p90_abs},
                      {"evaluated_rows", cv.predictions.size()}, {"total_rows", cv.total_rows}};
  if (o.write) {
    // Every estimate made with these factors quotes its group's line of this file.
    const std::string factors = efficiency_path(dir, o.calibration), target = accuracy_path(dir, o.calibration);
    const Accuracy acc = Accuracy::from(cv, std::filesystem::path(file).filename().string(), file_fingerprint(factors),
                                        file_fingerprint(file));
    write_file_atomic(target, acc.to_toml());
    st.notes.push_back("wrote " + target + " (what estimates with these factors say about their accuracy)");
    j["written"] = target;
  }
  emit(g, {rt, f, st, lt}, j);
  check_targets(o, s);
}

void run_validate(const GlobalOptions& g, const PerfOptions& o) {
  if (o.cross_validate) return run_cross_validate(g, o);
  if (!o.leave_out.empty()) throw Error("--leave-out chooses cross-validation folds; add --cross-validate");
  if (o.write) throw Error("--write: only with --cross-validate (it writes the out-of-sample accuracy)");
  auto in = load_inputs(g, o, o.calibration);
  const auto& [file, cat, eff, map, rows] = in;
  std::vector<Unmodelled> unmodelled;
  auto preds = predict_measured(rows, cat, eff, map, file, o.strict ? nullptr : &unmodelled);
  auto s = summarize(preds);

  Table t = rows_table(fmt::format("Performance model vs {} ({} rows)", file, rows.size()), preds);
  auto st = summary_table(s, preds);
  st.notes.push_back(fmt::format("{} of {} rows predicted{}", preds.size(), rows.size(),
                                 unmodelled.empty() ? "" : fmt::format("; {} not modelled (listed below; --strict makes them errors)", unmodelled.size())));
  Table um;
  um.title = fmt::format("Rows the model cannot predict yet ({})", unmodelled.size());
  um.columns = {{"line", "line", true}, {"model", "model"}, {"batch", "batch"}, {"metric", "metric"}, {"reason", "reason"}};
  for (const auto& u : unmodelled) {
    um.rows.push_back({Cell(std::to_string(u.row.line), u.row.line), Cell(u.row.model), Cell(u.row.batch_text), Cell(u.row.metric), Cell(u.reason)});
  }
  const Table lt = regime_table(preds, map, "By load and metric");
  nlohmann::json j = {{"file", file}, {"rows", t.to_json()["rows"]}, {"summary", st.to_json()["rows"]},
                      {"by_load", lt.to_json()["rows"]},
                      {"median_abs_error", s.median_abs}, {"p90_abs_error", s.p90_abs},
                      {"predicted_rows", s.rows}, {"total_rows", rows.size()}, {"unmodelled", um.to_json()["rows"]}};
  // Scoring the fitted rows in sample, say what the rows no fit has seen give with the same factors.
  if (o.measured.empty()) {
    const std::string dir = resolve_data_dir(g.data_dir);
    if (const auto check = independent_check(dir, cat, eff)) {
      st.notes.push_back(fmt::format("independent check, never fitted ({} rows: frugal perf validate {}): median |error| {:.1f}%, p90 {:.1f}%",
                                     check->overall.rows, check->path, check->overall.median_abs * 100, check->overall.p90_abs * 100));
      j["independent_check"] = {{"file", check->path}, {"rows", check->overall.rows},
                                {"median_abs_error", check->overall.median_abs}, {"p90_abs_error", check->overall.p90_abs}};
    }
  }
  std::vector<Table> tables = {t, st, lt};
  if (!unmodelled.empty()) tables.push_back(um);
  emit(g, tables, j);
  check_targets(o, s);
}

void run_calibrate(const GlobalOptions& g, const PerfOptions& o) {
  if (o.write && !o.calibration.empty()) throw Error("--write and --calibration: choose one (the bundled factors, or a named calibration)");
  const std::string target = o.calibration.empty() ? "" : calibration_path(o.calibration);  // the name is checked first
  auto in = load_inputs(g, o, "");  // always fitted from the bundled factors, so a calibration is reproducible
  const auto& [file, cat, eff, map, rows] = in;
  std::vector<Unmodelled> skipped;
  auto before = summarize(predict_measured(rows, cat, eff, map, file, &skipped));
  if (before.rows == 0) throw Error(fmt::format("{}: no row the model can predict; nothing to fit", file));
  Efficiency start = eff;
  if (!target.empty()) start.clear_published_bounds();
  TerminalProgress display("calibrating, loss evaluations");
  auto fit = calibrate(rows, cat, start, map, file, display.fn());
  std::vector<Unmodelled> ignored;
  auto after = summarize(predict_measured(rows, cat, fit, map, file, &ignored));
  fit.fit_note = fmt::format("fitted by `frugal perf calibrate` on {} rows of {}: median |error| {:.1f}%, p90 {:.1f}%", after.rows,
                             std::filesystem::path(file).filename().string(), after.median_abs * 100, after.p90_abs * 100);
  Table t;
  t.title = "Fitted efficiency factors";
  t.columns = {{"kind", "kind"}, {"name", "name"}, {"factor", "factor"}, {"value", "value", true}};
  for (const auto& [k, f] : fit.families()) {
    if (!f.inherits.empty()) continue;
    t.rows.push_back({Cell("family"), Cell(k), Cell("mem_eff"), Cell(fmt::format("{:.3f}", f.mem_eff), f.mem_eff)});
    t.rows.push_back({Cell("family"), Cell(k), Cell("compute_eff"), Cell(fmt::format("{:.3f}", f.compute_eff), f.compute_eff)});
  }
  for (const auto& [k, s] : fit.stacks()) {
    t.rows.push_back({Cell("stack"), Cell(k), Cell("step_overhead_ms"), Cell(fmt::format("{:.3f}", s.step_overhead_s * 1e3), s.step_overhead_s * 1e3)});
    t.rows.push_back({Cell("stack"), Cell(k), Cell("allreduce_latency_us"), Cell(fmt::format("{:.2f}", s.allreduce_latency_s * 1e6), s.allreduce_latency_s * 1e6)});
  }
  t.notes.push_back(fmt::format("median |error| {:.1f}% -> {:.1f}%, p90 {:.1f}% -> {:.1f}%", before.median_abs * 100,
                                after.median_abs * 100, before.p90_abs * 100, after.p90_abs * 100));
  if (!skipped.empty()) t.notes.push_back(fmt::format("{} rows the model cannot predict were left out (frugal perf validate {} lists them)", skipped.size(), file));
  if (!target.empty()) {
    std::filesystem::create_directories(std::filesystem::path(target).parent_path());
    write_file_atomic(target, fit.to_toml());
    t.notes.push_back("fitted without the bounds derived from published measurements (step_overhead_max_ms): your rows are the evidence about your engine");
    t.notes.push_back(fmt::format("written to {}; use it with `frugal advise --calibration {}`", target, o.calibration));
  } else if (o.write) {
    write_file_atomic(eff.path, fit.to_toml());
    t.notes.push_back("written to " + eff.path);
  } else {
    t.notes.push_back("dry run: pass --write to update " + eff.path);
  }
  emit(g, {t}, {{"factors", t.to_json()["rows"]}, {"before", {{"median", before.median_abs}, {"p90", before.p90_abs}}},
                {"after", {{"median", after.median_abs}, {"p90", after.p90_abs}}}, {"written", o.write || !target.empty()},
                {"calibration", o.calibration}});
}

void run_estimate(const GlobalOptions& g, const PerfOptions& o) {
  const std::string dir = resolve_data_dir(g.data_dir);
  auto cat = Catalog::load(dir);
  auto eff = Efficiency::load(efficiency_path(dir, o.calibration));
  const ModelSpec* m = cat.find_model(o.model);
  if (!m) throw Error("--model: " + cat.unknown_model_message(o.model));
  const InstanceType* it = cat.find_instance(o.instance);
  if (!it) throw Error(fmt::format("--instance: unknown instance type '{}'", o.instance));
  if (!it->accelerator) throw Error(fmt::format("--instance {}: {}", o.instance, it->unusable_reason(cat.region())));
  const Precision* p = cat.find_precision(o.precision);
  if (!p) throw Error(fmt::format("--precision: expected one of {}, got '{}'", fmt::join(cat.precision_names(), ", "), o.precision));
  if (o.tp && (*o.tp < 1 || *o.tp > it->devices)) {
    throw Error(fmt::format("--tp: expected 1..{} for {}, got {}", it->devices, it->name, *o.tp));
  }
  LlmConfig cfg{m, p, make_device(eff, *it->accelerator, it->device_memory_gib, it->device_fraction, o.stack), o.tp.value_or(1)};
  cfg.attention_dp = o.attention_dp;
  // Without --tp, the smallest degree at which the weights and the sequences fit: what a user
  // would try first. TP 1 for a model that cannot fit on one device would print a memory
  // breakdown of a configuration nobody can run, and latencies for it.
  if (o.attention_dp && !o.tp && !m->is_moe()) {
    throw Error(fmt::format("--attention-dp: needs a mixture-of-experts model ({} is dense)", m->name));
  }
  std::string tp_note;
  const Load load = o.load.empty() ? Load::batch(o.batch) : parse_load(o.load);
  // A static batch needs its sequences' memory at once; under a load the engine queues what it
  // cannot hold, so one sequence is what must fit.
  const int sequences = load.kind == Load::Kind::kBatch ? static_cast<int>(load.value) : 1;
  const std::string with_batch = sequences > 1 ? fmt::format(" with batch {}", sequences) : "";
  if (!o.tp) {
    const int fitting = smallest_fitting_tp(cfg, it->devices, o.prompt + o.output, sequences);
    cfg.tp = fitting > 0 ? fitting : (o.attention_dp ? std::min(2, it->devices) : 1);
    const char* layout = cfg.dep() ? "DEP" : "TP";
    if (fitting == 0) {
      tp_note = fmt::format("{} in {} does not fit on {}{} at any tensor-parallel degree; shown at {} {}", m->name, p->name,
                            it->name, with_batch, layout, cfg.tp);
    } else if (it->devices > 1) {
      tp_note = fmt::format("{} {}: the smallest degree at which {} in {} fits on {}{} (--tp to choose)", layout, cfg.tp,
                            m->name, p->name, it->name, with_batch);
    }
  }
  // DEP needs experts to split and more than one rank to split them over: say so rather than
  // quietly estimating plain TP.
  if (o.attention_dp && !cfg.dep()) {
    throw Error(fmt::format("--attention-dp: needs a mixture-of-experts model and --tp of at least 2 ({} is {}, --tp {})", m->name,
                            m->is_moe() ? "mixture-of-experts" : "dense", cfg.tp));
  }
  if (auto why = unsupported_reason(cfg); !why.empty()) throw Error(why);
  const LoadEstimate s = estimate_load(cfg, load, o.prompt, o.output);
  Table t;
  t.title = fmt::format("{} on {} ({} x {}, {}, {} {}, {}, {} in / {} out, stack {})", m->name, it->name, it->devices,
                        it->accelerator->id, p->name, cfg.dep() ? "DEP" : "TP", cfg.tp, load.describe(), o.prompt, o.output,
                        cfg.device.stack_name);
  t.columns = {{"quantity", "quantity"}, {"value", "value", true}};
  auto row = [&](const std::string& k, const std::string& text, double v) { t.rows.push_back({Cell(k), Cell(text, v)}); };
  row("weights_per_device", human_bytes(s.memory.weights), s.memory.weights);
  row("kv_cache_per_device", human_bytes(s.memory.kv_cache), s.memory.kv_cache);
  row("activations_per_device", human_bytes(s.memory.activations), s.memory.activations);
  row("reserve_per_device", human_bytes(s.memory.reserve), s.memory.reserve);
  row("capacity_per_device", human_bytes(s.memory.capacity), s.memory.capacity);
  row("running_sequences", fmt::format("{:.1f}", s.running), s.running);
  row("running_limit", fmt::format("{:.0f}", s.running_limit), s.running_limit);
  row("ttft_p50", human_duration(s.ttft_p50_s), s.ttft_p50_s);
  row("ttft_p99", human_duration(s.ttft_p99_s), s.ttft_p99_s);
  row("queue_wait", human_duration(s.queue_wait_s), s.queue_wait_s);
  row("place_wait", human_duration(s.place_wait_s), s.place_wait_s);  // the part of queue_wait spent waiting for a place
  row("tpot", human_duration(s.tpot_s), s.tpot_s);
  row("request_latency", human_duration(s.e2e_s), s.e2e_s);
  row("output_tokens_per_s", fmt::format("{:.1f}", s.tokens_per_s), s.tokens_per_s);
  row("requests_per_s", fmt::format("{:.3g}", s.requests_per_s), s.requests_per_s);
  row("max_requests_per_s", fmt::format("{:.3g}", s.capacity_rps), s.capacity_rps);
  if (!tp_note.empty()) t.notes.push_back(tp_note);
  if (s.running_limit == 0) {
    const auto mem = memory_for(cfg, 1, o.prompt + o.output);
    t.notes.push_back(fmt::format("does not fit: needs {} of {} per device", human_bytes(mem.used()), human_bytes(mem.capacity)));
  } else if (!s.memory.fits()) {
    // A static batch past what memory holds: the figures above are for a batch that cannot run.
    t.notes.push_back(fmt::format("does not fit: {} sequences of {:g} tokens need {} of {} per device; at most {} fit",
                                  sequences, o.prompt + o.output, human_bytes(s.memory.used()), human_bytes(s.memory.capacity),
                                  max_batch(cfg, o.prompt + o.output, 65536)));
  }
  if (s.saturated) {
    t.notes.push_back(load.requests > 0 ? fmt::format("saturated: {} arrives faster than the replica completes: the backlog grows while requests arrive, then drains ({:.3g} requests/s over the run, {:.0f} in flight on average); TTFT shown is the mean latency less the decode, not a steady state", load.describe(), s.requests_per_s, s.running)
                                        : fmt::format("saturated: {} exceeds the replica's {:.3g} requests/s; the queue grows without bound", load.describe(), s.capacity_rps));
  }
  if (!s.ttft_steady && !s.saturated) t.notes.push_back("max load: TTFT shown is after admission; the queue's wait depends on how many requests are offered");
  const auto acc = load_accuracy(dir, o.calibration);
  const auto check = independent_check(dir, cat, eff);
  const AccuracyNote note = describe_accuracy(acc ? &*acc : nullptr, efficiency_path(dir, o.calibration), it->accelerator->id,
                                              cfg.device.stack_name, check ? &*check : nullptr);
  t.notes.push_back(note.text);
  nlohmann::json j = t.to_json();
  j["accuracy"] = note.to_json();
  emit(g, {t}, j);
}

}  // namespace

void register_perf(CLI::App& app, GlobalOptions& g) {
  auto* perf = app.add_subcommand("perf", "Performance model: validate against measurements, calibrate, estimate");
  perf->require_subcommand(1);
  auto o = std::make_shared<PerfOptions>();

  auto* v = perf->add_subcommand("validate", "Compare the model's predictions with every published measurement");
  v->add_option("file", o->measured, "Measurements CSV (default: bundled data/perf/measured.csv)");
  v->add_option("--max-median", o->max_median, "Exit non-zero when median |error| exceeds this fraction");
  v->add_option("--max-p90", o->max_p90, "Exit non-zero when p90 |error| exceeds this fraction");
  v->add_flag("--write", o->write, "With --cross-validate: write the per-group out-of-sample error beside the factors "
                                   "(data/perf/accuracy.toml, or NAME.accuracy.toml with --calibration), quoted by every estimate");
  v->add_option("--calibration", o->calibration, "Score a named calibration's factors instead of the bundled ones");
  v->add_flag("--strict", o->strict, "A row the model cannot predict is an error (default: listed and counted)");
  v->add_flag("--cross-validate", o->cross_validate, "Score out of sample: leave each source out, fit on the rest, predict it");
  v->add_option("--leave-out", o->leave_out, "With --cross-validate: run only the folds of the sources containing this text (repeatable)");
  v->add_option("--threads", o->threads, "Cross-validation folds run at once (default: the machine's cores)")->check(CLI::Range(1, 256));
  v->callback([&g, o] { run_validate(g, *o); });

  auto* c = perf->add_subcommand("calibrate", "Fit the efficiency factors per accelerator family and stack");
  c->add_option("file", o->measured, "Measurements CSV (default: bundled data/perf/measured.csv)");
  c->add_flag("--write", o->write, "Write the fitted factors to data/perf/efficiency.toml");
  c->add_option("--calibration", o->calibration, "Save the fit as this named calibration (for advise/perf --calibration NAME)");
  c->callback([&g, o] { run_calibrate(g, *o); });

  auto* e = perf->add_subcommand("estimate", "Memory, latency and throughput of one configuration");
  e->add_option("--model", o->model, "Model name (frugal catalog models)")->required();
  e->add_option("--instance", o->instance, "EC2 instance type, e.g. p5.48xlarge")->required();
  e->add_option("--precision", o->precision, "fp32, fp16, bf16, fp8, fp4 (NVFP4, Blackwell), int8 or int4");
  e->add_option("--tp", o->tp, "Tensor-parallel degree (default: the smallest at which the model fits)");
  e->add_flag("--attention-dp", o->attention_dp,
              "Mixture-of-experts only: attention data parallel over the --tp ranks, experts split among them (DEP, "
              "as TensorRT-LLM's enable_attention_dp and SGLang/vLLM's DP attention serve DeepSeek)");
  e->add_option("--batch", o->batch, "Static batch: sequences that start together")->check(CLI::Range(1, 65536));
  e->add_option("--load", o->load, "Load instead of a static batch: 'concurrency N', 'rate R/s', 'rate R/s for N requests', 'burst N' or 'max'");
  e->add_option("--prompt-tokens", o->prompt, "Prompt tokens per request")->check(CLI::Range(1.0, 1e7));
  e->add_option("--output-tokens", o->output, "Output tokens per request")->check(CLI::Range(1.0, 1e7));
  e->add_option("--calibration", o->calibration, "Use a named calibration's factors");
  e->add_option("--stack", o->stack, "Serving stack (default: trt-llm on NVIDIA, neuronx on Neuron)");
  e->callback([&g, o] { run_estimate(g, *o); });
}

}  // namespace frugal::cli
