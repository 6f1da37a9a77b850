// The seam between frugal and the GPU driver. NvmlSource (nvml.h) is the real one; everything
// above it (accounting, exposition, history, agent, top) sees only Snapshots.
#pragma once

#include <string>

#include "telemetry/sample.h"

namespace frugal::telemetry {

class GpuSource {
 public:
  virtual ~GpuSource() = default;
  // One pass over every GPU. Never throws for a device error: the failing field stays empty and
  // the error is listed in Snapshot::errors. `now`: seconds since the epoch, stored in the result.
  virtual Snapshot sample(double now) = 0;
  // "NVML 550.54.15 (libnvidia-ml.so.1), 8 GPUs" for logs and /healthz.
  virtual std::string describe() const = 0;
  // GPUs present, without sampling them.
  virtual int device_count() const = 0;
};

}  // namespace frugal::telemetry
