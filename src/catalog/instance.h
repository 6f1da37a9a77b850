// An EC2 instance type with its accelerators and prices (us-east-1).
#pragma once

#include <optional>
#include <string>

#include "catalog/accelerator.h"

namespace frugal {

struct InstanceType {
  std::string name;  // "p4d.24xlarge"
  std::string family;
  int vcpus = 0;
  double memory_gib = 0;
  std::string gpu_name;          // as listed by the source ("a100", "inferentia2"), empty for CPU
  const Accelerator* accelerator = nullptr;  // null when CPU-only or no sourced spec
  int devices = 0;               // GPUs, or NeuronCores for Neuron instances
  double device_fraction = 1.0;  // < 1 for fractional GPUs (g6f): share of one GPU
  double device_memory_gib = 0;  // usable memory per device as listed for this instance type
  std::optional<double> on_demand_hourly;
  std::optional<double> spot_hourly;      // median over us-east-1 AZs with spot history
  std::optional<double> spot_min_hourly;  // cheapest AZ
  std::string spot_interruption;          // Spot Advisor bucket, "<5%" .. ">20%"
  std::optional<double> spot_advisor_savings_pct;
  std::optional<double> sagemaker_hourly;  // ml.<name> real-time hosting $/h
  int efa_interfaces = 0;                  // Elastic Fabric Adapter count (multi-node training)
  std::string source;
  std::string spot_source;

  bool accelerated() const { return !gpu_name.empty(); }
  // Why the advisor cannot use this type ("no sourced spec for accelerator 'b300'"), or empty.
  std::string unusable_reason() const;
};

}  // namespace frugal
