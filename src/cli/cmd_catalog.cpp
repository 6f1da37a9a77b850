// `frugal catalog instances|models`: what the advisor knows.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "catalog/catalog.h"
#include "cli/common.h"
#include "core/data_dir.h"
#include "core/units.h"

namespace frugal::cli {
namespace {

Cell opt_money(const std::optional<double>& v) {
  return v ? Cell(fmt::format("${:.4g}", *v), *v) : Cell("-", nullptr);
}

void run_instances(const GlobalOptions& g, bool all) {
  auto cat = Catalog::load(resolve_data_dir(g.data_dir));
  Table t;
  t.title = all ? "Accelerated instance types (us-east-1), usable or not" : "Accelerated instance types the advisor uses (us-east-1)";
  t.columns = {{"instance", "instance"},     {"accelerator", "accelerator"}, {"devices", "devices", true},
               {"memory_gib", "GiB/device", true}, {"on_demand", "on-demand $/h", true}, {"spot", "spot $/h", true},
               {"spot_interruption", "spot risk"},   {"sagemaker", "SageMaker $/h", true}, {"status", "status"}};
  for (const auto& it : cat.instances()) {
    if (!it.accelerated()) continue;
    const std::string why = it.unusable_reason();
    if (!all && !why.empty()) continue;
    t.rows.push_back({Cell(it.name), Cell(it.accelerator ? it.accelerator->id : it.gpu_name),
                      Cell(std::to_string(it.devices), it.devices),
                      Cell(fmt::format("{:.1f}", it.device_memory_gib), it.device_memory_gib), opt_money(it.on_demand_hourly),
                      opt_money(it.spot_hourly), Cell(it.spot_interruption), opt_money(it.sagemaker_hourly),
                      Cell(why.empty() ? "ok" : why)});
  }
  t.notes.push_back("devices: GPUs, or NeuronCores for Inferentia/Trainium. Sources: data/catalog/README.md");
  emit(g, {t}, t.to_json());
}

void run_models(const GlobalOptions& g) {
  auto cat = Catalog::load(resolve_data_dir(g.data_dir));
  Table t;
  t.title = "Models";
  t.columns = {{"name", "model"},   {"kind", "kind"},         {"params", "params", true}, {"active_params", "active", true},
               {"layers", "layers", true}, {"hidden", "hidden", true}, {"kv_heads", "KV heads", true},
               {"max_context", "context", true}, {"source", "source"}};
  for (const auto& m : cat.models()) {
    t.rows.push_back({Cell(m.name), Cell(to_string(m.kind)), Cell(human_count(m.params), m.params),
                      Cell(human_count(m.active_params), m.active_params), Cell(std::to_string(m.layers), m.layers),
                      Cell(std::to_string(m.hidden), m.hidden), Cell(std::to_string(m.kv_heads), m.kv_heads),
                      Cell(std::to_string(m.max_context), m.max_context),
                      Cell(m.source.size() > 60 ? m.source.substr(0, 57) + "..." : m.source, m.source)});
  }
  emit(g, {t}, t.to_json());
}

}  // namespace

void register_catalog(CLI::App& app, GlobalOptions& g) {
  auto* c = app.add_subcommand("catalog", "Show the instance types, prices and models frugal knows");
  c->require_subcommand(1);
  auto all = std::make_shared<bool>(false);
  auto* i = c->add_subcommand("instances", "Accelerated instance types with prices");
  i->add_flag("--all", *all, "Include types the advisor cannot use, with the reason");
  i->callback([&g, all] { run_instances(g, *all); });
  c->add_subcommand("models", "Model architectures")->callback([&g] { run_models(g); });
}

}  // namespace frugal::cli
