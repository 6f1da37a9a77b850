// Analytical performance model for transformer inference (decoder LLMs, encoders) and vision
// models. Roofline per phase: prefill is compute-bound, decode is memory-bound; tensor-parallel
// all-reduces cost latency plus bytes over the device link; a fixed per-pass overhead covers the
// serving stack. All figures per replica of `tp` devices.
#pragma once

#include <string>
#include <vector>

#include "catalog/accelerator.h"
#include "catalog/model.h"
#include "perf/device.h"

namespace frugal {

struct LlmConfig {
  const ModelSpec* model = nullptr;
  const Precision* precision = nullptr;
  DeviceSetup device;
  int tp = 1;  // devices per replica
  // MoE "DEP": attention and dense layers data-parallel over the tp devices (each holds them whole
  // and only its own sequences' KV cache), routed experts split across them (expert parallelism),
  // as TensorRT-LLM's enable_attention_dp and SGLang/vLLM's DP attention + EP serve DeepSeek,
  // Qwen3-MoE and gpt-oss. Ignored for dense models.
  bool attention_dp = false;
  bool dep() const { return attention_dp && model && model->is_moe() && tp > 1; }
};

struct MemoryBreakdown {
  double weights = 0;     // bytes per device
  double kv_cache = 0;    // bytes per device for the batch at its full context
  double activations = 0; // bytes per device, peak transient
  double reserve = 0;     // runtime reserve + engine headroom
  double capacity = 0;    // device memory (bytes)
  double used() const { return weights + kv_cache + activations + reserve; }
  bool fits() const { return used() <= capacity; }
};

struct ServeEstimate {
  int batch = 0;                // concurrent sequences per replica
  double ttft_s = 0;            // time to first token for a request arriving into the batch
  double tpot_s = 0;            // time per output token (one decode step)
  double request_latency_s = 0; // prefill + all decode steps
  double tokens_per_s = 0;      // output tokens per second per replica
  double requests_per_s = 0;
  MemoryBreakdown memory;
};

// Bytes of the model's weights in `p` (all parameters; a weight-quantized precision leaves some at
// 16 bits, see ModelSpec::quantized).
double weight_bytes(const ModelSpec& m, const Precision& p);
// How many of the parameters `p` leaves at 16 bits (0 for 16-bit and wider precisions).
double unquantized_weight_params(const ModelSpec& m, const Precision& p);
// KV-cache bytes for one token of context, whole model (all layers), before TP sharding.
double kv_bytes_per_token(const ModelSpec& m, const Precision& p);
// KV-cache bytes of one sequence holding `context` tokens (sliding-window layers capped), whole model.
double kv_bytes_for_context(const ModelSpec& m, const Precision& p, double context);
// Forward FLOPs for `tokens` new tokens each attending to `context` earlier tokens on average:
// the matrix multiplications with the weights (linear) plus attention scores and values.
double linear_flops(const ModelSpec& m, double tokens);
// Which way a pass computes attention. It matters for MLA (DeepSeek-V2/V3/R1), whose serving
// engines run prefill as multi-head attention over keys and values rebuilt from the latent, and
// decode as multi-query attention straight over the cached latent (weights absorbed into the query
// and output), which costs more FLOPs per cached token but reads only the latent (vLLM
// v1/attention/backends/mla/common.py, after the DeepSeek-V2 paper). Other attention: the same.
enum class AttentionPass { kPrefill, kDecode };
double attention_flops(const ModelSpec& m, double tokens, double context, AttentionPass pass);
inline double forward_flops(const ModelSpec& m, double tokens, double context) {
  return linear_flops(m, tokens) + attention_flops(m, tokens, context, AttentionPass::kPrefill);
}
// Parameters whose weights are read for a pass over `tokens` tokens (MoE: distinct experts hit);
// an untied input embedding table is looked up, not read, and is not counted.
double params_read(const ModelSpec& m, double tokens);
// MoE: parameters in routed experts, and the rest (attention, dense layers, shared experts, embeddings).
double expert_params(const ModelSpec& m);
// Why `cfg` cannot run at all (precision unsupported, TP too large for heads), or empty.
std::string unsupported_reason(const LlmConfig& cfg);

MemoryBreakdown memory_for(const LlmConfig& cfg, int batch, double context_tokens);
// Time of one forward pass over `batch` sequences of `new_tokens` each at mean prior `context`.
// `overhead` is the stack's fixed time for this kind of pass (prefill or decode step).
double pass_time(const LlmConfig& cfg, double batch, double new_tokens, double context,
                 double overhead);
// One iteration of a continuous-batching engine: `decode` sequences each adding a token at mean
// context `decode_ctx`, plus `prefill` prompt tokens (chunks of new requests) at mean context
// `prefill_ctx`, in one forward pass with the stack's per-step overhead.
double iteration_time(const LlmConfig& cfg, double decode, double decode_ctx, double prefill, double prefill_ctx);
double prefill_time(const LlmConfig& cfg, int batch, double prompt_tokens);
double decode_step_time(const LlmConfig& cfg, int batch, double context);
// Continuous-batching estimate at concurrency `batch` for prompts of `prompt` and outputs of `output`.
ServeEstimate serve_at(const LlmConfig& cfg, int batch, double prompt, double output);
// The context a decode step's attention spans on average while `output` tokens follow a prompt of
// `prompt`: the mean context, or for a stack that compiles decode graphs for power-of-two context
// buckets (StackFactors::decode_context_buckets) the mean bucket.
double decode_context(const LlmConfig& cfg, double prompt, double output);

// Largest batch (at most `limit`) whose memory fits within (1 - headroom) of the device (0 when
// even batch 1 does not).
int max_batch(const LlmConfig& cfg, double context_tokens, int limit = 4096, double headroom = 0);

// Tensor-parallel degrees worth trying on `devices` devices: powers of two that divide it, and
// the whole instance.
std::vector<int> tp_degrees(int devices);
// The smallest of tp_degrees(devices) (at least 2 for DEP) at which `cfg` runs at all and
// `sequences` sequences of `context_tokens` fit in memory; 0 when none does. `cfg.tp` is ignored.
int smallest_fitting_tp(LlmConfig cfg, int devices, double context_tokens, int sequences = 1);

}  // namespace frugal
