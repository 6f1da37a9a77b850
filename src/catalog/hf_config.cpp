#include "catalog/hf_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/error.h"

namespace frugal {
namespace {

using json = nlohmann::json;

const std::set<std::string> kDense = {"llama", "mistral", "qwen2", "qwen3", "phi3", "gemma", "gemma2", "gemma3_text"};
const std::set<std::string> kMoe = {"mixtral", "qwen2_moe", "qwen3_moe", "deepseek_v2", "deepseek_v3", "gpt_oss"};
const std::set<std::string> kEncoder = {"bert", "roberta", "xlm-roberta"};

constexpr double kMaxField = 1e9;
constexpr double kMaxLayers = 10000;

// A derived size as int; every input is bounded by kMaxField, products are checked here.
int as_int(double v, const std::string& file) {
  if (!(v >= 0 && v <= 2147483647.0)) throw Error(fmt::format("{}: a derived size ({:g}) is out of range", file, v));
  return static_cast<int>(v);
}

class Fields {
 public:
  Fields(const json& j, std::string file) : j_(j), file_(std::move(file)) {}
  bool has(const char* k) const { return j_.contains(k) && !j_[k].is_null(); }
  double num(const char* k) const {
    if (!has(k)) throw Error(fmt::format("{}: missing field '{}'", file_, k));
    if (!j_[k].is_number()) throw Error(fmt::format("{}: field '{}' must be a number", file_, k));
    const double v = j_[k].get<double>();
    if (!(v >= 0)) throw Error(fmt::format("{}: field '{}' must not be negative", file_, k));
    // Every size in a config is far below this; larger is corruption, not a model.
    if (v > kMaxField) throw Error(fmt::format("{}: field '{}' is implausibly large ({:g})", file_, k, v));
    return v;
  }
  double num(const char* k, double dflt) const { return has(k) ? num(k) : dflt; }
  bool flag(const char* k, bool dflt) const {
    if (!has(k)) return dflt;
    if (!j_[k].is_boolean()) throw Error(fmt::format("{}: field '{}' must be true or false", file_, k));
    return j_[k].get<bool>();
  }
  const json& raw(const char* k) const { return j_[k]; }

 private:
  const json& j_;
  std::string file_;
};

}  // namespace

std::string model_file_stem(const std::string& name) {
  std::string out;
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    out += std::isalnum(u) || c == '.' || c == '-' || c == '_' ? static_cast<char>(std::tolower(u)) : '-';
  }
  return out;
}

namespace {
HfImport import_checked(const json& config, const std::string& name, const std::string& file);
}  // namespace

HfImport import_hf_config(const json& config, const std::string& name, const std::string& file) {
  try {
    return import_checked(config, name, file);
  } catch (const nlohmann::json::exception& e) {
    // A field of the wrong JSON type ("model_type": 3): say so in one line, as for any bad input.
    throw Error(fmt::format("{}: unexpected field type ({})", file, e.what()));
  }
}

