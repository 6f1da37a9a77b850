#include "telemetry/pricing.h"

#include <fmt/format.h>

namespace frugal::telemetry {

GpuPrice gpu_price(const Catalog& catalog, const std::string& instance_type, const std::string& purchase,
                   std::optional<double> instance_price, int nvml_gpus) {
  GpuPrice p;
  p.instance_type = instance_type;
  p.purchase = instance_price ? "custom" : purchase;
  const InstanceType* it = instance_type.empty() ? nullptr : catalog.find_instance(instance_type);
  p.gpus = it && it->devices > 0 ? it->devices : nvml_gpus;
  if (it && it->devices > 0 && nvml_gpus > 0 && nvml_gpus != it->devices) {
    p.note = fmt::format("catalog lists {} GPUs for {}, NVML sees {}; priced per catalog GPU. ", it->devices,
                         instance_type, nvml_gpus);
  }
  if (instance_price) {
    p.instance_hourly = *instance_price;
  } else if (instance_type.empty()) {
    p.note += "instance type unknown (not on EC2 and no --instance-type): dollars not counted";
    return p;
  } else if (!it) {
    p.note += fmt::format("'{}' is not in the catalog: dollars not counted (give --price-per-hour)", instance_type);
    return p;
  } else if (purchase == "spot") {
    if (!it->spot_hourly()) {
      p.note += fmt::format("no spot price for {} in the catalog", instance_type);
      return p;
    }
    p.instance_hourly = *it->spot_hourly();
  } else {
    if (!it->on_demand_hourly()) {
      p.note += fmt::format("no on-demand price for {} in the catalog", instance_type);
      return p;
    }
    p.instance_hourly = *it->on_demand_hourly();
  }
  if (p.gpus <= 0) {
    p.note += "GPU count unknown: dollars not counted";
    return p;
  }
  p.per_gpu_hour = p.instance_hourly / p.gpus;
  // Which rate and how old: "on-demand, 2026-07-20" or "spot median of 4 standard AZs, undated".
  std::string basis;
  if (!instance_price && it) {
    const auto& r = purchase == "spot" ? it->prices->spot : it->prices->on_demand;
    if (r) basis = fmt::format(" ({}, {})", r->label.substr(0, r->label.find(" (")), r->as_of);
  }
  p.note += fmt::format("{} {} ${:.4g}/h{} / {} GPUs", instance_type.empty() ? "instance" : instance_type, p.purchase,
                        p.instance_hourly, basis, p.gpus);
  return p;
}

}  // namespace frugal::telemetry
