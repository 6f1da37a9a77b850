// Man pages and shell completions generated from the CLI definitions themselves, so they cannot
// drift from what `frugal --help` says. The build runs `frugal man` and `frugal completion`, and
// `make install` / the .deb install their output.
#pragma once

#include <map>
#include <string>

namespace CLI {
class App;
}

namespace frugal::cli {

// One roff page per top-level subcommand ("frugal-bill.1", nested subcommands as sections) and
// "frugal.1" listing them, keyed by file name.
std::map<std::string, std::string> man_pages(const CLI::App& app, const std::string& version);

// A bash completion script (complete -F) and a zsh one (#compdef) for subcommands and options.
std::string bash_completion(const CLI::App& app);
std::string zsh_completion(const CLI::App& app);

}  // namespace frugal::cli
