// `frugal bill synth`: a realistic synthetic bill for a GPU fleet, deterministic by seed, as CUR
// (legacy CSV) or FOCUS 1.0, any size. Hourly lines per instance: training on p4d/p5 (part spot,
// with interruptions), inference on g5/inf2 following a daily traffic cycle, always-on idle dev
// boxes, a savings plan covering part of the p4d baseline, CPU and storage noise, and injected
// incidents the analyses must find. Prices come from the catalog. It feeds the demo, the tests
// and the benchmarks.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "billing/line_item.h"
#include "catalog/catalog.h"

namespace frugal::billing {

struct SynthOptions {
  Format format = Format::kCurLegacy;  // kCurLegacy or kFocus
  int days = 60;
  std::string start = "2025-09-01";
  unsigned long long seed = 42;
  double scale = 1;  // fleet size multiplier (1: about 15 instances, ~22k lines for 60 days)
  int accounts = 1;  // usage accounts the instances are spread over (the payer's when 1)
  // Key cardinality as bad as it gets: a new usage account and resource id on every line and a new
  // tag value every two lines (what breaks aggregations keyed on their product).
  bool adversarial_keys = false;
};

struct Incident {
  std::string date;           // first day
  int days = 1;
  std::string instance_type;  // what caused it
  std::string what;           // "forgotten p5.48xlarge cluster (on-demand)"
  double extra_usd = 0;       // added spend
};

struct SynthResult {
  long long lines = 0;
  double total_usd = 0;
  double gpu_usd = 0;
  std::vector<Incident> incidents;
};

struct SynthFigures {
  double savings_plan_rate_share = 0;
  double spot_interruption_per_hour = 0;
  double storage_usd_per_day = 0;
  double savings_plan_commitment_vs_use = 0;  // hourly commitment / the covered node's use of it
};
SynthFigures load_synth_figures(const std::string& data_dir);  // data_dir/billing/synth.toml

// Writes the CSV to `out`. Throws Error when an instance type it needs is missing from the catalog.
SynthResult synthesize_bill(const Catalog& catalog, const SynthFigures& figures, const SynthOptions& opt, std::ostream& out);

}  // namespace frugal::billing
