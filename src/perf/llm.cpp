#include "perf/llm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace frugal {
namespace {
constexpr double kGiB = 1073741824.0;
constexpr double kActBytes = 2;  // activations and all-reduce payloads in 16-bit
constexpr double kFp16Bytes = 2;  // a weight rebuilt from 4 bits for an FP16 GEMM

double kv_shards(const LlmConfig& c) {
  // DEP: each rank holds only its own sequences' caches.
  if (c.dep()) return c.tp;
  // MLA latents are shared by all heads, so every TP rank holds the whole cache; otherwise KV
  // heads split across ranks and are replicated once TP exceeds their number.
  if (c.model->kv_latent_dim > 0) return 1;
  return std::max(1.0, std::min<double>(c.tp, c.model->kv_heads));
}

double peak(const LlmConfig& c) {
  return c.device.accelerator->peak_for(*c.precision).value_or(0) * c.device.fraction;
}

double bandwidth(const LlmConfig& c) {
  return c.device.accelerator->mem_bw_gbs * 1e9 * c.device.fraction;
}

constexpr double kWideBytes = 2;  // what a weight-quantized checkpoint keeps unquantized: 16 bits

// The untied input embedding table: looked up a row per token, never read whole or multiplied.
double input_table_params(const ModelSpec& m) { return m.tied_embeddings ? 0 : m.embedding_params(); }

// A stack that pads the attention heads up to a multiple of the TP degree (StackFactors::
// pads_heads) runs the padded heads as real ones: their attention, their Q and O projection
// weights (and K and V for multi-head attention, whose KV heads pad with the query heads) are
// stored, read and multiplied like the others. GQA KV heads are replicated to one per rank, as
// kv_shards already counts them.
struct HeadPadding {
  double attention = 1;     // factor on attention FLOPs
  double kv = 1;            // factor on KV-cache bytes
  double extra_params = 0;  // padded projection weights of the replica
};
HeadPadding head_padding(const LlmConfig& c) {
  const ModelSpec& m = *c.model;
  HeadPadding h;
  if (!c.device.stack->pads_heads || m.kind != ModelKind::kDecoder || m.is_mla() || c.tp <= 1 || m.heads <= 0 ||
      m.heads % c.tp == 0) {
    return h;
  }
  const double padded = std::ceil(static_cast<double>(m.heads) / c.tp) * c.tp;
  const bool mha = m.kv_heads == m.heads;
  h.attention = padded / m.heads;
  if (mha) h.kv = h.attention;
  h.extra_params = m.layers * (mha ? 4.0 : 2.0) * m.hidden * (padded - m.heads) * m.head_dim;
  return h;
}
}  // namespace

double unquantized_weight_params(const ModelSpec& m, const Precision& p) {
  if (p.weight_bytes >= kWideBytes || m.kind != ModelKind::kDecoder) return 0;
  if (m.quantized == ModelSpec::Quantized::kExperts) return m.params - expert_params(m);
  return m.embedding_params() + m.head_params();
}

double weight_bytes(const ModelSpec& m, const Precision& p) {
  const double wide = unquantized_weight_params(m, p);
  return (m.params - wide) * p.weight_bytes + wide * kWideBytes;
}

double kv_bytes_for_context(const ModelSpec& m, const Precision& p, double context) {
  if (m.kind != ModelKind::kDecoder) return 0;
  return m.kv_layer_tokens(context) * m.kv_elements_per_token_per_layer() * p.kv_bytes;
}

double kv_bytes_per_token(const ModelSpec& m, const Precision& p) {
  if (m.kind != ModelKind::kDecoder) return 0;
  return m.layers * m.kv_elements_per_token_per_layer() * p.kv_bytes;
}

double linear_flops(const ModelSpec& m, double tokens) {
  if (m.kind == ModelKind::kVision) return m.flops_per_sample * tokens;
  // One multiply-add per active parameter per token; the input embedding is a lookup.
  return 2.0 * (m.active_params - input_table_params(m)) * tokens;
}

