// The catalog: instance types, accelerators, precisions, prices and models, loaded from data/.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "catalog/accelerator.h"
#include "catalog/instance.h"
#include "catalog/model.h"
#include "catalog/prices.h"

namespace frugal {

// An EC2 accelerated family (data/catalog/accelerated_families.csv): the bill, the agent and the
// advisor agree on what is accelerated spend, priced or not.
struct AcceleratedFamily {
  std::string family;       // "g3"
  std::string kind;         // gpu, trainium, inferentia, gaudi, ml-asic, fpga, video
  std::string accelerator;  // "NVIDIA Tesla M60"
  bool counts_as_accelerated_spend = true;  // false for FPGA and video transcoding
};

class Catalog {
 public:
  // What the user adds to the bundled data.
  struct Extra {
    // A price cache written by `frugal catalog refresh --spot`; when the file exists its prices
    // replace the bundled spot prices of the (region, type) pairs it lists.
    std::string spot_cache;
    // A price cache written by `frugal catalog refresh --prices/--savings-plans` (on-demand, RI
    // and Savings Plans rates, live); when the file exists its rates replace the bundled ones.
    std::string price_cache;
    // Folders of model files (*.toml) beyond data_dir/models, e.g. `frugal catalog add-model`'s.
    // A missing folder is skipped; a user model with a bundled model's name replaces it.
    std::vector<std::string> model_dirs;

    static Extra spot(std::string path) {
      Extra e;
      e.spot_cache = std::move(path);
      return e;
    }
    static Extra prices(std::string path) {
      Extra e;
      e.price_cache = std::move(path);
      return e;
    }
    static Extra models(std::vector<std::string> dirs) {
      Extra e;
      e.model_dirs = std::move(dirs);
      return e;
    }
  };
  // Loads data_dir/catalog/*.csv (+ regions/), data_dir/perf/precisions.csv and
  // data_dir/models/*.toml. Throws Error naming file:line:column on any malformed row.
  static Catalog load(const std::string& data_dir, const Extra& extra = {});
  Catalog() = default;
  Catalog(Catalog&&) = default;  // element addresses survive a move (InstanceType points in)
  Catalog& operator=(Catalog&&) = default;
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  const std::vector<InstanceType>& instances() const { return instances_; }
  const std::vector<ModelSpec>& models() const { return models_; }
  const std::vector<Precision>& precisions() const { return precisions_; }
  // Their names in precisions.csv order, for messages that list what a flag accepts.
  std::vector<std::string> precision_names() const;
  const std::deque<Accelerator>& accelerators() const { return accelerators_; }

  const InstanceType* find_instance(const std::string& name) const;
  // Case-insensitive match on name or any alias, then on a Hugging Face id's repository name
  // ("org/name"); nullptr when unknown.
  const ModelSpec* find_model(const std::string& name) const;
  // Every model name and alias (for suggestions).
  std::vector<std::string> model_names() const;
  // "unknown model 'x'; did you mean ...? (...)".
  std::string unknown_model_message(const std::string& name) const;
  const Precision* find_precision(const std::string& name) const;
  const Accelerator* find_accelerator(const std::string& id) const;
  // Applies a spot price cache (InstanceType,AvailabilityZone,ZoneType,SpotPrice,Timestamp,Region,
  // source): the median over standard AZs of each AZ's newest price. Returns the (region, type)
  // pairs updated.
  int apply_spot_cache(const std::string& path);
  // Applies a live price cache (instance_type,region,kind,years,offering_class,payment,plan_type,
  // usd_per_hour,as_of,source). Returns the rates applied.
  int apply_price_cache(const std::string& path);
  // Set when a price cache was applied.
  std::string price_cache_note;

  // Prices: every instance type's `prices` point at this region's (us-east-1 after load). Throws
  // Error for an unknown or non-commercial region, with a suggestion. Not thread-safe against
  // readers of instances(): select, then read.
  void select_region(const std::string& region);
  const std::string& region() const { return region_; }
  const PriceBook& price_book() const { return book_; }
  PriceBook& price_book() { return book_; }
  // The accelerated family of an instance type ("g3" for "g3.4xlarge" or "ml.g3.4xlarge"), or null.
  const AcceleratedFamily* find_family(const std::string& instance_type) const;
  const std::map<std::string, AcceleratedFamily>& families() const { return families_; }
  // Set when a spot cache was applied: "spot prices for N types from CACHE (refreshed ...)".
  std::string spot_cache_note;

  // Pieces, exposed so tests can load one file at a time.
  static std::deque<Accelerator> load_accelerators(const std::string& path);
  static std::vector<Precision> load_precisions(const std::string& path);
  static ModelSpec load_model(const std::string& path);

 private:
  std::deque<Accelerator> accelerators_;  // deque: InstanceType points into it
  std::vector<InstanceType> instances_;
  std::vector<ModelSpec> models_;
  std::vector<Precision> precisions_;
  PriceBook book_;
  RegionPrices no_prices_;
  std::string region_;
  std::map<std::string, AcceleratedFamily> families_;

  void load_families(const std::string& path);
};

}  // namespace frugal