namespace {
HfImport import_checked(const json& config, const std::string& name, const std::string& file) {
  if (!config.is_object()) throw Error(fmt::format("{}: expected a JSON object (a Hugging Face config.json)", file));
  HfImport out;
  std::string type = config.value("model_type", "");
  const json* body = &config;
  // Multimodal configs (Gemma 3, Llama 4 style) nest the language model in text_config.
  if (config.contains("text_config") && config["text_config"].is_object()) {
    body = &config["text_config"];
    type = body->value("model_type", type);
    out.notes.push_back("language model from text_config; the vision tower is not counted");
  }
  if (type == "gemma3") type = "gemma3_text";
  if (type.empty()) throw Error(fmt::format("{}: missing field 'model_type'", file));
  if (!kDense.count(type) && !kMoe.count(type) && !kEncoder.count(type)) {
    std::string known;
    for (const auto* s : {&kDense, &kMoe, &kEncoder}) {
      for (const auto& k : *s) known += (known.empty() ? "" : ", ") + k;
    }
    throw Error(fmt::format("{}: field 'model_type' is '{}', an architecture frugal cannot model (known: {})", file, type, known));
  }
  out.architecture = type;
  const Fields f(*body, file);
  ModelSpec& m = out.model;
  m.name = name;
  const double H = f.num("hidden_size"), L = f.num("num_hidden_layers"), nh = f.num("num_attention_heads");
  const double V = f.num("vocab_size");
  if (L > kMaxLayers) throw Error(fmt::format("{}: field 'num_hidden_layers' is implausibly large ({:g})", file, L));
  if (H <= 0 || L <= 0 || nh <= 0 || V <= 0) throw Error(fmt::format("{}: hidden_size, num_hidden_layers, num_attention_heads and vocab_size must be positive", file));
  m.hidden = as_int(H, file);
  m.layers = as_int(L, file);
  m.heads = as_int(nh, file);
  m.vocab = as_int(V, file);
  m.max_context = as_int(f.num("max_position_embeddings", 0), file);
  if (m.max_context <= 0) throw Error(fmt::format("{}: missing field 'max_position_embeddings' (the context window)", file));

  if (kEncoder.count(type)) {
    m.kind = ModelKind::kEncoder;
    const double I = f.num("intermediate_size");
    m.kv_heads = m.heads;
    m.head_dim = as_int(H / nh, file);
    m.ffn = as_int(I, file);
    const double emb = V * H + m.max_context * H + f.num("type_vocab_size", 2) * H + 2 * H;
    const double layer = 4 * (H * H + H) + 2 * H + (H * I + I) + (I * H + H) + 2 * H;
    const double pooler = H * H + H;
    m.params = m.active_params = emb + L * layer + pooler;
    m.default_sequence = std::min(m.max_context, 128);
    out.notes.push_back("encoder: embeddings (token, position, type), layers and pooler counted");
    return out;
  }

  m.kind = ModelKind::kDecoder;
  const double nkv = f.num("num_key_value_heads", nh);
  const double hd = f.num("head_dim", H / nh);
  m.kv_heads = as_int(nkv, file);
  m.head_dim = as_int(hd, file);
  const bool gemma = type.rfind("gemma", 0) == 0;
  const bool tied = f.flag("tie_word_embeddings", gemma);
  const double embeddings = V * H * (tied ? 1 : 2);
  m.tied_embeddings = tied;
  if (tied) out.notes.push_back("tied input and output embeddings counted once");

  // Attention per layer.
  double attn = 0;
  if (type == "deepseek_v2" || type == "deepseek_v3") {
    const double ql = f.num("q_lora_rank", 0), kvl = f.num("kv_lora_rank");
    const double nope = f.num("qk_nope_head_dim"), rope = f.num("qk_rope_head_dim"), vd = f.num("v_head_dim");
    attn = ql > 0 ? H * ql + ql + ql * nh * (nope + rope) : H * nh * (nope + rope);
    attn += H * (kvl + rope) + kvl + kvl * nh * (nope + vd) + nh * vd * H;
    m.kv_latent_dim = as_int(kvl + rope, file);
    m.kv_rope_dim = as_int(rope, file);
    m.head_dim = as_int(nope + rope, file);
    m.v_head_dim = as_int(vd, file);
    out.notes.push_back(fmt::format("MLA: {} latent + {} rope elements cached per token per layer", kvl, rope));
  } else {
    attn = H * nh * hd + 2 * H * nkv * hd + nh * hd * H;
    // Qwen2 has q/k/v biases; attention_bias (Llama-style, gpt-oss) puts a bias on q, k, v and o.
    const bool all_bias = f.flag("attention_bias", type == "gpt_oss");
    if (all_bias || type == "qwen2" || type == "qwen2_moe") attn += nh * hd + 2 * nkv * hd;
    if (all_bias) attn += H;
    if (type == "qwen3" || type == "qwen3_moe" || type == "gemma3_text") attn += 2 * hd;  // q_norm, k_norm
    if (type == "gpt_oss") attn += nh;                                                      // attention sinks
  }
  const double norms = (type == "gemma2" || type == "gemma3_text" ? 4 : 2) * H;

  // Feed-forward per layer; MoE layers counted apart.
  const double I = f.num("intermediate_size", 0);
  double dense_ffn = 3 * H * I;
  double expert = 0, shared = 0, router = 0, E = 0, k = 0;
  int moe_layers = 0;
  if (type == "mixtral") {
    E = f.num("num_local_experts");
    k = f.num("num_experts_per_tok");
    expert = 3 * H * I;
    router = H * E;
    moe_layers = m.layers;
  } else if (type == "qwen2_moe" || type == "qwen3_moe") {
    E = f.num("num_experts");
    k = f.num("num_experts_per_tok");
    const double mi = f.num("moe_intermediate_size");
    expert = 3 * H * mi;
    router = H * E;
    const double si = f.num("shared_expert_intermediate_size", 0);
    if (si > 0) {
      shared = 3 * H * si + H;  // shared expert and its gate
      m.shared_experts = 1;
    }
    const int step = as_int(f.num("decoder_sparse_step", 1), file);
    if (step < 1) throw Error(fmt::format("{}: field 'decoder_sparse_step' must be at least 1", file));
    int only_mlp = 0;
    if (f.has("mlp_only_layers") && f.raw("mlp_only_layers").is_array()) only_mlp = static_cast<int>(f.raw("mlp_only_layers").size());
    for (int l = 0; l < m.layers; ++l) moe_layers += (l + 1) % step == 0;
    moe_layers = std::max(0, moe_layers - only_mlp);
  } else if (type == "deepseek_v2" || type == "deepseek_v3") {
    E = f.num("n_routed_experts");
    k = f.num("num_experts_per_tok");
    const double mi = f.num("moe_intermediate_size");
    expert = 3 * H * mi;
    const double ns = f.num("n_shared_experts", 0);
    shared = ns * 3 * H * mi;
    m.shared_experts = as_int(ns, file);
    router = H * E + (type == "deepseek_v3" ? E : 0);  // v3 adds a routing bias per expert
    const int dense_layers = as_int(f.num("first_k_dense_replace", 0), file);
    if (dense_layers > m.layers) throw Error(fmt::format("{}: field 'first_k_dense_replace' exceeds num_hidden_layers", file));
    moe_layers = m.layers - dense_layers;
    if (f.num("num_nextn_predict_layers", 0) > 0) {
      out.notes.push_back("multi-token-prediction layers are not counted (not used for plain decoding)");
    }
  } else if (type == "gpt_oss") {
    E = f.num("num_local_experts");
    k = f.num("num_experts_per_tok", f.num("experts_per_token", 0));
    expert = H * 2 * I + 2 * I + I * H + H;  // fused gate/up with bias, down with bias
    router = H * E + E;
    moe_layers = m.layers;
  }
  if (moe_layers > 0 && (E <= 0 || k <= 0 || k > E)) throw Error(fmt::format("{}: expected 0 < experts per token <= experts", file));
  const int dense_layers = m.layers - moe_layers;
  if (dense_layers > 0 && I <= 0) throw Error(fmt::format("{}: missing field 'intermediate_size'", file));
  const double per_layer_common = attn + norms;
  m.params = embeddings + H + L * per_layer_common + dense_layers * dense_ffn + moe_layers * (E * expert + shared + router);
  m.active_params = m.params - moe_layers * (E - k) * expert;
  if (moe_layers > 0) {
    m.experts = as_int(E, file);
    m.active_experts = as_int(k, file);
    m.ffn = as_int(expert / (3 * H) * k, file);
  } else {
    m.ffn = as_int(I, file);
  }
  // A checkpoint published quantized that keeps attention out of it (gpt-oss: MXFP4 experts,
  // modules_to_not_convert self_attn, router, embed_tokens, lm_head) is quantized in its experts only.
  if (moe_layers > 0 && body->contains("quantization_config") && (*body)["quantization_config"].is_object()) {
    const auto& q = (*body)["quantization_config"];
    bool attention_kept = false;
    if (q.contains("modules_to_not_convert") && q["modules_to_not_convert"].is_array()) {
      for (const auto& e : q["modules_to_not_convert"]) {
        attention_kept = attention_kept || (e.is_string() && e.get<std::string>().find("self_attn") != std::string::npos);
      }
    }
    if (attention_kept) {
      m.quantized = ModelSpec::Quantized::kExperts;
      out.notes.push_back("published quantized in the routed experts only (attention, router, embeddings, lm_head 16-bit)");
    }
  }

  // Sliding-window attention: which layers use the window.
  const double window = f.num("sliding_window", 0);
  if (window > 0 && window < m.max_context) {
    int windowed = 0;
    if (body->contains("layer_types") && (*body)["layer_types"].is_array()) {
      for (const auto& t : (*body)["layer_types"]) windowed += t.is_string() && t.get<std::string>() == "sliding_attention";
    } else if (type == "gemma2") {
      windowed = m.layers / 2;  // alternating local/global layers
    } else if (type == "gemma3_text") {
      const int pattern = as_int(f.num("sliding_window_pattern", 6), file);
      windowed = pattern > 0 ? m.layers - m.layers / pattern : 0;
    } else if (f.flag("use_sliding_window", type == "mistral")) {
      windowed = m.layers;
    }
    windowed = std::min(windowed, m.layers);
    if (windowed > 0) {
      m.sliding_window = as_int(window, file);
      m.sliding_window_layers = windowed;
      out.notes.push_back(fmt::format("sliding window of {} tokens on {} of {} layers", m.sliding_window, windowed, m.layers));
    }
  }
  return out;
}
}  // namespace