double attention_flops(const ModelSpec& m, double tokens, double context, AttentionPass pass) {
  if (m.kind == ModelKind::kVision) return 0;
  // QK^T and AV: 2 FLOPs per (query token, key token, head, element of the key or value head).
  double per_head = 4.0 * m.head_dim;
  if (m.is_mla()) {
    // Prefill: keys of head_dim (nope + rope), values of v_head_dim. Decode: every head's query
    // meets the whole latent (kv_lora_rank + rope) and its output is a kv_lora_rank vector.
    per_head = pass == AttentionPass::kPrefill ? 2.0 * (m.head_dim + m.v_head_dim)
                                               : 2.0 * (2.0 * m.kv_latent_dim - m.kv_rope_dim);
  }
  // A sliding-window layer attends to at most its window, as it caches (kv_layer_tokens).
  return m.heads * per_head * m.kv_layer_tokens(context) * tokens;
}

double expert_params(const ModelSpec& m) {
  return m.is_moe() ? m.experts * m.params_per_expert() : 0;
}

namespace {
// Bytes of weights one device holds: all parameters / tp, or under DEP the dense part whole and
// its share of the experts (which are always stored at the precision's width).
double weight_bytes_per_device(const LlmConfig& c) {
  const auto& m = *c.model;
  const double all = weight_bytes(m, *c.precision) + head_padding(c).extra_params * c.precision->weight_bytes;
  if (!c.dep()) return all / c.tp;
  const double experts = expert_params(m) * c.precision->weight_bytes;
  return (all - experts) + experts / c.tp;
}

// Bytes of weights one device reads in a pass over `tokens` tokens of the replica, in three parts:
// the non-expert weights at the precision's width, the routed experts hit (they run at the stack's
// moe_eff), and what a quantized checkpoint keeps at 16 bits (read by ordinary 16-bit kernels).
struct WeightReads {
  double dense = 0, experts = 0, wide = 0;
  double wide_params = 0;  // parameters behind `wide` (their matmuls run at 16 bits too)
};
WeightReads weight_reads_per_device(const LlmConfig& c, double tokens) {
  const auto& m = *c.model;
  const double wb = c.precision->weight_bytes;
  // Read every pass: everything but the routed experts and the input table.
  const double always = params_read(m, 0);
  const double experts = params_read(m, tokens) - always;
  // The unquantized part always holds the input table when there is one (a lookup, not read).
  const double wide_all = unquantized_weight_params(m, *c.precision);
  const double wide = wide_all > 0 ? wide_all - input_table_params(m) : 0;
  WeightReads r;
  r.wide_params = wide;
  r.wide = wide * kWideBytes;
  r.dense = (always - wide + head_padding(c).extra_params) * wb;
  r.experts = experts * wb / c.tp;
  if (!c.dep()) {  // under DEP every rank reads the dense part whole
    r.dense /= c.tp;
    r.wide /= c.tp;
  }
  return r;
}
}  // namespace

double params_read(const ModelSpec& m, double tokens) {
  const double table = input_table_params(m);
  if (!m.is_moe()) return m.params - table;
  const double e = m.params_per_expert();
  const double always = m.active_params - m.active_experts * e - table;  // dense layers, attention, shared, head
  const double E = m.experts, k = m.active_experts;
  const double distinct = E * (1.0 - std::pow(1.0 - k / E, tokens));
  return always + distinct * e;
}

std::string unsupported_reason(const LlmConfig& c) {
  const auto& acc = *c.device.accelerator;
  for (const auto& u : c.device.stack->unsupported_precisions) {
    if (u == c.precision->name) {
      return fmt::format("{} not supported by the {} stack", c.precision->name, c.device.stack_name);
    }
  }
  if (!acc.peak_for(*c.precision)) return fmt::format("{} has no {} support", acc.id, c.precision->name);
  if (c.model->kind != ModelKind::kVision && c.tp > 1 && c.model->heads % c.tp != 0 && !c.device.stack->pads_heads && !c.dep()) {
    return fmt::format("TP {} does not divide {} attention heads", c.tp, c.model->heads);
  }
  return "";
}

