#include "catalog/instance.h"

#include <fmt/format.h>

namespace frugal {

std::string InstanceType::unusable_reason(const std::string& region) const {
  if (!accelerated()) return "CPU-only instance type";
  if (!accelerator) return fmt::format("no sourced spec for accelerator '{}'", gpu_name);
  if (devices <= 0) return "no accelerator count";
  if (!prices->on_demand && !prices->spot && prices->reserved.empty() && !prices->capacity_block) {
    return fmt::format("no price in {} in the bundled sources", region);
  }
  return "";
}

}  // namespace frugal
