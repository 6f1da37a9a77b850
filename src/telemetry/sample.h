// One sampling cycle's view of the machine's GPUs: what NVML reported, with every field that the
// driver could not give left empty (std::optional) instead of a made-up zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "telemetry/workload.h"

namespace frugal::telemetry {

struct GpuProcess {
  unsigned pid = 0;
  std::string user;     // from /proc; "?" when the process is not visible (other namespace)
  std::string name;     // the executable's name (/proc/PID/comm, at most 15 bytes); "?" when not visible
  std::string command;  // argv joined by spaces, truncated; "?" when not visible. Arguments can
                        // hold secrets (tokens, URLs with passwords): the agent serves it only
                        // with --expose-cmdline, and clears it otherwise (AgentOptions).
  std::optional<std::uint64_t> memory_bytes;
  std::optional<double> sm_ratio;  // share of the GPU's SMs this process used, 0..1
  std::optional<unsigned> gpu_instance;  // MIG GPU instance id when it runs in one
  Workload workload;  // the job, pod, container, unit or user it belongs to (workload.h)
};

struct MigInstance {
  std::string uuid;  // "MIG-..."
  std::string name;  // profile as NVML names the device, e.g. "NVIDIA A100-SXM4-40GB MIG 1g.5gb"
  std::optional<unsigned> gpu_instance;  // NVML's GPU instance id: GpuProcess::gpu_instance refers to it
  std::optional<std::uint64_t> memory_used_bytes;
  std::optional<std::uint64_t> memory_total_bytes;
};

struct GpuSample {
  unsigned index = 0;
  std::string name;
  std::string uuid;
  std::string pci_bus_id;
  bool lost = false;  // NVML_ERROR_GPU_IS_LOST: the device fell off the bus; other fields empty
  std::optional<double> utilization;         // 0..1
  std::optional<double> memory_utilization;  // 0..1
  std::optional<std::uint64_t> memory_used_bytes;
  std::optional<std::uint64_t> memory_total_bytes;
  std::optional<double> temperature_celsius;
  std::optional<double> power_watts;
  std::optional<double> power_limit_watts;
  std::optional<double> energy_joules;  // since the driver loaded
  std::optional<double> sm_clock_hz;
  std::optional<double> memory_clock_hz;
  std::optional<bool> mig_enabled;
  std::vector<MigInstance> mig_instances;
  std::vector<GpuProcess> processes;
};

// The key a GPU's accounts and history are kept under: its UUID (stable across driver reloads and
// index changes), or "index-N" when the driver gave none.
inline std::string gpu_key(const GpuSample& g) { return g.uuid.empty() ? "index-" + std::to_string(g.index) : g.uuid; }

struct Snapshot {
  double time = 0;  // seconds since the epoch, when the cycle started
  std::string driver_version;
  std::vector<GpuSample> gpus;
  // NVML calls that failed this cycle with something other than NOT_SUPPORTED, as
  // "nvmlDeviceGetPowerUsage: GPU_IS_LOST"; counted in frugal_agent_nvml_errors_total.
  std::vector<std::string> errors;
};

}  // namespace frugal::telemetry