MemoryBreakdown memory_for(const LlmConfig& c, int batch, double context) {
  const auto& m = *c.model;
  const auto& pol = *c.device.memory;
  MemoryBreakdown b;
  b.capacity = c.device.memory_gib * kGiB;
  const HeadPadding pad = head_padding(c);
  b.weights = weight_bytes_per_device(c);
  b.kv_cache = kv_bytes_for_context(m, *c.precision, context) * pad.kv * batch / kv_shards(c);
  if (m.kind == ModelKind::kVision) {
    b.activations = 0;
  } else {
    // One chunk of prefill in flight: hidden states, QKV, MLP intermediate, plus logits.
    const double tokens = std::min<double>(pol.max_prefill_tokens, batch * context);
    // The engine's buffers are a fitted multiple of that (activation_scale >= 1).
    b.activations = (tokens * (4.0 * m.hidden + 2.0 * m.ffn / c.tp) * kActBytes +
                     batch * static_cast<double>(m.vocab) * 4.0 / c.tp) *
                    c.device.stack->activation_scale;
  }
  const double runtime = pol.runtime_reserve_gib * kGiB;
  if (const double f = c.device.stack->kv_free_fraction; f > 0) {
    // The engine keeps (1 - f) of what weights, activations and the runtime leave free.
    b.reserve = runtime + (1.0 - f) * std::max(0.0, b.capacity - runtime - b.weights - b.activations);
  } else {
    b.reserve = runtime + (1.0 - pol.usable_fraction) * b.capacity;
  }
  return b;
}

