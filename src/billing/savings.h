// What the bill says about commitments and what could be saved: Savings Plan / Reserved coverage
// of GPU instance hours, commitment utilization, and opportunities in dollars, each with the
// assumption it rests on and the source of its rate. No fixed "30% savings" heuristic: every
// figure comes from the bill and the catalog (or a rate the user gives).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "billing/aggregate.h"
#include "catalog/catalog.h"

namespace frugal::billing {

struct CoverageRow {
  std::string instance_type;  // "all GPU types" for the total row
  double on_demand_hours = 0, spot_hours = 0, savings_plan_hours = 0, reserved_hours = 0;
  // Covered hours / (covered + on-demand hours), as AWS's coverage reports (spot is excluded).
  double coverage = 0;
};

struct Utilization {
  std::string kind;        // "SavingsPlan" / "Reserved"
  Nanos total = 0, unused = 0;
  double utilization = 0;  // (total - unused) / total
};

struct Opportunity {
  std::string kind;           // "spot", "commitment" or "idle"
  std::string instance_type;
  std::string resource;       // idle, joined by instance id: the instance ("i-0abc..."); else empty
  double hours = 0;           // the instance hours it applies to
  double instances = 0;       // commitment: on-demand instances that ran in every hour of the bill
  double current_usd = 0;     // what those hours cost now
  std::optional<double> saving_usd;  // empty when no rate is known (then `assumption` says what to pass)
  double discount = 0;        // the saving as a share of current_usd
  std::string assumption;     // what must hold for the saving
  std::string source;         // where the rate comes from
};

// A published per-instance commitment rate (data/billing/commitment_rates.csv).
struct CommitmentRate {
  std::string instance_type, term, source;
  double usd_per_hour = 0;
};
std::vector<CommitmentRate> load_commitment_rates(const std::string& data_dir);

struct SavingsOptions {
  // A commitment discount the user knows (0.28 = 28% off on-demand), used for types with neither
  // a published rate nor Savings Plan usage in the bill.
  std::optional<double> commitment_discount;
};

// The seam for idle and underused instances: evidence from telemetry (`frugal agent`'s history)
// that some of the billed hours ran idle. The bill alone cannot tell, so without it the analysis
// says "not assessed" instead of guessing.
class IdleEvidence {
 public:
  virtual ~IdleEvidence() = default;
  virtual std::vector<Opportunity> idle_opportunities(const GpuSpend& spend) const = 0;
};

struct SavingsAnalysis {
  std::vector<CoverageRow> coverage;  // per GPU type with covered or on-demand hours, then the total
  std::vector<Utilization> utilization;
  std::vector<Opportunity> opportunities;  // largest saving first
  // Sum over instance types of the larger of each type's opportunities (they are alternatives for
  // the same hours, so they do not add up within a type).
  double best_saving_usd = 0;
  std::vector<std::string> notes;
};

SavingsAnalysis analyze_savings(const GpuSpend& spend, const Catalog& catalog, const std::vector<CommitmentRate>& rates,
                                const SavingsOptions& opt, const IdleEvidence* idle = nullptr);

}  // namespace frugal::billing
