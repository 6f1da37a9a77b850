// An EC2 instance type with its accelerators, and its prices in the catalog's selected region.
#pragma once

#include <optional>
#include <string>

#include "catalog/accelerator.h"
#include "catalog/prices.h"

namespace frugal {

inline std::optional<double> rate_of(const std::optional<Rate>& r) {
  return r ? std::optional<double>(r->usd_per_hour) : std::nullopt;
}

struct InstanceType {
  std::string name;  // "p4d.24xlarge"
  std::string family;
  int vcpus = 0;
  double memory_gib = 0;
  std::string gpu_name;          // as listed by the source ("a100", "inferentia2"), empty for CPU
  const Accelerator* accelerator = nullptr;  // null when CPU-only or no sourced spec
  int devices = 0;               // GPUs, or NeuronCores for Neuron instances
  double device_fraction = 1.0;  // < 1 for fractional GPUs (g6f): share of one GPU
  double device_memory_gib = 0;  // usable memory per device as listed for this instance type
  int efa_interfaces = 0;        // Elastic Fabric Adapter count (multi-node training)
  std::string source;            // where the specs came from
  // Prices in the catalog's selected region (Catalog::select_region); never null after load.
  const RegionPrices* prices = nullptr;

  std::optional<double> on_demand_hourly() const { return rate_of(prices->on_demand); }
  std::optional<double> spot_hourly() const { return rate_of(prices->spot); }
  std::optional<double> sagemaker_hourly() const { return rate_of(prices->sagemaker); }
  const std::string& spot_interruption() const { return prices->spot_interruption; }

  bool accelerated() const { return !gpu_name.empty(); }
  // Why the advisor cannot use this type ("no sourced spec for accelerator 'b300'"), or empty.
  std::string unusable_reason(const std::string& region) const;
};

}  // namespace frugal
