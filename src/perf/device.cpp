#include "perf/device.h"

namespace frugal {

DeviceSetup make_device(const Efficiency& eff, const Accelerator& acc, double memory_gib,
                        double fraction, const std::string& stack) {
  DeviceSetup d;
  d.accelerator = &acc;
  d.fraction = fraction;
  d.memory_gib = memory_gib > 0 ? memory_gib : acc.memory_gib;
  d.family = &eff.family(acc.family);
  d.stack_name = stack.empty() ? eff.default_stack(acc) : stack;
  d.stack = &eff.stack(d.stack_name);
  d.memory = &eff.memory();
  return d;
}

}  // namespace frugal
