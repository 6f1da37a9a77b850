// Options shared by every subcommand and the one place output is written.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/output.h"

namespace CLI {
class App;
}

namespace frugal::cli {

struct GlobalOptions {
  std::string format = "table";
  std::string output;    // empty: stdout
  std::string data_dir;  // empty: resolve_data_dir() default
};

// Renders `tables` (table/csv) or `json` (json) to stdout or atomically to --output.
// CSV carries the first table only: one header, one kind of row.
void emit(const GlobalOptions& g, const std::vector<Table>& tables, const nlohmann::json& json);

// "; did you mean '--model'?" for a CLI11 error naming arguments that were not expected (or no
// subcommand, then the first word of `args`), from every subcommand and long option name in
// `app`; "" when nothing is close.
std::string suggest_for_parse_error(const CLI::App& app, const std::string& message, const std::vector<std::string>& args);

// Each command file registers its subcommand(s).
void register_advise(CLI::App& app, GlobalOptions& g);
void register_slurm(CLI::App& app, GlobalOptions& g);  // slurm gres, slurm report
void register_sched(CLI::App& app, GlobalOptions& g);
void add_extender_command(CLI::App* sched, GlobalOptions& g);  // sched extender (cmd_extender.cpp)  // sched serve, submit, jobs, show, logs, cancel
void register_perf(CLI::App& app, GlobalOptions& g);
void register_catalog(CLI::App& app, GlobalOptions& g);
void register_add_model(CLI::App* catalog, GlobalOptions& g);  // catalog add-model
void register_demo(CLI::App& app, GlobalOptions& g);
void register_simulate(CLI::App& app, GlobalOptions& g);
void register_alert(CLI::App& app, GlobalOptions& g);
void register_bill(CLI::App& app, GlobalOptions& g);
void register_agent(CLI::App& app, GlobalOptions& g);
void register_top(CLI::App& app, GlobalOptions& g);
void register_bench(CLI::App& app, GlobalOptions& g);  // bench: load-test a streaming endpoint
void register_serve(CLI::App& app, GlobalOptions& g);  // serve: the web dashboard
void register_docs(CLI::App& app, GlobalOptions& g);   // man, completion: from the CLI tree; register last

}  // namespace frugal::cli
