// Validation of the performance model against published measurements (data/perf/measured.csv)
// and calibration of its efficiency factors to them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "perf/efficiency.h"

namespace frugal {

struct MeasuredRow {
  int line = 0;
  std::string model, hardware, instance, precision, metric, unit, source;
  int tp = 1;
  int batch = 1;              // static batch or closed-loop concurrency; 0 when not one of those
  std::string batch_text;     // as written ("concurrency 20", "rate 2/s", "max (offline)")
  std::string unmodelled;     // why the model cannot predict this row yet ("" when it can)
  double input_len = 0, output_len = 0, value = 0;
};

// How measured.csv's free-text fields map onto the catalog (data/perf/validation.toml).
struct ValidationMap {
  std::map<std::string, std::string> hardware;   // "H100-SXM-80GB" -> accelerator id
  std::map<std::string, std::string> stacks;     // substring of source -> stack name
  std::map<std::string, std::string> precision;  // "GPTQ-int4" -> "int4"
  double variable_prompt_tokens = 0;             // prompt length for "ShareGPT (var)" rows
  std::string variable_prompt_source;
  static ValidationMap load(const std::string& path);
};

std::vector<MeasuredRow> load_measured(const std::string& path);

struct Prediction {
  MeasuredRow row;
  std::string accelerator, stack, family;
  double predicted = 0;
  double error = 0;  // predicted / measured - 1
  std::string note;  // e.g. "memory would not fit in our model"
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

struct ErrorSummary {
  std::size_t rows = 0;
  double median_abs = 0;
  double p90_abs = 0;
  double max_abs = 0;
};
ErrorSummary summarize(const std::vector<Prediction>& p);

// Fits mem_eff and compute_eff per family and the overheads per stack by coordinate descent on
// the sum of |log(predicted / measured)|. Families and stacks with no rows are left unchanged.
// Returns the fitted factors; `eff` is not modified.
Efficiency calibrate(const std::vector<MeasuredRow>& rows, const Catalog& cat, const Efficiency& eff,
                     const ValidationMap& map, const std::string& file);

}  // namespace frugal
