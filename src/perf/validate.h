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
  int batch = 1;
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

// Predicts every row. Throws Error naming the row (file:line) when a row cannot be mapped or
// predicted: an unpredicted row is a failure, not a skip.
std::vector<Prediction> predict_measured(const std::vector<MeasuredRow>& rows, const Catalog& cat,
                                         const Efficiency& eff, const ValidationMap& map,
                                         const std::string& file);

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
