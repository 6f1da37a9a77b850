// The `frugal` executable: parses the command line and hands over to the library.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "cli/common.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"frugal: find and remove wasted money in GPU and AI-accelerator workloads on AWS"};
  app.require_subcommand(1);
  app.fallthrough();
  frugal::cli::GlobalOptions g;
  app.add_option("--format", g.format, "Output format: table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  app.add_option("-o,--output", g.output, "Write output to FILE (atomically) instead of stdout");
  app.add_option("--data-dir", g.data_dir, "Folder with frugal's data (default: the bundled data/)");
  app.set_version_flag("--version", "frugal " FRUGAL_VERSION);

  frugal::cli::register_advise(app, g);
  frugal::cli::register_perf(app, g);
  frugal::cli::register_catalog(app, g);
  frugal::cli::register_simulate(app, g);
  frugal::cli::register_bill(app, g);
  frugal::cli::register_alert(app, g);
  frugal::cli::register_agent(app, g);
  frugal::cli::register_top(app, g);
  frugal::cli::register_sched(app, g);
  frugal::cli::register_slurm(app, g);
  frugal::cli::register_bench(app, g);
  frugal::cli::register_demo(app, g);
  frugal::cli::register_serve(app, g);
  frugal::cli::register_docs(app, g);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, like every other error, with the nearest known names for a mistyped one.
    std::cerr << "frugal: " << e.what() << frugal::cli::suggest_for_parse_error(app, e.what(), std::vector<std::string>(argv + 1, argv + argc)) << " (see frugal --help)\n";
    return 2;
  } catch (const frugal::NoResultError& e) {
    std::cerr << "frugal: " << e.what() << "\n";
    return 4;
  } catch (const frugal::InputError& e) {
    // An input file that does not parse: file:line:column and what was expected.
    std::cerr << "frugal: " << e.what() << "\n";
    return 2;
  } catch (const frugal::Error& e) {
    std::cerr << "frugal: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "frugal: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
