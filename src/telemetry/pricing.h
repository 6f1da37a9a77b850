// The price of one GPU-hour on this machine: the instance's hourly price from the catalog (or a
// price the user gives, e.g. their savings-plan rate) divided by the instance's GPUs.
#pragma once

#include <optional>
#include <string>

#include "catalog/catalog.h"

namespace frugal::telemetry {

struct GpuPrice {
  double per_gpu_hour = 0;  // 0: unknown
  double instance_hourly = 0;
  int gpus = 0;
  std::string instance_type;
  std::string purchase;  // "on-demand", "spot", "custom"
  std::string note;      // how it was found, or why it is unknown
};

// `purchase`: "on-demand" or "spot". `instance_price`: the user's own hourly price for the whole
// instance (overrides the catalog). `nvml_gpus`: GPUs NVML sees, used when the catalog does not
// know the type. Never throws for an unknown type: the price is then 0 with a note.
GpuPrice gpu_price(const Catalog& catalog, const std::string& instance_type, const std::string& purchase,
                   std::optional<double> instance_price, int nvml_gpus);

}  // namespace frugal::telemetry
