// Out-of-sample scoring of the performance model: leave-one-source-out cross-validation.
// For each source (one publication: a table, a benchmark file) the factors are fitted from
// neutral starting values on every other source, and the left-out source's rows are predicted
// with that fit. A family or stack the remaining sources never measured is predicted the way the
// advisor would predict an unmeasured one: a family through its `similar` family's fit, a stack
// through the fit of the accelerator's default stack (its scheduler limits stay its own).
#pragma once

#include "core/progress.h"

#include <string>
#include <vector>

#include "perf/validate.h"

namespace frugal {

struct CrossValidationFold {
  std::string source;
  std::size_t train_rows = 0;
  std::size_t test_rows = 0;  // rows of this source predicted out of sample
  std::vector<std::string> stand_ins;  // "family ampere-ga102 -> ampere", "stack tgi-v1 -> trt-llm"
  ErrorSummary error;
};

struct CrossValidation {
  std::vector<CrossValidationFold> folds;
  std::vector<Prediction> predictions;  // every row, each predicted by the fit without its source
  std::vector<Unmodelled> unmodelled;
  std::size_t total_rows = 0;
};

// The factors with everything fitted reset to the defaults of FamilyFactors/StackFactors; data
// (scheduler limits, keywords, inherits, similar, train_mfu) kept. The starting point of a fold.
Efficiency neutral_factors(const Efficiency& eff);

// Runs one fold per distinct source of `rows`, `threads` folds at a time. Each fold fits from
// `start` when given (a named calibration is scored the way it was made: from the bundled
// factors), else from neutral_factors(eff).
// `progress` hears (folds done, folds, the source just scored), from the worker threads.
// `leave_out` non-empty: only the folds whose source contains one of these texts run (each still
// trains on every other source), and total_rows counts only their rows. A fold costs a full fit,
// so one source's out-of-sample error takes minutes where every fold takes most of an hour.
// Throws when a text matches no source.
CrossValidation cross_validate(const std::vector<MeasuredRow>& rows, const Catalog& cat, const Efficiency& eff,
                               const ValidationMap& map, const std::string& file, int threads = 1, const ProgressFn& progress = {},
                               const Efficiency* start = nullptr, const std::vector<std::string>& leave_out = {});

}  // namespace frugal
