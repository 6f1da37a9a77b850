// NVML loaded at run time. Nothing links libnvidia-ml: Nvml::open() dlopen()s
// "libnvidia-ml.so.1" (then "libnvidia-ml.so"), resolves the versioned symbols by name, and
// reports a missing library, a missing driver or an old driver as a normal state with one clear
// message. Tests point LD_LIBRARY_PATH at tests/fake_nvml's build so this same path runs.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "telemetry/gpu_source.h"
#include "telemetry/proc_info.h"

namespace frugal::telemetry {

class NvmlLibrary;  // the dlopen'ed handle and resolved symbols (nvml.cpp)

// The real GpuSource. One instance owns one nvmlInit/nvmlShutdown pair.
class NvmlSource final : public GpuSource {
 public:
  // Returns nullptr and sets *why ("NVML not found: libnvidia-ml.so.1: cannot open shared object
  // file (is the NVIDIA driver installed?)", "NVML init failed: DRIVER_NOT_LOADED") when NVML
  // cannot be used. `library`: a path to load instead of the default names (tests, odd installs).
  static std::unique_ptr<NvmlSource> open(std::string* why, const std::string& library = "");
  ~NvmlSource() override;

  Snapshot sample(double now) override;
  std::string describe() const override;
  int device_count() const override;

  // Bytes per entry the driver used for nvmlDeviceGetComputeRunningProcesses_v3 (24, or 32 on the
  // R535 drivers); 0 until a call returned two or more processes and settled it.
  int process_stride() const { return stride_; }

 private:
  explicit NvmlSource(std::unique_ptr<NvmlLibrary> lib);
  const ProcessOwner& owner_of(unsigned pid);
  std::unique_ptr<NvmlLibrary> lib_;
  int stride_ = 0;
  std::map<unsigned, ProcessOwner> owners_;  // by pid, valid while the start time matches
  std::set<unsigned> seen_;                  // pids looked up in the current pass
  std::string driver_version_;
};

// NVML's name for a return code ("GPU_IS_LOST"), from our own table so it works without NVML.
const char* nvml_error_name(int code);

}  // namespace frugal::telemetry
