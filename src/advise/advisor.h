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
  std::string region;
  std::string precision;
  std::string purchase;  // on-demand, spot, ri-1y, ri-3y, sp-1y, sp-3y, capacity-block, sagemaker
  Rate rate;             // the price used: which rate it is, its source and date
  int term_years = 0;    // commitment term (RI, SP); 0 when none
  std::optional<double> upfront_usd;  // all instances, whole term (RI/SP), when known
  // Commitments: the share of hours the capacity must be used for the commitment to cost less than
  // on-demand (rate / on-demand rate); 0 when not a commitment or no on-demand rate to compare.
  double break_even_utilisation = 0;
  std::string commitment;  // "1y standard RI, no-upfront", "Capacity Block, 4 days paid upfront", ""
  std::string stack;
  int tp = 1;                     // devices per replica
  bool attention_dp = false;      // MoE DEP layout: attention data parallel, experts split over tp
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
  double replica_capacity_rps = 0;             // one replica's max throughput within the SLOs
  double ttft_p90_s = 0;                       // at the requested rate, queueing included
  double queue_wait_s = 0;                     // mean wait before prefill at the requested rate (place + prefill)
  double place_wait_s = 0;                     // the part of it waiting for a place in the batch
  double tokens_per_dollar = 0;                // efficiency score
  // Training.
  TrainingEstimate train;
  double run_cost = 0;
  double run_hours = 0;
  double checkpoint_interval_s = 0;  // spot training: Young/Daly interval
  double restart_overhead = 0;       // spot training: expected extra fraction of the run
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
  bool no_price = false;  // it fit and met the SLOs; only a price for the purchase options asked was missing
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
  // Why the baseline has no row ("filtered out by --instances"), when it has none.
  std::string baseline_missing;
  std::string baseline_instance;  // the defaults' baseline type
  std::vector<std::string> regions;  // priced regions (advise_regions)
  std::string region_from;           // how the caller chose them ("--region", "AWS_REGION", ...)
  int max_instances = 0;          // the defaults' limit per configuration
  // The fewest instances any rejected configuration needed, when capacity was the limit (an
  // absurd rate says what it would take).
  double fewest_instances_needed = 0;
  std::string fewest_instances_type;
  std::vector<std::string> explanation;  // why the top choice won (for --explain)
  int configurations_evaluated = 0;
};

struct AdvisorContext {
  const Catalog* catalog = nullptr;
  const Efficiency* efficiency = nullptr;
  const AdviseDefaults* defaults = nullptr;
};

// Throws Error for an unknown model, precision or purchase option named in the workload, a request
// longer than the model's context window, or a rate that is not a finite positive number. Prices
// are those of the catalog's selected region.
Advice advise(const Workload& w, const AdvisorContext& ctx);

// advise() in each region of `regions` (the catalog's region is selected in turn and restored):
// rows of all regions ranked together, each labelled with its region.
Advice advise_regions(const Workload& w, Catalog& catalog, const AdvisorContext& ctx,
                      const std::vector<std::string>& regions);

// "spot (median of standard AZs) in us-east-1: <source, shortened> (<date>)": one line per rate
// kind and region among the first `top` rows, so every price shown says where it came from.
std::vector<std::string> price_source_lines(const std::vector<Candidate>& ranked, int top);

// Known purchase option names, for messages and checks.
const std::vector<std::string>& purchase_options();

}  // namespace frugal
