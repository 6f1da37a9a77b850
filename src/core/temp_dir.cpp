#include "core/temp_dir.h"

#include <fmt/format.h>
#include <stdlib.h>

#include "core/error.h"

namespace frugal {

TempDir::TempDir(const std::string& prefix, const std::string& what) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw Error(fmt::format("cannot create a temporary folder for {}", what));
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace frugal
