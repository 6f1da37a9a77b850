// The catalog: instance types, accelerators, precisions, prices and models, loaded from data/.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "catalog/accelerator.h"
#include "catalog/instance.h"
#include "catalog/model.h"

namespace frugal {

class Catalog {
 public:
  // Loads data_dir/catalog/*.csv, data_dir/perf/precisions.csv and data_dir/models/*.toml.
  // Throws Error naming file:line:column on any malformed row.
  // `spot_cache`: a price cache written by `frugal catalog refresh --spot`; when the file exists
  // its prices replace the bundled spot prices of the types it lists.
  static Catalog load(const std::string& data_dir, const std::string& spot_cache = "");
  Catalog() = default;
  Catalog(Catalog&&) = default;  // element addresses survive a move (InstanceType points in)
  Catalog& operator=(Catalog&&) = default;
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  const std::vector<InstanceType>& instances() const { return instances_; }
  const std::vector<ModelSpec>& models() const { return models_; }
  const std::vector<Precision>& precisions() const { return precisions_; }
  const std::deque<Accelerator>& accelerators() const { return accelerators_; }

  const InstanceType* find_instance(const std::string& name) const;
  // Case-insensitive match on name or any alias; nullptr when unknown.
  const ModelSpec* find_model(const std::string& name) const;
  const Precision* find_precision(const std::string& name) const;
  const Accelerator* find_accelerator(const std::string& id) const;
  // Applies a spot price cache (InstanceType,AvailabilityZone,SpotPrice,Timestamp,Region,source):
  // the median over AZs of each AZ's newest price. Returns the number of instance types updated.
  int apply_spot_cache(const std::string& path);
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
};

}  // namespace frugal
