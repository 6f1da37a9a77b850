#include "catalog/accelerator.h"

namespace frugal {

std::optional<double> Accelerator::peak_flops(const std::string& compute) const {
  std::optional<double> t;
  if (compute == "fp32") t = fp32_tflops;
  else if (compute == "fp16") t = fp16_tflops;
  else if (compute == "bf16") t = bf16_tflops;
  else if (compute == "fp8") t = fp8_tflops;
  else if (compute == "fp4") t = fp4_tflops;
  else if (compute == "int8") t = int8_tops;
  if (!t) return std::nullopt;
  return *t * 1e12;
}

std::optional<double> Accelerator::peak_for(const Precision& p) const {
  if (auto f = peak_flops(p.compute)) return f;
  if (!p.fallback_compute.empty()) return peak_flops(p.fallback_compute);
  return std::nullopt;
}

}  // namespace frugal
