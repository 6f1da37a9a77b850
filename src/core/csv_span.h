// RFC 4180 CSV over bytes already in memory (a mapped file or one chunk of it): fields come back
// as string_views into the buffer, so unquoted and plain quoted fields cost no copy. Unquoted
// fields are delimited from a bitmask of the special bytes of each 64-byte block (SSE2). Same rules
// and error messages as CsvReader (core/csv.h); quoted fields with "" escapes are unescaped into
// storage that lives until the next call.
#pragma once

#include <cstdint>
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
  const char* scan_unquoted(const char* q);
  void load_block(const char* q);

  const char* p_;
  const char* stop_;
  const char* end_;
  const char* line_start_;
  std::string name_;
  int line_;
  int record_line_ = 0;
  bool bad_bom_ = false;
  // Where the current record starts: field positions are worked out from here when an error asks
  // for one (field_location), not recorded for every field of every record.
  const char* record_start_ = nullptr;
  const char* record_line_start_ = nullptr;
  std::deque<std::string> unescaped_;
  // Bytes that end or break an unquoted field (, \n \r ") in the 64 bytes from block_, one bit
  // each: a field's end is found with one bit scan, most records without loading a new block.
  const char* block_ = nullptr;
  std::uint64_t block_mask_ = 0;
};

}  // namespace frugal
