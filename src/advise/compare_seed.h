// The "seed" comparison: ms per output token at batch 1 for the models and chips AWS material
// quotes without context, from frugal's model, with the cost per million tokens beside it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "advise/advisor.h"

namespace frugal {

struct SeedRow {
  std::string model;
  std::string hardware;  // A100, H100, Inferentia2, Trainium
  std::string instance;
  std::string precision;
  int tp = 0;
  double ms_per_token = 0;
  double ttft_ms = 0;
  double cost_per_million_tokens = 0;  // whole instance running devices/tp replicas at batch 1
  std::optional<double> claimed_ms;    // the figure the seed material states, if any
  std::string claim_source;
  std::string note;                    // why a cell is empty (does not fit)
};

// Reads data/advise/seed_claims.csv for the claimed figures. Every (model, hardware) pair gets a
// row; a pair that cannot run says why in `note`.
std::vector<SeedRow> compare_seed(const AdvisorContext& ctx, const std::string& claims_csv,
                                  double prompt_tokens, double output_tokens);

}  // namespace frugal
