// Turns advisor results into tables and JSON. Renderers never compute: every figure comes from
// the Advice.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <vector>

#include "advise/advisor.h"
#include "advise/compare_seed.h"
#include "cli/common.h"
#include "core/output.h"
#include "perf/accuracy.h"

namespace frugal::cli {

std::vector<Table> advice_tables(const Advice& a, int top, bool explain);
nlohmann::json advice_json(const Advice& a, int top);
Table seed_table(const std::vector<SeedRow>& rows, double prompt, double output);
nlohmann::json seed_json(const std::vector<SeedRow>& rows);

// How far the serving model has been from measurements it never saw, for the top choice's hardware
// and stack; nullopt for training (priced from MFU, not this model) or when nothing ranked.
std::optional<AccuracyNote> top_choice_accuracy(const Advice& a, const Accuracy* accuracy, const IndependentCheck* check,
                                                const std::string& efficiency_path);

// The advise command's two jobs, shared with `frugal demo` (cmd_advise.cpp). Unset token counts
// take data/advise/defaults.toml's.
void run_advice(const GlobalOptions& g, const std::vector<Workload>& workloads, int top, bool explain,
                const std::string& region = "", const std::string& profile = "", const std::string& calibration = "",
                const std::string& gpu_stack = "");
void run_compare_seed(const GlobalOptions& g, std::optional<double> prompt_tokens, std::optional<double> output_tokens,
                      const std::string& calibration = "", const std::string& gpu_stack = "");

}  // namespace frugal::cli
