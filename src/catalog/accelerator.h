// Accelerator devices (a GPU, or one NeuronCore for Trainium/Inferentia) and numeric precisions.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace frugal {

// A numeric format the model can run in. weight_bytes/kv_bytes per element; `compute` names the
// tensor-core peak used for matrix math (W8A8 int8 uses int8 peak where the device has one, and
// falls back to `fallback_compute`, i.e. weight-only quantization, where it does not).
struct Precision {
  std::string name;  // fp32, fp16, bf16, fp8, fp4, int8, int4
  double weight_bytes = 2;
  double kv_bytes = 2;
  std::string compute;
  std::string fallback_compute;  // empty: no fallback, precision unsupported without `compute`
  std::string source;

  // Weights stored in 4 bits but multiplied at 16 bits (W4A16: GPTQ/AWQ int4, MXFP4 on Hopper): a
  // 4-bit kernel unpacks them on the fly. Not NVFP4 (fp4), whose tensor cores multiply 4-bit
  // operands themselves.
  bool weight_only_4bit() const { return weight_bytes < 1 && (compute == "fp16" || compute == "bf16"); }
};

struct Accelerator {
  std::string id;      // "H100-80GB", "Inferentia2-core"
  std::string family;  // "hopper", "neuron-v2"; efficiency factors are per family
  std::string match_name;
  std::optional<double> match_memory_mib;
  std::string device_unit;  // "gpu" or "neuroncore"
  int cores_per_device = 1; // physical NeuronCores per device the runtime exposes (Trainium2 LNC=2)
  double memory_gib = 0;
  double mem_bw_gbs = 0;  // GB/s per device
  std::optional<double> fp32_tflops, fp16_tflops, bf16_tflops, fp8_tflops, fp4_tflops, int8_tops;
  std::string link;
  double link_gbs = 0;  // device-to-device GB/s, one direction
  std::string source;

  // Dense peak in FLOP/s for a compute type ("fp16", "bf16", "fp8", "fp4", "int8", "fp32"); nullopt when
  // the device has none.
  std::optional<double> peak_flops(const std::string& compute) const;
  // Peak FLOP/s used for `p` (its compute type or fallback); nullopt when the device can't run p.
  std::optional<double> peak_for(const Precision& p) const;
  bool is_neuron() const { return device_unit == "neuroncore"; }
};

}  // namespace frugal
