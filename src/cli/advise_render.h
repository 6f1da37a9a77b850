// Turns advisor results into tables and JSON. Renderers never compute: every figure comes from
// the Advice.
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "advise/advisor.h"
#include "advise/compare_seed.h"
#include "core/output.h"

namespace frugal::cli {

std::vector<Table> advice_tables(const Advice& a, int top, bool explain);
nlohmann::json advice_json(const Advice& a, int top);
Table seed_table(const std::vector<SeedRow>& rows, double prompt, double output);
nlohmann::json seed_json(const std::vector<SeedRow>& rows);

}  // namespace frugal::cli
