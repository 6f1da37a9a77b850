// `frugal man --dir DIR` and `frugal completion bash|zsh`: documentation generated from the CLI
// tree (cli_docs.h). Registered last, so the tree is complete when they run.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli/cli_docs.h"
#include "cli/common.h"
#include "core/error.h"

namespace frugal::cli {

void register_docs(CLI::App& app, GlobalOptions& g) {
  auto dir = std::make_shared<std::string>();
  auto* man = app.add_subcommand("man", "Write frugal's man pages (frugal.1, frugal-COMMAND.1) into a folder");
  man->add_option("--dir", *dir, "Folder to write the pages into (created if missing)")->required();
  man->callback([&app, dir] {
    std::filesystem::create_directories(*dir);
    for (const auto& [name, page] : man_pages(app, fmt::format("frugal {}", FRUGAL_VERSION))) write_file_atomic(*dir + "/" + name, page);
  });

  auto shell = std::make_shared<std::string>();
  auto* comp = app.add_subcommand("completion", "Print a shell completion script (bash or zsh)");
  comp->add_option("shell", *shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  comp->callback([&app, &g, shell] {
    const std::string script = *shell == "bash" ? bash_completion(app) : zsh_completion(app);
    if (g.output.empty()) {
      std::cout << script;
    } else {
      write_file_atomic(g.output, script);
    }
  });
}

}  // namespace frugal::cli
