// RFC 4180 CSV: a streaming record reader (memory flat whatever the file size) and a small
// header-indexed table for the catalog-sized files that are read whole.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace frugal {

class CsvReader {
 public:
  // `name` is used in error messages (usually the file path).
  CsvReader(std::istream& in, std::string name);

  // Reads the next record into `fields`. Returns false at end of input.
  // Throws Error naming line and column on an unterminated quote or stray quote.
  bool next(std::vector<std::string>& fields);

  // Line (1-based) on which the last record returned by next() started.
  int record_line() const { return record_line_; }
  // Line and column (1-based) where field `i` of the last record started.
  SourceLocation field_location(std::size_t i) const;
  const std::string& name() const { return name_; }

 private:
  std::streambuf* sb_;
  std::string name_;
  int line_ = 1;
  int record_line_ = 0;
  std::vector<std::pair<int, int>> starts_;  // (line, column) of each field
};

// A whole CSV file with a header row. Field lookups by column name; errors carry file:line:col.
class CsvTable {
 public:
  static CsvTable load(const std::string& path);
  static CsvTable parse(std::istream& in, const std::string& name);

  class Row {
   public:
    Row(const CsvTable* t, std::size_t i) : table_(t), index_(i) {}
    // Value of column `col`; throws if the file has no such column.
    const std::string& get(std::string_view col) const;
    bool empty(std::string_view col) const { return get(col).empty(); }
    // Numeric value; throws "expected a number in column X" with the cell's position.
    double number(std::string_view col) const;
    std::optional<double> optional_number(std::string_view col) const;
    SourceLocation where(std::string_view col) const;
    int line() const;

   private:
    const CsvTable* table_;
    std::size_t index_;
  };

  std::size_t size() const { return rows_.size(); }
  Row row(std::size_t i) const { return Row(this, i); }
  bool has_column(std::string_view col) const;
  const std::string& name() const { return name_; }
  // Throws naming the header line when any of `cols` is missing.
  void require_columns(std::initializer_list<std::string_view> cols) const;

 private:
  std::size_t column_index(std::string_view col) const;

  std::string name_;
  std::vector<std::string> header_;
  std::unordered_map<std::string, std::size_t> index_;
  struct Stored {
    std::vector<std::string> fields;
    std::vector<std::pair<int, int>> starts;
    int line;
  };
  std::vector<Stored> rows_;
};

// Parses a decimal number (leading/trailing blanks allowed). nullopt when not a full number.
std::optional<double> parse_double(std::string_view s);

}  // namespace frugal
