#include "core/error.h"

#include <fmt/format.h>

namespace frugal {

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

void fail_at(const SourceLocation& where, std::string_view what) {
  throw InputError(fmt::format("{}: {}", where.str(), what));
}

}  // namespace frugal
