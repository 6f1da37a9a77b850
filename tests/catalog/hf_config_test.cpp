// Hugging Face config.json import: parameter counts computed from the tensor shapes match the
// totals their publishers state, for every bundled family (data/models/hf/published_params.csv).
#include "catalog/hf_config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "catalog/catalog.h"
#include "core/csv.h"
#include "core/error.h"
#include "test_util.h"

using namespace frugal;

namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

std::string error_of(const nlohmann::json& j) {
  try {
    import_hf_config(j, "m", "config.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(HfConfig, ParameterCountsMatchPublishedTotals) {
  const std::string dir = std::string(FRUGAL_TEST_DATA_DIR) + "/models/hf/";
  auto t = CsvTable::load(dir + "published_params.csv");
  ASSERT_GE(t.size(), 20u);
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto r = t.row(i);
    const auto imp = import_hf_config(read_json(dir + r.get("config")), r.get("name"), r.get("config"));
    const double published = r.number("published_params");
    EXPECT_NEAR(imp.model.params / published, 1.0, 0.02) << r.get("name") << ": " << imp.model.params;
    if (auto active = r.optional_number("published_active")) {
      // Some publishers leave the input embedding table out of "active" (a lookup, not a matmul).
      double ours = imp.model.active_params;
      if (r.get("active_counts_embeddings") == "no") ours -= static_cast<double>(imp.model.vocab) * imp.model.hidden;
      EXPECT_NEAR(ours / *active, 1.0, 0.03) << r.get("name") << ": active " << ours;
      EXPECT_TRUE(imp.model.is_moe()) << r.get("name");
    } else {
      EXPECT_DOUBLE_EQ(imp.model.active_params, imp.model.params) << r.get("name");
    }
  }
}

TEST(HfConfig, ArchitectureFeaturesAreRead) {
  const std::string dir = std::string(FRUGAL_TEST_DATA_DIR) + "/models/hf/";
  // MLA: kv_lora_rank 512 + rope 64 cached per token per layer.
  auto v3 = import_hf_config(read_json(dir + "DeepSeek-V3/config.json"), "v3", "c");
  EXPECT_EQ(v3.model.kv_latent_dim, 576);
  EXPECT_EQ(v3.model.kv_rope_dim, 64);
  EXPECT_EQ(v3.model.head_dim, 192);
  EXPECT_EQ(v3.model.v_head_dim, 128);
  EXPECT_EQ(v3.model.experts, 256);
  EXPECT_EQ(v3.model.active_experts, 8);
  EXPECT_EQ(v3.model.shared_experts, 1);
  // Gemma 3: text_config nested, tied embeddings, 5 of every 6 layers local (1024 tokens).
  auto g3 = import_hf_config(read_json(dir + "gemma-3-27b-it/config.json"), "g3", "c");
  EXPECT_EQ(g3.model.sliding_window, 1024);
  EXPECT_EQ(g3.model.sliding_window_layers, 62 - 62 / 6);
  EXPECT_EQ(g3.model.max_context, 131072);
  // gpt-oss: alternating sliding (128) and full layers, from layer_types.
  auto oss = import_hf_config(read_json(dir + "gpt-oss-120b/config.json"), "oss", "c");
  EXPECT_EQ(oss.model.sliding_window_layers, 18);
  // ... published in MXFP4 in its experts only (modules_to_not_convert keeps self_attn), untied.
  EXPECT_EQ(oss.model.quantized, ModelSpec::Quantized::kExperts);
  EXPECT_FALSE(oss.model.tied_embeddings);
  EXPECT_NE(model_toml(oss.model, oss.notes).find("quantized = \"experts\""), std::string::npos);
  EXPECT_TRUE(g3.model.tied_embeddings);
  EXPECT_NE(model_toml(g3.model, g3.notes).find("tied_embeddings = true"), std::string::npos);
  // A dense model's quantization_config never narrows what a quantized precision covers.
  auto l3 = import_hf_config(read_json(dir + "Llama-3.3-70B-Instruct/config.json"), "l3", "c");
  EXPECT_EQ(l3.model.quantized, ModelSpec::Quantized::kLinear);
  // Qwen2.5 declares a window but does not use it.
  auto q = import_hf_config(read_json(dir + "Qwen2.5-7B-Instruct/config.json"), "q", "c");
  EXPECT_EQ(q.model.sliding_window, 0);
  EXPECT_EQ(q.model.max_context, 32768);
  // Encoders.
  auto bert = import_hf_config(read_json(dir + "bert-base-uncased/config.json"), "b", "c");
  EXPECT_EQ(bert.model.kind, ModelKind::kEncoder);
  EXPECT_EQ(bert.model.max_context, 512);
}

TEST(HfConfig, SlidingWindowCapsTheKvCache) {
  ModelSpec m;
  m.layers = 4;
  m.sliding_window = 100;
  m.sliding_window_layers = 2;
  EXPECT_DOUBLE_EQ(m.kv_layer_tokens(50), 4 * 50.0);
  EXPECT_DOUBLE_EQ(m.kv_layer_tokens(1000), 2 * 1000.0 + 2 * 100.0);
}

TEST(HfConfig, WhatCannotBeModelledIsAClearError) {
  EXPECT_EQ(error_of({{"model_type", "mamba"}, {"hidden_size", 768}}).rfind("config.json: field 'model_type' is 'mamba', an architecture frugal cannot model (known: ", 0), 0u)
      << error_of({{"model_type", "mamba"}});
  EXPECT_EQ(error_of({{"hidden_size", 768}}), "config.json: missing field 'model_type'");
  EXPECT_EQ(error_of({{"model_type", "llama"}, {"hidden_size", 4096}, {"num_hidden_layers", 32}, {"num_attention_heads", 32},
                      {"vocab_size", 32000}, {"max_position_embeddings", 4096}}),
            "config.json: missing field 'intermediate_size'");
  EXPECT_EQ(error_of({{"model_type", "llama"}, {"hidden_size", "big"}}), "config.json: field 'hidden_size' must be a number");
  EXPECT_EQ(error_of({{"model_type", "mixtral"}, {"hidden_size", 64}, {"num_hidden_layers", 2}, {"num_attention_heads", 4},
                      {"vocab_size", 10}, {"max_position_embeddings", 64}, {"intermediate_size", 128},
                      {"num_local_experts", 2}, {"num_experts_per_tok", 3}}),
            "config.json: expected 0 < experts per token <= experts");
  EXPECT_NE(error_of(nlohmann::json::array()).find("expected a JSON object"), std::string::npos);
}

TEST(HfConfig, WrittenModelFileLoadsBackTheSame) {
  const std::string dir = std::string(FRUGAL_TEST_DATA_DIR) + "/models/hf/";
  auto imp = import_hf_config(read_json(dir + "Mixtral-8x7B-Instruct-v0.1/config.json"), "mixtral-test", "c");
  imp.model.aliases = {"org/Mixtral \"quoted\""};
  imp.model.source = "test";
  const std::string path = write_temp("frugal_hf_model.toml", model_toml(imp.model, imp.notes));
  const ModelSpec back = Catalog::load_model(path);
  EXPECT_EQ(back.name, "mixtral-test");
  EXPECT_EQ(back.aliases, imp.model.aliases);
  EXPECT_NEAR(back.params / imp.model.params, 1.0, 1e-6);
  EXPECT_NEAR(back.active_params / imp.model.active_params, 1.0, 1e-6);
  EXPECT_EQ(back.experts, 8);
  EXPECT_EQ(back.active_experts, 2);
  EXPECT_EQ(model_file_stem("Org/Llama 3.1-8B"), "org-llama-3.1-8b");
}
