// Efficiency factors of the performance model (data/perf/efficiency.toml): a few physically
// meaningful numbers per accelerator family and per serving stack, fitted by `frugal perf
// calibrate` to published measurements, never tuned per row.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/accelerator.h"

namespace frugal {

struct FamilyFactors {
  double mem_eff = 0.7;      // achieved / peak memory bandwidth in decode
  double compute_eff = 0.5;  // achieved / dense peak FLOP/s of weight matmuls (prefill, big batches)
  double attn_eff = 0.5;     // achieved / dense peak FLOP/s of attention (QK^T, AV)
  double link_eff = 0.7;     // achieved / nominal device-link bandwidth in all-reduces
  double train_mfu = 0.4;    // model FLOPs utilisation in training
  std::string train_mfu_source;
  std::string inherits;      // family whose fitted factors stand in (no measurements of our own)
  // Family whose published training MFU stands in when this one has none (fitted serving factors but
  // no training measurement: Blackwell borrows Hopper's); advice flags the borrowed MFU.
  std::string train_mfu_inherits;
  // The measured family nearest in architecture: a fit with no rows of this family (a
  // cross-validation fold that left its only source out) predicts it with that family's factors.
  std::string similar;
  bool calibrated = false;   // true when fitted to rows of measured.csv
};

struct StackFactors {
  double step_overhead_s = 0.002;      // fixed host/launch time per decode step
  double prefill_overhead_s = 0.002;   // fixed time per prefill (context-encoding) pass
  double allreduce_latency_s = 10e-6;  // fixed latency per tensor-parallel all-reduce
  double tp_step_overhead_s = 0;       // per pass when tp > 1: coordinating the ranks
  double w4_compute_eff = 1.0;  // matmul efficiency multiplier with 4-bit weights (dequantization)
  double moe_eff = 1.0;          // routed-expert layers' efficiency relative to dense ones (grouped
                                 // GEMMs: compute and weight reads)
  double seq_overhead_s = 1e-6;  // per running sequence per decode iteration (sampling, paged-KV
                                 // bookkeeping, scheduling): what grows a big batch's step time
                                 // beyond its bytes and FLOPs
  double activation_scale = 1.0;  // the engine's activation buffers (sized for its token budget,
                                  // with workspaces and CUDA graphs) relative to one modelled prefill
                                  // chunk: what a model that barely fits has less KV cache for
  // The fitted numbers above (not the scheduler facts below), copied from another stack's fit.
  void copy_fitted(const StackFactors& from);
  // The per-pass overheads of the fit (step, prefill, all-reduce latency, TP coordination, per
  // sequence, activation buffers): all fitted numbers but the kernel efficiencies moe_eff and
  // w4_compute_eff, which are the stack's own kernels.
  void copy_overheads(const StackFactors& from);
  // Stack whose fitted overheads (copy_overheads) this one uses instead of its own: the fit
  // estimates them once from both stacks' rows. For an engine that shares its runtime with another
  // and has too few sources of its own to pin them (data/perf/efficiency.toml says why).
  std::string shares_overheads;
  std::string shares_overheads_source;  // required with it
  std::vector<std::string> unsupported_precisions;
  std::string description;
  // Scheduler facts of the stack (data with their source, never fitted):
  // The engine pads the attention heads up to a multiple of the TP degree and runs the padded
  // heads (perf/llm.cpp head_padding); false: TP must divide the heads.
  bool pads_heads = false;
  std::string pads_heads_source;  // the code the padding rule is read from (required with it)
  // Decode graphs are compiled for context buckets 128, 256, ... up to the sequence length, and a
  // step attends over its whole bucket (perf/llm.h decode_context); false: over its context.
  bool decode_context_buckets = false;
  std::string decode_context_buckets_source;  // the code the buckets are read from (required with it)
  bool chunked_prefill = true;  // prompts go through in chunks inside decode iterations (else a
                                // prefill pass pauses decoding, as TGI 1.x and transformers-neuronx)
  double max_batch = 256;       // most sequences the scheduler runs at once
  double max_num_tokens = 0;    // tokens per iteration (0: the memory policy's max_prefill_tokens)
  double kv_free_fraction = 0;  // KV cache = this share of the memory left after weights (TensorRT-
                                // LLM's kv_cache_free_gpu_mem_fraction); 0: usable_fraction of all
  // A pass of at least this many tokens runs a 4-bit weight matmul by first rebuilding the layer's
  // FP16 weights and then running the FP16 GEMM on them, as exllama (v1) does from its
  // matmul_recons_thd on; 0: the 4-bit kernel serves every pass (Marlin, TensorRT-LLM W4A16).
  double w4_dequant_min_tokens = 0;
  // The 4-bit kernel's weight reads relative to the family's mem_eff in the passes it multiplies
  // directly (below w4_dequant_min_tokens, or every pass without one). exllama v1 runs one 32-thread
  // block per row and column slice: too few warps per SM to keep DRAM busy at decode batches.
  // A kernel fact measured against FP16 on the same GPU, never fitted; 1: as fast as FP16's reads.
  double w4_direct_mem_eff = 1.0;
  std::string w4_kernel_source;  // where the threshold and the read efficiency come from (required with them)
  // Over these links (accelerators.csv `link`) the stack all-reduces a small message by peer
  // access: every rank flags the others, waits at one barrier and reads their partial sums directly
  // (TensorRT-LLM's one-shot custom all-reduce over NVLink P2P), which pays the all-reduce latency
  // once instead of a ring's 2(tp-1) hops. How small depends on the group: peer_allreduce_max_bytes
  // holds (ranks, bytes) pairs, ascending, each meaning "a group of at most `ranks` one-shots a
  // message of at most `bytes`". A group larger than the last entry has no one-shot kernel. Bigger
  // messages (a prefill chunk, a large decode batch) go the two-shot or NCCL way, modelled as the ring.
  std::vector<std::string> peer_allreduce_links;
  std::vector<std::pair<int, double>> peer_allreduce_max_bytes;
  std::string peer_allreduce_source;  // the kernel code both are read from (required with them)
  bool one_shot_allreduce(const std::string& link, double bytes, int ranks) const;
  std::vector<std::string> source_keywords;  // a measurement whose source names one is this stack's
  std::string limits_source;
  // Most a decode step's fixed cost can be, derived from a published measurement (0: no bound
  // beyond calibrate's physical one). Max-throughput tables barely tell a fixed per-step cost from
  // a lower bandwidth efficiency; a batch-1 first-token latency does: one whole pass, weights
  // included, so the fixed cost of an iteration of the same engine is at most what is left.
  double step_overhead_max_s = 0;
  std::string step_overhead_max_source;
};

struct MemoryPolicy {
  double usable_fraction = 0.9;  // share of device memory a serving engine may use
  double runtime_reserve_gib = 1.0;  // per device: runtime, CUDA context / Neuron runtime
  double training_bytes_per_param = 16;
  double max_prefill_tokens = 8192;  // chunked prefill: tokens processed per forward pass
  std::string source;
};

class Efficiency {
 public:
  static Efficiency load(const std::string& path);
  // The same from a file's text; `name` stands for the file in errors (and becomes `path`).
  static Efficiency parse(std::string_view text, const std::string& name);
  // Writes the factors back in the same format (used by `frugal perf calibrate --write`).
  std::string to_toml() const;

