// `frugal demo`: the main job on bundled data, no set-up needed.
#include <CLI/CLI.hpp>

#include <iostream>

#include "advise/workload.h"
#include "cli/advise_render.h"
#include "cli/common.h"
#include "core/data_dir.h"

namespace frugal::cli {
// cmd_bill.cpp: writes a synthetic bill to a temporary folder and analyses it.
void run_bill_demo(const GlobalOptions& g);
}  // namespace frugal::cli

namespace frugal::cli {

void register_demo(CLI::App& app, GlobalOptions& g) {
  auto* c = app.add_subcommand("demo", "Run frugal's main jobs on bundled data (advise on the demo workloads, bill on a synthetic bill)");
  c->callback([&g] {
    const std::string dir = resolve_data_dir(g.data_dir);
    auto ws = load_workloads(dir + "/demo/workloads.toml");
    if (g.format == "table") std::cout << "== frugal advise: bundled workloads (data/demo/workloads.toml) ==\n\n";
    run_advice(g, ws, 5, false);
    if (g.format == "table" && g.output.empty()) {
      std::cout << "\n== frugal advise --compare-seed ==\n\n";
      run_compare_seed(g, std::nullopt, std::nullopt);
      std::cout << "\n== frugal bill synth + frugal bill: a synthetic 60-day GPU-fleet bill with two injected incidents ==\n\n";
      run_bill_demo(g);
    }
  });
}

}  // namespace frugal::cli
