// Prices per (region, instance type), each labelled with the rate it is, its source and its date.
//
// Contract: a price is present only when a source gives it. Unknown is an empty optional, never a
// zero or a copied on-demand figure: spot rows equal to on-demand, blank, or at the 10%-of-on-demand
// floor artefact are "unknown", and Local Zone / Wavelength zones never make a regional figure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace frugal {

// Hours in a year of a commitment term: AWS spreads upfront fees over 365-day years.
constexpr double kTermHoursPerYear = 8760;

// The upfront payment of one instance over a `years` term at effective hourly `rate`, when the
// payment option determines it: no-upfront 0, all-upfront rate x term hours; nullopt for partial.
std::optional<double> upfront_for(const std::string& payment, double rate, int years);

struct Rate {
  double usd_per_hour = 0;
  std::string label;   // what rate this is: "on-demand", "spot median of 4 standard AZs", "RI 3y Standard no-upfront"
  std::string as_of;   // date of the source ("2025-11-30"), or how old it is when undated
  std::string source;  // where the figure came from
};

struct ReservedRate {
  int years = 1;
  std::string offering_class;  // "standard" or "convertible"
  std::string payment;         // "no-upfront", "partial-upfront", "all-upfront"
  Rate rate;                   // effective hourly: hourly fee plus upfront spread over the term
  // Upfront payment for one instance over the whole term, when the payment option makes it known
  // from the effective rate (no-upfront: 0; all-upfront: rate x term hours); nullopt for partial.
  std::optional<double> upfront_usd() const;
};

struct SavingsPlanRate {
  int years = 1;
  std::string plan_type;  // "compute" or "ec2-instance"
  std::string payment;
  Rate rate;
};

struct RegionPrices {
  std::optional<Rate> on_demand;
  std::optional<Rate> spot;           // regional figure over standard AZs
  std::optional<double> spot_min;     // cheapest standard AZ
  std::map<std::string, double> spot_by_az;  // standard AZ id -> spot $/h, where known
  std::string spot_unknown_reason;    // why there is no spot figure, when the sources say
  std::string spot_interruption;      // Spot Advisor bucket "<5%" .. ">20%", or empty
  std::optional<double> spot_advisor_savings_pct;
  std::vector<ReservedRate> reserved;
  std::vector<SavingsPlanRate> savings_plans;  // live only (frugal catalog refresh --savings-plans)
  std::optional<Rate> capacity_block;
  std::optional<Rate> sagemaker;      // ml.<type> real-time hosting

  const ReservedRate* find_reserved(int years, const std::string& offering_class, const std::string& payment) const;
  const SavingsPlanRate* find_savings_plan(int years, const std::string& plan_type, const std::string& payment) const;
  ReservedRate* find_reserved(int years, const std::string& offering_class, const std::string& payment) {
    return const_cast<ReservedRate*>(std::as_const(*this).find_reserved(years, offering_class, payment));
  }
  SavingsPlanRate* find_savings_plan(int years, const std::string& plan_type, const std::string& payment) {
    return const_cast<SavingsPlanRate*>(std::as_const(*this).find_savings_plan(years, plan_type, payment));
  }
};

struct Region {
  std::string code;  // "eu-west-1"
  std::string name;  // "EU (Ireland)": the Price List API's `location`
  std::string kind;  // "commercial" or "govcloud"
};

class PriceBook {
 public:
  // Loads data_dir/catalog/regions.csv and data_dir/catalog/regions/*.csv (see data/catalog/README.md).
  // Throws Error naming file:line:column on a malformed row.
  static PriceBook load(const std::string& data_dir);

  const std::vector<Region>& regions() const { return regions_; }
  const Region* find_region(const std::string& code) const;
  // Commercial regions that have a price for at least one instance type, in regions.csv order.
  std::vector<std::string> priced_regions() const;
  RegionPrices& at(const std::string& region, const std::string& type) { return prices_[region][type]; }
  const RegionPrices* find(const std::string& region, const std::string& type) const;

  // Sets the on-demand rate unless a newer-dated one is already there (ISO dates compare as text;
  // an undated rate never replaces a dated one).
  void offer_on_demand(const std::string& region, const std::string& type, Rate r);
  // Spot from per-AZ figures: standard AZs only; blank, == on-demand and 10%-floor rows are unknown.
  struct AzSpot {
    std::string az, zone_kind;
    std::optional<double> spot, on_demand;
  };
  static void set_spot_from_azs(RegionPrices& p, const std::vector<AzSpot>& azs, const std::string& as_of,
                                const std::string& source);

 private:
  std::vector<Region> regions_;
  std::map<std::string, std::map<std::string, RegionPrices>> prices_;  // region -> type -> prices
};

// True when `spot` is the 10%-of-on-demand floor that recurs in the sources (not a market price).
bool is_spot_floor_artefact(double spot, double on_demand);

}  // namespace frugal
