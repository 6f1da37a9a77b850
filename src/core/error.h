// One error type for the whole toolkit: every failure a user can cause (bad file, bad option)
// becomes a frugal::Error whose message is one line naming where and what was expected.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace frugal {

// A position in an input file. line and column are 1-based; 0 means "not known".
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  std::string str() const;  // "file:line:column", dropping unknown parts
};

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An input file that does not parse (wrong header, bad number or date, ragged row, bad quoting,
// corrupt gzip). The CLI exits 2 for these, as for bad usage, and 1 for other failures.
class InputError : public Error {
 public:
  using Error::Error;
};

// The command ran and printed what it found, but found nothing usable (no feasible
// configuration). The CLI exits 4 for these, after the output.
class NoResultError : public Error {
 public:
  using Error::Error;
};

// `s` with control bytes (NUL, newline, ...) written as \xNN, for quoting input in a message.
std::string escape_control(std::string_view s);

// Throws InputError("file:line:column: what"), control bytes in `what` escaped.
[[noreturn]] void fail_at(const SourceLocation& where, std::string_view what);

}  // namespace frugal
