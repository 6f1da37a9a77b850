#include "cli/common.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <sstream>

#include "core/suggest.h"

namespace frugal::cli {

void emit(const GlobalOptions& g, const std::vector<Table>& tables, const nlohmann::json& json) {
  const OutputFormat f = parse_output_format(g.format);
  std::ostringstream out;
  if (f == OutputFormat::kJson) {
    out << json.dump(2) << "\n";
  } else if (f == OutputFormat::kCsv) {
    if (!tables.empty()) render_csv(tables.front(), out);
  } else {
    for (std::size_t i = 0; i < tables.size(); ++i) {
      if (i) out << "\n";
      render_table(tables[i], out);
    }
  }
  if (g.output.empty()) {
    std::cout << out.str();
    std::cout.flush();
  } else {
    write_file_atomic(g.output, out.str());
  }
}

namespace {

void collect_names(const CLI::App& app, std::vector<std::string>& out) {
  for (const CLI::Option* o : app.get_options()) {
    for (const auto& n : o->get_lnames()) out.push_back("--" + n);
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    out.push_back(sub->get_name());
    collect_names(*sub, out);
  }
}

}  // namespace

std::string suggest_for_parse_error(const CLI::App& app, const std::string& message, const std::vector<std::string>& args) {
  std::vector<std::string> names;
  collect_names(app, names);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::vector<std::string> typed;
  static const std::string kMarkers[] = {"argument was not expected: ", "arguments were not expected: "};
  for (const auto& marker : kMarkers) {
    const auto at = message.find(marker);
    if (at == std::string::npos) continue;
    std::istringstream words(message.substr(at + marker.size()));
    for (std::string w; words >> w;) typed.push_back(w.substr(0, w.find('=')));
  }
  // No subcommand recognised: the first word that is not an option is the mistyped one.
  if (typed.empty() && message.find("subcommand is required") != std::string::npos) {
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i].rfind("-", 0) == 0) {
        if (args[i].find('=') == std::string::npos && i + 1 < args.size()) ++i;  // skip the option's value
        continue;
      }
      typed.push_back(args[i]);
      break;
    }
  }
  // Options first: "--modle llama" names the typo, not the value after it.
  std::stable_sort(typed.begin(), typed.end(), [](const std::string& a, const std::string& b) {
    return (a.rfind("--", 0) == 0) > (b.rfind("--", 0) == 0);
  });
  for (const auto& t : typed) {
    const std::string s = did_you_mean(t, names);
    if (!s.empty()) return s;
  }
  return "";
}

}  // namespace frugal::cli