namespace {
// Time of one forward pass over `tokens` new tokens whose attention costs `attn_flops` and which
// read `kv_bytes` of cached keys and values, + tensor-parallel communication. The weight matmuls and
// the attention kernels run one after the other in every layer, so each is its own roofline and the
// two add: max(matmul FLOPs, weight bytes) + max(attention FLOPs, KV bytes). A single max over the
// totals would let a large decode batch hide its KV reads under the matmuls' compute, which no
// kernel schedule does.
double pass_cost(const LlmConfig& c, double tokens, double attn_flops, double kv_bytes) {
  const auto& m = *c.model;
  const auto& fam = *c.device.family;
  // Weight matmuls and attention run at different fractions of peak (attention kernels are far
  // less efficient on some stacks, e.g. without fused/flash attention).
  const bool four_bit = c.precision->weight_only_4bit();
  // A pre-Marlin kernel (exllama v1, TGI 1.x's GPTQ path) multiplies 4-bit weights directly only for
  // a few rows. From w4_dequant_min_tokens on it rebuilds each layer's FP16 weights (reads the 4-bit
  // ones, writes FP16) and runs the FP16 GEMM (reads them again): more weight traffic than FP16
  // itself, at FP16 matmul efficiency. Why GPTQ served slower than FP16 at concurrency 10 in 2023.
  const double thd = c.device.stack->w4_dequant_min_tokens;
  const bool rebuilt = four_bit && thd > 0 && tokens >= thd;
  const bool direct = four_bit && !rebuilt;  // the 4-bit kernel multiplies the packed weights itself
  const double w4 = direct ? c.device.stack->w4_compute_eff : 1.0;
  const double w4_reads = direct ? c.device.stack->w4_direct_mem_eff : 1.0;
  const double weight_traffic = rebuilt ? 1.0 + 2.0 * kFp16Bytes / c.precision->weight_bytes : 1.0;
  // Routed-expert matmuls (grouped GEMMs) run at moe_eff of the dense kernels' efficiency.
  const double moe = c.device.stack->moe_eff;
  const double expert_flops = m.is_moe() ? 2.0 * m.active_experts * m.params_per_expert() * tokens : 0;
  const HeadPadding pad = head_padding(c);
  const double linear = linear_flops(m, tokens) + 2.0 * pad.extra_params * tokens;
  const double compute_rate = c.tp * peak(c), memory_rate = bandwidth(c) * fam.mem_eff;
  const WeightReads w = weight_reads_per_device(c, tokens);
  // The 16-bit part of a quantized checkpoint runs ordinary 16-bit matmuls: no 4-bit kernel factors,
  // and at the 16-bit tensor peak (an FP8 or INT8 peak is twice that).
  const double wide_flops = 2.0 * w.wide_params * tokens;
  double matmul_compute = (linear - expert_flops - wide_flops + expert_flops / moe) / (fam.compute_eff * w4) / compute_rate;
  if (wide_flops > 0) {  // only quantized checkpoints have a 16-bit part: no peak look-up otherwise
    const auto& acc = *c.device.accelerator;
    const double wide_peak = acc.peak_flops("bf16").value_or(acc.peak_flops("fp16").value_or(0)) * c.device.fraction;
    matmul_compute += wide_flops / fam.compute_eff / (wide_peak > 0 ? c.tp * wide_peak : compute_rate);
  }
  // NVFP4 quantizes the linear layers only: attention reads an FP8 KV cache and runs on the FP8
  // tensor cores (FP8 FMHA), at half the FP4 peak.
  double attn_rate = compute_rate;
  if (c.precision->compute == "fp4") {
    const double fp8 = c.device.accelerator->peak_flops("fp8").value_or(0) * c.device.fraction;
    if (fp8 > 0) attn_rate = c.tp * fp8;
  }
  const double attn_compute = attn_flops * pad.attention / fam.attn_eff / attn_rate;
  const double matmul_memory = ((w.dense + w.experts / moe) * weight_traffic / w4_reads + w.wide) / memory_rate;
  const double attn_memory = kv_bytes * pad.kv / kv_shards(c) / memory_rate;
  double t_comm = 0;
  if (c.tp > 1 && m.kind != ModelKind::kVision) {
    // Two all-reduces per layer (attention output, MLP output). A ring (Thakur et al. 2005) pays
    // 2(p-1) hops of latency and moves 2(p-1)/p of the payload per link; a one-shot peer
    // all-reduce of a small message waits at one barrier instead (StackFactors::one_shot_allreduce).
    const StackFactors& st = *c.device.stack;
    const double payload = tokens * m.hidden * kActBytes;
    const double hops = st.one_shot_allreduce(c.device.accelerator->link, payload, c.tp) ? 1.0 : 2.0 * (c.tp - 1);
    const double per = hops * st.allreduce_latency_s +
                       2.0 * (c.tp - 1) / c.tp * payload / (c.device.accelerator->link_gbs * 1e9 * fam.link_eff);
    t_comm = 2.0 * m.layers * per + st.tp_step_overhead_s;
  }
  return std::max(matmul_compute, matmul_memory) + std::max(attn_compute, attn_memory) + t_comm;
}
}  // namespace

double pass_time(const LlmConfig& c, double batch, double new_tokens, double context,
                 double overhead) {
  const double tokens = batch * new_tokens;
  // One new token per sequence is a decode step (Sq / Skv small); more is a prompt.
  const auto form = new_tokens == 1 ? AttentionPass::kDecode : AttentionPass::kPrefill;
  return pass_cost(c, tokens, attention_flops(*c.model, tokens, context, form),
                   kv_bytes_for_context(*c.model, *c.precision, context) * batch) + overhead;
}

double iteration_time(const LlmConfig& c, double decode, double decode_ctx, double prefill, double prefill_ctx) {
  const auto& m = *c.model;
  const double attn = attention_flops(m, decode, decode_ctx, AttentionPass::kDecode) +
                      attention_flops(m, prefill, prefill_ctx, AttentionPass::kPrefill);
  const double kv = kv_bytes_for_context(m, *c.precision, decode_ctx) * decode;
  const double overhead = decode > 0 ? c.device.stack->step_overhead_s + decode * c.device.stack->seq_overhead_s
                                     : c.device.stack->prefill_overhead_s;
  return pass_cost(c, decode + prefill, attn, kv) + overhead;
}

