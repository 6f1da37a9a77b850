#include "catalog/model.h"

#include <algorithm>

namespace frugal {

double ModelSpec::kv_elements_per_token_per_layer() const {
  if (kv_latent_dim > 0) return kv_latent_dim;
  return 2.0 * kv_heads * head_dim;
}

double ModelSpec::kv_layer_tokens(double context) const {
  const int windowed = sliding_window > 0 ? sliding_window_layers : 0;
  return (layers - windowed) * context + windowed * std::min<double>(context, sliding_window);
}

double ModelSpec::params_per_expert() const {
  if (!is_moe() || experts <= active_experts) return 0;
  // total - active = (experts - active_experts) * per_expert
  return (params - active_params) / static_cast<double>(experts - active_experts);
}

double ModelSpec::embedding_params() const {
  return kind == ModelKind::kDecoder ? static_cast<double>(vocab) * hidden : 0;
}

double ModelSpec::head_params() const { return tied_embeddings ? 0 : embedding_params(); }

const char* to_string(ModelKind k) {
  switch (k) {
    case ModelKind::kDecoder: return "decoder";
    case ModelKind::kEncoder: return "encoder";
    case ModelKind::kVision: return "vision";
  }
  return "?";
}

}  // namespace frugal
