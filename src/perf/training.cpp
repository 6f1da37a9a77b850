#include "perf/training.h"

#include <cmath>

namespace frugal {
namespace {
constexpr double kGiB = 1073741824.0;

// Activations per device at micro-batch 1 with full recomputation (Korthikanti et al. 2022,
// "Reducing Activation Recomputation in Large Transformer Models"): each layer keeps its 16-bit
// input (2·s·h bytes) and one layer at a time holds its working set (34·s·h bytes; flash attention
// removes the s² term).
double activation_bytes(const ModelSpec& m, double seq) {
  if (m.kind == ModelKind::kVision) return 0;
  return 2.0 * seq * m.hidden * m.layers + 34.0 * seq * m.hidden;
}

double state_bytes(const ModelSpec& m, const DeviceSetup& d) {
  return m.params * d.memory->training_bytes_per_param;
}
}  // namespace

double training_flops(const ModelSpec& m, double tokens) {
  if (m.kind == ModelKind::kVision) return 3.0 * m.flops_per_sample * tokens;  // fwd + 2x bwd
  return 6.0 * m.active_params * tokens;
}

TrainingEstimate estimate_training(const ModelSpec& m, const DeviceSetup& d, int devices,
                                   double tokens, double seq_len) {
  TrainingEstimate e;
  e.devices = devices;
  e.flops = training_flops(m, tokens);
  e.capacity = d.memory_gib * kGiB;
  e.memory_per_device = state_bytes(m, d) / devices + activation_bytes(m, seq_len) +
                        d.memory->runtime_reserve_gib * kGiB;
  e.mfu = d.family->train_mfu;
  const double peak = d.accelerator->bf16_tflops.value_or(d.accelerator->fp16_tflops.value_or(0)) *
                      1e12 * d.fraction;
  e.time_s = e.flops / (devices * peak * e.mfu);
  return e;
}

int min_training_devices(const ModelSpec& m, const DeviceSetup& d, double seq_len, int limit) {
  const double free = d.memory_gib * kGiB - activation_bytes(m, seq_len) - d.memory->runtime_reserve_gib * kGiB;
  if (free <= 0) return 0;
  int n = static_cast<int>(std::ceil(state_bytes(m, d) / free));
  return n <= limit ? std::max(n, 1) : 0;
}

}  // namespace frugal
