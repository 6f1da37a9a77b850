// A model from its Hugging Face config.json: the architecture fields frugal's performance model
// needs, with parameter counts computed from the tensor shapes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/model.h"

namespace frugal {

struct HfImport {
  ModelSpec model;
  std::string architecture;           // "llama", "deepseek_v3", ... (the config's model_type)
  std::vector<std::string> notes;     // what was counted and left out ("vision tower not counted")
};

// Reads `config` (a parsed config.json) as model `name`. Known model_type values: llama,
// mistral, qwen2, qwen3, phi3, gemma, gemma2, gemma3(_text), mixtral, qwen2_moe, qwen3_moe,
// deepseek_v2, deepseek_v3, gpt_oss, bert, roberta, xlm-roberta. Throws Error naming `file` and
// the field for an unknown architecture or a missing/invalid field.
HfImport import_hf_config(const nlohmann::json& config, const std::string& name, const std::string& file);

// The model file (data/models/*.toml format) for `m`, with a comment line per note.
std::string model_toml(const ModelSpec& m, const std::vector<std::string>& notes);

// Lower-case, file-name-safe form of a model name ("Llama-3.1-8B" -> "llama-3.1-8b").
std::string model_file_stem(const std::string& name);

}  // namespace frugal
