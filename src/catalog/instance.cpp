#include "catalog/instance.h"

#include <fmt/format.h>

namespace frugal {

std::string InstanceType::unusable_reason() const {
  if (!accelerated()) return "CPU-only instance type";
  if (!accelerator) return fmt::format("no sourced spec for accelerator '{}'", gpu_name);
  if (!on_demand_hourly) return "no us-east-1 on-demand price in the catalog";
  if (devices <= 0) return "no accelerator count";
  return "";
}

}  // namespace frugal