double decode_context(const LlmConfig& c, double prompt, double output) {
  if (!c.device.stack->decode_context_buckets || output <= 0) return prompt + output / 2;
  // transformers-neuronx's first token-generation bucket (bucket.token_sizes, cited with the fact).
  constexpr double kFirstBucket = 128;
  // Buckets 128, 256, ... below the compiled sequence length (prompt + output), then that length:
  // the token at position p attends over the smallest bucket >= p. The cost is linear in the
  // context, so the mean bucket over positions [P, P + O) prices the average step exactly.
  const double last = prompt + output;
  double sum = 0, lo = prompt;
  for (double bucket = kFirstBucket; lo < last; bucket *= 2) {
    const double b = std::min(bucket, last);
    if (b <= lo) continue;
    sum += (b - lo) * b;
    lo = b;
  }
  return sum / output;
}

double prefill_time(const LlmConfig& c, int batch, double prompt) {
  const double overhead = c.device.stack->prefill_overhead_s;
  if (c.model->kind != ModelKind::kDecoder) return pass_time(c, batch, prompt, prompt / 2, overhead);
  // Chunked prefill: the prompt tokens go through in passes of at most max_prefill_tokens.
  const double total = batch * prompt;
  const double chunk = c.device.memory->max_prefill_tokens;
  const double passes = std::max(1.0, std::ceil(total / chunk));
  return passes * pass_time(c, 1, total / passes, prompt / 2, overhead);
}

double decode_step_time(const LlmConfig& c, int batch, double context) {
  return pass_time(c, batch, 1, context, c.device.stack->step_overhead_s + batch * c.device.stack->seq_overhead_s);
}

ServeEstimate serve_at(const LlmConfig& c, int batch, double prompt, double output) {
  ServeEstimate s;
  s.batch = batch;
  s.memory = memory_for(c, batch, prompt + output);
  if (c.model->kind != ModelKind::kDecoder) {
    // One forward pass per batch; a request waits for the batch in flight, then its own.
    const double t = pass_time(c, batch, c.model->kind == ModelKind::kVision ? 1 : prompt,
                               prompt / 2, c.device.stack->prefill_overhead_s);
    s.ttft_s = s.request_latency_s = 2 * t;
    s.requests_per_s = batch / t;
    s.tokens_per_s = 0;
    return s;
  }
  const double step = decode_step_time(c, batch, decode_context(c, prompt, output));
  const double prefill = prefill_time(c, batch, prompt);
  s.tpot_s = step;
  s.ttft_s = prefill_time(c, 1, prompt) + step;
  s.request_latency_s = prefill + output * step;
  s.tokens_per_s = batch * output / s.request_latency_s;
  s.requests_per_s = s.tokens_per_s / output;
  return s;
}

int max_batch(const LlmConfig& c, double context, int limit, double headroom) {
  auto ok = [&](int b) {
    const auto m = memory_for(c, b, context);
    return m.used() <= m.capacity * (1.0 - headroom);
  };
  if (!ok(1)) return 0;
  int lo = 1, hi = limit;
  if (ok(hi)) return hi;
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    (ok(mid) ? lo : hi) = mid;
  }
  return lo;
}

std::vector<int> tp_degrees(int devices) {
  std::vector<int> out;
  for (int t = 1; t <= devices; t *= 2) {
    if (devices % t == 0) out.push_back(t);
  }
  if (out.empty() || out.back() != devices) out.push_back(devices);
  return out;
}

int smallest_fitting_tp(LlmConfig cfg, int devices, double context_tokens, int sequences) {
  for (int tp : tp_degrees(devices)) {
    cfg.tp = tp;
    if (cfg.attention_dp && !cfg.dep()) continue;
    if (!unsupported_reason(cfg).empty()) continue;
    if (memory_for(cfg, sequences, context_tokens).fits()) return tp;
  }
  return 0;
}

}  // namespace frugal
