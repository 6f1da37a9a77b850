// What `frugal agent` and `frugal top` share: the NVML source, the instance type (option, else
// EC2 instance metadata), the GPU-hour price and the idle policy, resolved the same way for both.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

#include "cli/common.h"
#include "telemetry/accounting.h"
#include "telemetry/nvml.h"
#include "telemetry/pricing.h"

namespace frugal::cli {

struct TelemetryOptions {
  std::string instance_type;
  std::string instance_id;  // EC2 instance id; empty: instance metadata when on EC2
  std::string region;  // prices of this region; empty: AWS conventions, instance metadata, us-east-1
  std::string purchase = "on-demand";
  std::optional<double> price_per_hour;
  std::optional<double> idle_threshold;
  std::string idle_grace;  // duration text; empty = data default
  std::string nvml_library;
  std::string interval;    // duration text; empty = data default
  std::string db;          // history file; empty = default path
};

// `region_option`: add --region (false where the command's AWS options already have one and
// copy it into TelemetryOptions::region).
void add_telemetry_options(CLI::App* cmd, TelemetryOptions& o, bool region_option = true);

struct TelemetrySetup {
  std::unique_ptr<telemetry::NvmlSource> source;  // null when NVML is unusable (why says so)
  std::string why;
  telemetry::GpuPrice price;
  telemetry::IdlePolicy policy;
  double interval_s = 1;
  std::string db_path;
  std::string data_dir;
  // The instance this runs on (--instance-id, else instance metadata): the agent keeps it in its
  // history, where `frugal bill --telemetry` joins it to the bill's resource ids.
  std::string instance_id;
};

// Opens NVML and resolves price and policy. Throws Error for bad options only.
TelemetrySetup setup_telemetry(const GlobalOptions& g, const TelemetryOptions& o);

}  // namespace frugal::cli
