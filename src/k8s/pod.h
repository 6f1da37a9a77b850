// What a pod asks of the GPU placement: CPU and memory (the containers' requests) and GPUs, read
// from the pod JSON kube-scheduler sends. GPU requests, most specific first:
//   - annotation frugal.dev/gpu: "0.5" (a share of one GPU) or "2" (whole GPUs), with
//     frugal.dev/gpu-memory ("20Gi") for a share's memory;
//   - extended resource nvidia.com/gpu (whole GPUs), or nvidia.com/mig-<profile> (one MIG slice);
//   - annotation frugal.dev/gpu-model: allowed GPU models ("A100|H100").
// Quantities follow Kubernetes' resource.Quantity forms ("500m", "2", "1Gi", "512M", "1e9").
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "sched/cluster.h"

namespace frugal::k8s {

// "500m" -> 0.5, "2Gi" -> 2147483648, "1e3" -> 1000. Throws Error naming `what` otherwise.
double parse_quantity(const std::string& text, const std::string& what);

struct PodRequest {
  std::string uid, ns, name;
  sched::Task task;       // cpu (milli), mem (MiB), num_gpu, gpu_milli; models filled by the caller
  std::vector<std::string> models;  // frugal.dev/gpu-model names, "" entries never
  std::string mig;        // MIG profile asked for, e.g. "1g.10gb"
  bool wants_gpu() const { return task.num_gpu > 0 || !mig.empty(); }
  std::string key() const { return uid.empty() ? ns + "/" + name : uid; }
};

// Throws Error ("pod ns/name: frugal.dev/gpu: expected a number, got 'lots'") for bad values.
PodRequest parse_pod(const nlohmann::json& pod);

// The annotations frugal writes on a bound pod, and reads back after a restart.
inline constexpr const char* kAssignedNode = "frugal.dev/assigned-node";
inline constexpr const char* kAssignedGpus = "frugal.dev/assigned-gpus";   // "0,3"
inline constexpr const char* kAssignedMilli = "frugal.dev/assigned-gpu-milli";  // per GPU

}  // namespace frugal::k8s
