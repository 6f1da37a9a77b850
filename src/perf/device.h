// What the performance model needs to know about where a model runs: one device type, a share
// of it (fractional GPUs), its usable memory, and the serving stack.
#pragma once

#include <string>

#include "catalog/accelerator.h"
#include "perf/efficiency.h"

namespace frugal {

struct DeviceSetup {
  const Accelerator* accelerator = nullptr;
  double fraction = 1.0;     // share of one device (g6f); scales compute and bandwidth
  double memory_gib = 0;     // usable memory per device as the instance lists it
  const FamilyFactors* family = nullptr;
  const StackFactors* stack = nullptr;
  const MemoryPolicy* memory = nullptr;
  std::string stack_name;
};

// Fills family/stack/memory from `eff` for `acc` with the given (or default) stack.
DeviceSetup make_device(const Efficiency& eff, const Accelerator& acc, double memory_gib,
                        double fraction = 1.0, const std::string& stack = "");

}  // namespace frugal
