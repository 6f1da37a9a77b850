#include <CLI/CLI.hpp>
#include "cli/common.h"
namespace frugal::cli {
void register_demo(CLI::App&, GlobalOptions&) {}
}
