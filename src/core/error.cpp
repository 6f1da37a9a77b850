#include "core/error.h"

#include <fmt/format.h>

namespace frugal {

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string escape_control(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += c;
  }
  return out;
}

void fail_at(const SourceLocation& where, std::string_view what) {
  // Input bytes quoted in `what` may hold a NUL (which would cut what() short) or a newline
  // (which would break the one-line error): they are shown escaped.
  throw InputError(fmt::format("{}: {}", where.str(), escape_control(what)));
}

}  // namespace frugal
