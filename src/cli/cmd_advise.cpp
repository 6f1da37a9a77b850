#include <CLI/CLI.hpp>
#include "cli/common.h"
namespace frugal::cli {
void register_advise(CLI::App&, GlobalOptions&) {}
}