std::string model_toml(const ModelSpec& m, const std::vector<std::string>& notes) {
  auto q = [](const std::string& s) {
    std::string o = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') o += '\\';
      o += c;
    }
    return o + "\"";
  };
  std::string t;
  for (const auto& n : notes) t += "# " + n + "\n";
  t += fmt::format("name = {}\n", q(m.name));
  if (!m.aliases.empty()) {
    t += "aliases = [";
    for (std::size_t i = 0; i < m.aliases.size(); ++i) t += (i ? ", " : "") + q(m.aliases[i]);
    t += "]\n";
  }
  t += fmt::format("kind = {}\n", q(to_string(m.kind)));
  t += fmt::format("params = {:.6e}\n", m.params);
  if (m.active_params != m.params) t += fmt::format("active_params = {:.6e}\n", m.active_params);
  t += fmt::format("layers = {}\nhidden = {}\nheads = {}\nkv_heads = {}\nhead_dim = {}\n", m.layers, m.hidden, m.heads,
                   m.kv_heads, m.head_dim);
  if (m.kv_latent_dim) {
    t += fmt::format("kv_latent_dim = {}\nkv_rope_dim = {}\nv_head_dim = {}\n", m.kv_latent_dim, m.kv_rope_dim,
                     m.v_head_dim);
  }
  t += fmt::format("ffn = {}\n", m.ffn);
  if (m.experts) t += fmt::format("experts = {}\nactive_experts = {}\n", m.experts, m.active_experts);
  if (m.shared_experts) t += fmt::format("shared_experts = {}\n", m.shared_experts);
  t += fmt::format("vocab = {}\nmax_context = {}\n", m.vocab, m.max_context);
  if (m.tied_embeddings) t += "tied_embeddings = true\n";
  if (m.quantized == ModelSpec::Quantized::kExperts) t += "quantized = \"experts\"\n";
  if (m.sliding_window) t += fmt::format("sliding_window = {}\nsliding_window_layers = {}\n", m.sliding_window, m.sliding_window_layers);
  if (m.default_sequence) t += fmt::format("default_sequence = {}\n", m.default_sequence);
  t += fmt::format("source = {}\n", q(m.source));
  return t;
}

}  // namespace frugal
