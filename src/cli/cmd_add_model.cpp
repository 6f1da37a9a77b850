// `frugal catalog add-model config.json`: a model from its Hugging Face config, written to the
// user's model folder where advise finds it.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalog/catalog.h"
#include "catalog/hf_config.h"
#include "cli/catalog_open.h"
#include "cli/common.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/output.h"
#include "core/units.h"

namespace frugal::cli {
namespace {

struct AddModelOptions {
  std::string config, name, source, dir;
  std::vector<std::string> aliases;
  bool force = false;
};

void run_add_model(const GlobalOptions& g, const AddModelOptions& o) {
  std::ifstream in(o.config, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot read the file", o.config));
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    // byte offset -> line:column for the one-line error.
    const std::string text = ss.str();
    const std::size_t at = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    int line = 1, col = 1;
    for (std::size_t i = 0; i < at; ++i) {
      if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
    }
    fail_at({o.config, line, col}, "expected a JSON object (a Hugging Face config.json)");
  }
  std::string name = o.name;
  if (name.empty()) {
    // The folder a config.json sits in is its repository name; a bare file names itself.
    const auto p = std::filesystem::path(o.config);
    name = p.stem() == "config" && p.has_parent_path() ? p.parent_path().filename().string() : p.stem().string();
  }
  if (name.empty()) throw Error("--name: cannot tell the model's name from the path; pass --name");
  HfImport imp = import_hf_config(j, model_file_stem(name), o.config);
  imp.model.aliases = o.aliases;
  if (name != imp.model.name) imp.model.aliases.insert(imp.model.aliases.begin(), name);
  imp.model.source = o.source.empty() ? fmt::format("frugal catalog add-model {} (Hugging Face config.json, {})", o.config, imp.architecture)
                                      : o.source;
  const std::string dir = o.dir.empty() ? user_data_dir() + "/models" : o.dir;
  const std::string path = dir + "/" + model_file_stem(name) + ".toml";
  const std::string data_dir = resolve_data_dir(g.data_dir);
  {
    auto cat = open_catalog(data_dir);
    const ModelSpec* existing = cat.find_model(imp.model.name);
    if (existing && !o.force && existing->file != path) {
      throw Error(fmt::format("a model named '{}' exists ({}); pass --name or --force to shadow it", imp.model.name, existing->file));
    }
  }
  std::filesystem::create_directories(dir);
  write_file_atomic(path, model_toml(imp.model, imp.notes));
  // Read it back the way advise will: a file the catalog cannot load must not stay behind.
  try {
    Catalog::load_model(path);
  } catch (...) {
    std::filesystem::remove(path);
    throw;
  }
  const ModelSpec& m = imp.model;
  Table t;
  t.title = fmt::format("Added model {} ({})", m.name, imp.architecture);
  t.columns = {{"field", "field"}, {"value", "value"}};
  t.rows = {{Cell("params"), Cell(human_count(m.params), m.params)},
            {Cell("active params"), Cell(human_count(m.active_params), m.active_params)},
            {Cell("layers / hidden / heads / KV heads"), Cell(fmt::format("{} / {} / {} / {}", m.layers, m.hidden, m.heads, m.kv_heads))},
            {Cell("context window"), Cell(std::to_string(m.max_context), m.max_context)},
            {Cell("experts"), Cell(m.experts ? fmt::format("{} ({} active, {} shared)", m.experts, m.active_experts, m.shared_experts) : "dense")},
            {Cell("file"), Cell(path)}};
  for (const auto& n : imp.notes) t.notes.push_back(n);
  t.notes.push_back(fmt::format("frugal advise --model {} now uses it", m.name));
  emit(g, {t}, t.to_json());
}

}  // namespace

void register_add_model(CLI::App* catalog, GlobalOptions& g) {
  auto o = std::make_shared<AddModelOptions>();
  auto* c = catalog->add_subcommand("add-model", "Add a model from its Hugging Face config.json");
  c->add_option("config", o->config, "Path to config.json")->required();
  c->add_option("--name", o->name, "Model name (default: the config's folder name)");
  c->add_option("--alias", o->aliases, "Other names to accept (repeatable), e.g. a Hugging Face id");
  c->add_option("--source", o->source, "Where the config came from (stored in the model file)");
  c->add_option("--dir", o->dir, "Folder to write to (default: $FRUGAL_HOME/models or ~/.local/share/frugal/models)");
  c->add_flag("--force", o->force, "Replace a model of the same name");
  c->callback([&g, o] { run_add_model(g, *o); });
}

}  // namespace frugal::cli
