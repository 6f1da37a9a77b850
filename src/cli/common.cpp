#include "cli/common.h"

#include <iostream>
#include <sstream>

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

}  // namespace frugal::cli
