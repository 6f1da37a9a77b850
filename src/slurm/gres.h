// `frugal slurm gres`: the gres.conf lines and the slurm.conf node Gres= for the GPUs NVML reports,
// so Slurm schedules whole GPUs, shards (Slurm's fractional sharing, the counterpart of
// Kubernetes' `nvidia.com/gpu: 0.5` under time-slicing), MPS shares, and MIG instances. Pure:
// the inventory is a telemetry Snapshot (the NVML seam), MIG device minors a text the caller read.
#pragma once

#include <string>
#include <vector>

#include "telemetry/sample.h"

namespace frugal::slurm {

struct GresOptions {
  std::string node_name;         // NodeName= of these lines
  std::string device_dir = "/dev";
  std::string type;              // GPU type for every GPU; "" = from the NVML name (gpu_type())
  int shards_per_gpu = 0;        // Name=shard Count=N per GPU; 0 = no shards
  int mps_per_gpu = 0;           // Name=mps Count=N per GPU (100: shares in percent); 0 = no MPS
  // /proc/driver/nvidia-caps/mig-minors ("gpu0/gi1/access 21" lines): the capability devices a
  // MIG instance's job needs. Empty: MIG GPUs are left to `AutoDetect=nvml`.
  std::string mig_minors;
};

struct GresPlan {
  std::string gres_conf;   // lines for gres.conf
  std::string node_gres;   // "gpu:h100:8,shard:32" for the node's Gres=
  std::string gres_types;  // "gpu,shard" for GresTypes=
  std::vector<std::string> notes;
};

// "NVIDIA H100 80GB HBM3" -> "h100", "NVIDIA A100-SXM4-40GB" -> "a100", "NVIDIA A10G" -> "a10g":
// the model token, as clusters name their GPU types (gpu:a100:8).
std::string gpu_type(const std::string& nvml_name);

// Throws Error for contradictory options (shards and MPS together, negative counts) and for an
// inventory without GPUs.
GresPlan plan_gres(const telemetry::Snapshot& inventory, const GresOptions& options);

}  // namespace frugal::slurm
