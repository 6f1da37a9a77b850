// The advisor: every feasible (instance type, precision, tensor-parallel degree, batch, purchase
// option) for a workload, costed and ranked, with the reasons others were rejected.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "advise/defaults.h"
#include "advise/workload.h"
#include "catalog/catalog.h"
#include "perf/efficiency.h"
#include "perf/llm.h"
#include "perf/training.h"

namespace frugal {

struct Candidate {
  const InstanceType* instance = nullptr;
  std::string precision;
  std::string purchase;  // on-demand, spot, sagemaker
  std::string stack;
  int tp = 1;                     // devices per replica
  int replicas = 0;               // replicas needed (serving) or data-parallel groups (training)
  int instances = 0;
  double hourly_price = 0;        // one instance, this purchase option
  double cost_per_hour = 0;       // all instances
  double monthly_cost = 0;
  // Serving.
  ServeEstimate serve;
  double cost_per_million_tokens = 0;          // at the requested rate (or full load if none)
  double cost_per_million_tokens_at_capacity = 0;
  double capacity_rps = 0;                     // requests/s all instances can sustain
  double tokens_per_dollar = 0;                // efficiency score
  // Training.
  TrainingEstimate train;
  double run_cost = 0;
  double run_hours = 0;
  bool calibrated = true;          // efficiency factors fitted to this family's measurements
  std::string spot_interruption;   // Spot Advisor bucket for spot rows
  std::vector<std::string> notes;

  // The figure candidates are ranked by (lower is better): monthly cost for serving at a given
  // rate, $/1M tokens at capacity without a rate, run cost for training.
  double rank_cost = 0;
};

struct Rejection {
  std::string instance;
  std::string reason;
};

struct Advice {
  Workload workload;
  const ModelSpec* model = nullptr;
  double prompt_tokens = 0;  // request shape used (the workload's or the defaults)
  double output_tokens = 0;  // 0 for encoders and vision models
  std::vector<Candidate> ranked;      // best per (instance, purchase), cheapest first
  std::vector<Rejection> rejected;    // one line per instance type that has no feasible config
  std::optional<Candidate> baseline;  // the defaults' baseline (p4d.24xlarge on-demand), if feasible
  double savings_vs_baseline = 0;     // fraction of baseline cost saved by the top choice
  double savings_vs_most_expensive = 0;
  std::vector<std::string> notes;     // assumptions and what was left out
  std::vector<std::string> explanation;  // why the top choice won (for --explain)
  int configurations_evaluated = 0;
};

struct AdvisorContext {
  const Catalog* catalog = nullptr;
  const Efficiency* efficiency = nullptr;
  const AdviseDefaults* defaults = nullptr;
};

// Throws Error for an unknown model, precision or purchase option named in the workload.
Advice advise(const Workload& w, const AdvisorContext& ctx);

}  // namespace frugal
