// RFC 4180 CSV over bytes already in memory (a mapped file or one chunk of it): fields come back
// as string_views into the buffer, so unquoted and plain quoted fields cost no copy. Same rules
// and error messages as CsvReader (core/csv.h); quoted fields with "" escapes are unescaped into
// storage that lives until the next call.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace frugal {

class CsvSpanReader {
 public:
  // Reads records starting in [begin, stop); a record that starts before `stop` may run on to
  // `end` (a quoted field spanning the boundary). `first_line` numbers the line at `begin`.
  CsvSpanReader(const char* begin, const char* stop, const char* end, std::string name, int first_line = 1);

  bool next(std::vector<std::string_view>& fields);
  int record_line() const { return record_line_; }
  SourceLocation field_location(std::size_t i) const;
  const char* position() const { return p_; }
  int line() const { return line_; }  // the line the next record starts on

 private:
  const char* p_;
  const char* stop_;
  const char* end_;
  const char* line_start_;
  std::string name_;
  int line_;
  int record_line_ = 0;
  bool bad_bom_ = false;
  std::vector<std::pair<int, int>> starts_;
  std::deque<std::string> unescaped_;
};

}  // namespace frugal
