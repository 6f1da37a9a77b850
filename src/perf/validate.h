// Validation of the performance model against published measurements (data/perf/measured.csv)
// and calibration of its efficiency factors to them.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "core/progress.h"
#include "perf/efficiency.h"
#include "perf/load.h"

namespace frugal {

struct MeasuredRow {
  int line = 0;
  std::string model, hardware, instance, precision, metric, unit, source;
  int tp = 1;
  Load load;                  // the batch column: static batch, concurrency, rate or max
  std::string batch_text;     // as written ("concurrency 20", "rate 2/s", "max (offline)")
  double input_len = 0, output_len = 0, value = 0;
};

// Overrides for measured.csv's free-text fields (data/perf/validation.toml). Every table is
// optional: names are read from the text itself (see resolve_* below); an entry here only settles
// a spelling the text cannot (e.g. a part whose memory the source does not state).
struct ValidationMap {
  std::map<std::string, std::string> hardware;   // "A100-SXM (40GB or 80GB, unspecified)" -> accelerator id
  std::map<std::string, std::string> stacks;     // substring of source -> stack name
  std::map<std::string, std::string> precision;  // spelling -> precision name
  double variable_prompt_tokens = 0;             // prompt length for "ShareGPT (var)" rows
  std::string variable_prompt_source;
  // The independent check calls the model biased for a pair when this many of its rows came out
  // predicted better than measured that a fair coin would do so less often than this (sign test).
  double independent_bias_p = 0;
  std::string independent_bias_source;
  // |error| above which a row counts in the tail (perf validate's per-regime "over" column).
  double tail_error = 0;
  std::string tail_error_source;
  static ValidationMap load(const std::string& path);
};

std::vector<MeasuredRow> load_measured(const std::string& path);

// Names as the sources write them. Hardware: a catalog id, else the accelerator whose name
// ("h100", "trainium2") is a word of the text, the memory size in the text choosing among parts
// ("H100 80GB HBM3", "H200-SXM-141GB", "Trainium (trn1)"), else the instance's accelerator.
// Precision: "weights X" (Neuron) wins, then fp8/int8/int4-awq-gptq/bf16/fp16/fp32 words.
// Stack: the stack one of whose source_keywords the source text contains. nullptr / "" if none.
const Accelerator* resolve_hardware(const Catalog& cat, const ValidationMap& map, const std::string& hardware,
                                    const std::string& instance);
const Precision* resolve_precision(const Catalog& cat, const ValidationMap& map, const std::string& text);
std::string resolve_stack(const Efficiency& eff, const ValidationMap& map, const std::string& source);

// A row with its names resolved against the catalog once (the string-heavy part): calibration
// resolves each row once and predicts it many times. `error` says why it cannot be resolved.
struct ResolvedRow {
  MeasuredRow row;
  const ModelSpec* model = nullptr;
  const Accelerator* accelerator = nullptr;
  const Precision* precision = nullptr;
  std::string stack;
  double input_len = 0;  // the variable-prompt stand-in applied
  std::string error;
};
ResolvedRow resolve_row(const MeasuredRow& r, const Catalog& cat, const Efficiency& eff, const ValidationMap& map);
std::vector<ResolvedRow> resolve_rows(const std::vector<MeasuredRow>& rows, const Catalog& cat, const Efficiency& eff,
                                      const ValidationMap& map);

struct Prediction {
  MeasuredRow row;
  std::string accelerator, stack, family, source_group;
  double predicted = 0;
  double error = 0;  // predicted / measured - 1
  bool higher_is_better = false;  // a throughput (tokens or requests per second), not a latency
  std::string note;  // e.g. "memory would not fit in our model"

  // Better than measured (faster, or more throughput): the direction a user pays for.
  bool optimistic() const { return higher_is_better ? error > 0 : error < 0; }
};

// A row the model cannot predict, with the reason: listed and counted, never dropped silently.
struct Unmodelled {
  MeasuredRow row;
  std::string reason;
};

// Predicts every row it can. Names come from data/perf/validation.toml, else straight from the
// catalog (accelerator ids, the instance's accelerator, precision names), and a source that names
// no stack gets the accelerator's default stack. Rows it still cannot predict (a load form or
// metric the model does not cover yet, an unknown model or accelerator) go to `unmodelled` with
// the reason; with `unmodelled` null they are an Error naming file:line (`--strict`).
std::vector<Prediction> predict_measured(const std::vector<MeasuredRow>& rows, const Catalog& cat,
                                         const Efficiency& eff, const ValidationMap& map,
                                         const std::string& file, std::vector<Unmodelled>* unmodelled = nullptr);

std::vector<Prediction> predict_resolved(const std::vector<ResolvedRow>& rows, const Catalog& cat,
                                         const Efficiency& eff, const std::string& file,
                                         std::vector<Unmodelled>* unmodelled = nullptr);

struct ErrorSummary {
  std::size_t rows = 0;
  double median_abs = 0;
  double p90_abs = 0;
  double max_abs = 0;
};
ErrorSummary summarize(const std::vector<Prediction>& p);

// What a row measures, as users ask it: its load form ("static batch", "concurrency", "rate",
// "burst", "max") and what of the response ("throughput", "TTFT", "per-token" for TPOT, ITL and
// latency per token, "request latency"), e.g. "max / throughput". The model's error differs far
// more between these than between GPUs: a figure for offline max throughput says little about
// the first-token latency of a static batch.
std::string regime_of(const MeasuredRow& r);
// summarize() per regime_of(), in the order of the load forms above, with the rows whose |error|
// exceeds `tail` counted.
struct RegimeSummary {
  std::string regime;
  ErrorSummary error;
  std::size_t over_tail = 0;
};
std::vector<RegimeSummary> summarize_by_regime(const std::vector<Prediction>& p, double tail);

// Fits mem_eff and compute_eff per family and the overheads per stack by coordinate descent on
// the sum of |log(predicted / measured)|. Families and stacks with no rows are left unchanged.
// Returns the fitted factors; `eff` is not modified.
// `progress` hears (loss evaluations so far, 0, the phase) while it runs.
Efficiency calibrate(const std::vector<MeasuredRow>& rows, const Catalog& cat, const Efficiency& eff,
                     const ValidationMap& map, const std::string& file, const ProgressFn& progress = {});

}  // namespace frugal