  // Family factors, following `inherits`; throws Error for an unknown family.
  const FamilyFactors& family(const std::string& name) const;
  const StackFactors& stack(const std::string& name) const;
  // The stack the advisor assumes for a device (e.g. trt-llm for NVIDIA, neuronx for Neuron).
  const std::string& default_stack(const Accelerator& a) const;
  // Makes `name` the stack assumed on NVIDIA GPUs (what `advise --stack` sets). Throws Error naming the known
  // stacks for an unknown one, and refuses the Neuron default: a GPU is never priced with the
  // overheads of an engine that only runs on NeuronCores.
  void use_gpu_stack(const std::string& name);
  const MemoryPolicy& memory() const { return memory_; }

  // Recomputes the resolved (inheritance-applied) families after families() was edited.
  void resolve();
  // Removes the bounds derived from published measurements (step_overhead_max_ms). A calibration
  // to a user's own rows starts here: those rows are the evidence about their engine, which
  // `frugal bench` rows attribute to the default stack whatever it really is.
  void clear_published_bounds();
  std::map<std::string, FamilyFactors>& families() { return families_; }
  std::map<std::string, StackFactors>& stacks() { return stacks_; }
  const std::map<std::string, FamilyFactors>& families() const { return families_; }
  const std::map<std::string, StackFactors>& stacks() const { return stacks_; }
  std::string path;
  std::string fit_note;  // how the factors were obtained (written by calibrate)

 private:
  std::map<std::string, FamilyFactors> families_;
  std::map<std::string, FamilyFactors> resolved_;  // inherits applied; train_mfu kept per family
  std::map<std::string, StackFactors> stacks_;
  std::string gpu_stack_ = "trt-llm";
  std::string neuron_stack_ = "neuronx";
  MemoryPolicy memory_;
};

}  // namespace frugal
