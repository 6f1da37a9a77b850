// Architecture figures of a model (data/models/*.toml), enough for FLOPs, bytes and KV cache.
#pragma once

#include <string>
#include <vector>

namespace frugal {

enum class ModelKind { kDecoder, kEncoder, kVision };

struct ModelSpec {
  std::string name;
  std::vector<std::string> aliases;
  ModelKind kind = ModelKind::kDecoder;
  double params = 0;         // all parameters (memory)
  double active_params = 0;  // parameters used per token (FLOPs); == params for dense models
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;         // hidden / heads unless given; MLA: the query/key head (nope + rope)
  int kv_latent_dim = 0;    // MLA: elements cached per token per layer (replaces 2*kv_heads*head_dim)
  int kv_rope_dim = 0;      // MLA: the decoupled RoPE key's part of the latent (the rest is kv_lora_rank)
  int v_head_dim = 0;       // MLA: the value head (required with kv_latent_dim)
  int ffn = 0;
  int experts = 0;          // routed experts (MoE), 0 for dense
  int active_experts = 0;   // routed experts per token
  int shared_experts = 0;
  int vocab = 0;
  bool tied_embeddings = false;  // the output projection is the input embedding table (one copy)
  // Which parameters a weight-quantized precision (fp8, int8, int4) stores at its width; the rest
  // stay 16-bit. kLinear: the blocks' linear layers (TensorRT-LLM/ModelOpt FP8 and INT4-AWQ, GPTQ:
  // the embedding table is a lookup, not a quantized layer, and ModelOpt's default configs leave
  // "*lm_head*" unquantized). kExperts: only the routed experts (gpt-oss's MXFP4 checkpoint lists
  // self_attn, the router, embed_tokens and lm_head in modules_to_not_convert).
  enum class Quantized { kLinear, kExperts };
  Quantized quantized = Quantized::kLinear;
  int max_context = 0;
  int sliding_window = 0;         // tokens a sliding-window layer attends to (and caches); 0: none
  int sliding_window_layers = 0;  // how many of the layers use the window (the rest attend fully)
  int default_sequence = 0;    // encoders: tokens per request when the workload gives none
  double flops_per_sample = 0; // vision models: forward FLOPs per input
  std::string source;
  std::string file;

  bool is_moe() const { return experts > 0; }
  bool is_mla() const { return kv_latent_dim > 0; }
  // KV-cache elements stored per token per layer (K and V, all KV heads; or the MLA latent).
  double kv_elements_per_token_per_layer() const;
  // Layer-tokens of KV cache one sequence of `context` tokens holds: full-attention layers cache
  // every token, sliding-window layers at most the window.
  double kv_layer_tokens(double context) const;
  // Parameters of one routed expert (all layers), derived from total/active counts.
  double params_per_expert() const;
  // Decoders: the input embedding table (vocab x hidden), and the separate output projection
  // (the same size, or none when tied). Encoders and vision models: 0 (not modelled apart).
  double embedding_params() const;
  double head_params() const;
};

const char* to_string(ModelKind k);

}  // namespace frugal
