// Training estimate: 6·N·tokens FLOPs at a published MFU per accelerator family, memory with
// fully sharded data parallelism (ZeRO-3 / FSDP) and full activation checkpointing.
#pragma once

#include "catalog/model.h"
#include "perf/device.h"

namespace frugal {

struct TrainingEstimate {
  int devices = 0;
  double flops = 0;                 // total model FLOPs
  double memory_per_device = 0;     // bytes: sharded weights+grads+optimizer, activations, reserve
  double capacity = 0;              // bytes per device
  double time_s = 0;
  double mfu = 0;
  bool fits() const { return memory_per_device <= capacity; }
};

double training_flops(const ModelSpec& m, double tokens);
// Smallest device count whose sharded state fits, or 0 if none up to `limit`.
int min_training_devices(const ModelSpec& m, const DeviceSetup& d, double seq_len, int limit);
TrainingEstimate estimate_training(const ModelSpec& m, const DeviceSetup& d, int devices,
                                   double tokens, double seq_len);

}  // namespace frugal
