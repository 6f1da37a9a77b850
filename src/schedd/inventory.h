// The GPUs `frugal sched` owns: from NVML, or declared (`--gpus "4xH100-80GB"`) on machines
// without GPUs, where jobs then run as ordinary processes with the variables set. MIG-capable
// models carry their MIG profiles (data/catalog/mig_profiles.csv): a profile takes `size`
// consecutive memory slices (of 8) starting at one of its allowed positions, as the MIG user
// guide's placement rules say.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "telemetry/gpu_source.h"

namespace frugal::schedd {

struct MigProfile {
  std::string name;       // "1g.10gb"
  int size = 0;           // memory slices of 8
  std::vector<int> starts;
  std::int64_t memory_mib = 0;
};

struct Gpu {
  int index = 0;
  std::string uuid, name;
  std::int64_t memory_mib = 0;
  std::vector<MigProfile> mig;  // empty: not MIG-capable
};

struct Inventory {
  std::vector<Gpu> gpus;
  std::string source;  // "declared: 4xH100-80GB" / "NVML ..."
  const MigProfile* find_mig(const Gpu& g, const std::string& profile) const;
};

// Loads data_dir/catalog/mig_profiles.csv rows as model -> profiles.
std::vector<std::pair<std::string, std::vector<MigProfile>>> load_mig_profiles(const std::string& data_dir);

// "4xH100-80GB", "2xA100-40GB,1xL4-24GB", "H100-80GB" (one). Memory from the name's NNGB.
// Throws Error "--gpus: expected COUNTxMODEL-NNGB[,...], got '...'".
Inventory declared_inventory(const std::string& spec, const std::string& data_dir);
Inventory nvml_inventory(telemetry::GpuSource& source, const std::string& data_dir);

}  // namespace frugal::schedd
