// Tabular output shared by every command: the same Table renders as an aligned terminal table,
// CSV or JSON, and goes to stdout or, atomically, to a file (--output).
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace frugal {

enum class OutputFormat { kTable, kJson, kCsv };
OutputFormat parse_output_format(const std::string& s);  // throws Error on anything else

struct Column {
  std::string key;    // JSON/CSV name, snake_case
  std::string title;  // terminal heading
  bool right_align = false;
};

// A cell keeps its display text and its typed value (JSON number, string, bool or null).
struct Cell {
  std::string text;
  nlohmann::json value;
  Cell(std::string t) : text(t), value(std::move(t)) {}  // NOLINT: implicit on purpose
  Cell(const char* t) : Cell(std::string(t)) {}          // NOLINT
  Cell(std::string t, nlohmann::json v) : text(std::move(t)), value(std::move(v)) {}
};

struct Table {
  std::string title;
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  std::vector<std::string> notes;  // printed under the table; "notes" array in JSON

  nlohmann::json to_json() const;  // {"title":..., "rows":[{key: value}], "notes":[...]}
};

void render_table(const Table& t, std::ostream& out);
void render_csv(const Table& t, std::ostream& out);
std::string csv_escape(const std::string& s);

// Writes `content` to `path` through a temporary file and rename, so a failed run never leaves
// a half-written file. Throws Error when the file cannot be written.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace frugal
