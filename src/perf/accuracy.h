// How far the performance model has been from published measurements it never saw, per
// accelerator / serving stack: the leave-one-source-out result of `frugal perf validate
// --cross-validate --write`, kept beside the factors it was measured for (data/perf/accuracy.toml,
// or NAME.accuracy.toml beside a named calibration) so that every estimate can say how much to
// trust it. The file records fingerprints of the factors and measurements it was computed from;
// once the factors change, the figures describe another model and are reported as stale, not shown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "perf/cross_validate.h"
#include "perf/validate.h"

namespace frugal {

struct AccuracyGroup {
  std::string accelerator, stack;
  ErrorSummary error;
  // Rows predicted better than measured (Prediction::optimistic). Counted for the independent
  // check; accuracy.toml does not record it.
  std::size_t optimistic = 0;
  double optimistic_p = 1;  // P(at least `optimistic` of `rows` by a fair coin): the sign test
};

struct Accuracy {
  std::string path;  // where it was read from ("" when built in memory)
  std::string efficiency_fingerprint, measured_fingerprint;
  std::string measured;  // the measurements file's name, for the text
  std::size_t sources = 0, rows_evaluated = 0, rows_total = 0;
  ErrorSummary overall;
  std::vector<AccuracyGroup> groups;

  // The group of `accelerator` (catalog id) and `stack`, or nullptr when no row measured it.
  const AccuracyGroup* find(const std::string& accelerator, const std::string& stack) const;

  // The cross-validation's per-group errors; the fingerprints are of the two files' bytes.
  static Accuracy from(const CrossValidation& cv, const std::string& measured_name,
                       const std::string& efficiency_fingerprint, const std::string& measured_fingerprint);
  // Throws Error naming file:line:column on a malformed file.
  static Accuracy load(const std::string& path);
  // The same from text; `path` names it in errors.
  static Accuracy parse(std::string_view text, const std::string& path);
  std::string to_toml() const;
};

// 16 hex digits of FNV-1a 64 over the file's bytes: a change detector, not a security hash.
// Throws Error when the file cannot be read.
std::string file_fingerprint(const std::string& path);

// data_dir/perf/accuracy.toml for the bundled factors, else NAME.accuracy.toml beside the named
// calibration (user_data_dir()/calibrations/).
std::string accuracy_path(const std::string& data_dir, const std::string& calibration);

// The accuracy file for these factors, or nullopt when none was written. A malformed one throws.
std::optional<Accuracy> load_accuracy(const std::string& data_dir, const std::string& calibration);

// The independent check: published runs of another publisher that no fit ever sees
// (data_dir/perf/independent_check.csv, kept out of measured.csv on purpose), scored per accelerator
// / stack with the factors an estimate uses. Computed when asked (a few dozen rows), so never stale.
struct IndependentCheck {
  std::string path;
  double bias_p = 0;  // a group whose optimistic_p is below this is biased (validation.toml)
  ErrorSummary overall;
  std::vector<AccuracyGroup> groups;
  const AccuracyGroup* find(const std::string& accelerator, const std::string& stack) const;
};
std::string independent_check_path(const std::string& data_dir);
// One-sided sign test: the probability that a fair coin gives at least k heads in n tosses.
double sign_test_p(std::size_t k, std::size_t n);
// nullopt when the data folder has no such file; a malformed one throws (file:line).
std::optional<IndependentCheck> independent_check(const std::string& data_dir, const Catalog& cat, const Efficiency& eff);

// What an estimate made with the factors at `efficiency_path` says about its own accuracy for
// `accelerator` / `stack`: the group's out-of-sample error, the overall error when that pair was
// never measured, or why there is no figure (no accuracy file; a stale one).
struct AccuracyNote {
  std::string accelerator, stack;
  bool measured = false;  // a figure for this exact accelerator / stack
  bool stale = false;
  const AccuracyGroup* group = nullptr;  // points into the Accuracy passed in
  std::optional<ErrorSummary> overall;   // the figure quoted instead when the pair was never measured
  const AccuracyGroup* independent = nullptr;  // the independent check's group, pointing into it
  bool biased = false;  // the check's rows lean to optimistic beyond chance (IndependentCheck::bias_p)
  std::string text;  // one line for the terminal

  // The `accuracy` object of estimate and advice JSON.
  nlohmann::json to_json() const;
};
// Followed by the independent check's figure for the pair when `check` has one.
AccuracyNote describe_accuracy(const Accuracy* acc, const std::string& efficiency_path, const std::string& accelerator,
                               const std::string& stack, const IndependentCheck* check = nullptr);

}  // namespace frugal
