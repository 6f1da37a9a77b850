#include "core/csv.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>

namespace frugal {

// Characters come straight from the stream buffer: istream::get() builds a sentry per character,
// which cost three quarters of the time of reading a bill.
CsvReader::CsvReader(std::istream& in, std::string name) : sb_(in.rdbuf()), name_(std::move(name)) {}

SourceLocation CsvReader::field_location(std::size_t i) const {
  if (i >= starts_.size()) return {name_, record_line_, 0};
  return {name_, starts_[i].first, starts_[i].second};
}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  starts_.clear();
  int c = sb_->sbumpc();
  if (c == EOF) return false;
  // Skip a UTF-8 byte order mark at the very start of the input.
  if (line_ == 1 && record_line_ == 0 && c == 0xEF) {
    if (sb_->sbumpc() == 0xBB && sb_->sbumpc() == 0xBF) {
      c = sb_->sbumpc();
      if (c == EOF) return false;
    } else {
      fail_at({name_, 1, 1}, "unreadable byte-order mark");
    }
  }
  record_line_ = line_;
  int col = 1;
  std::string field;
  bool quoted = false;
  bool at_field_start = true;
  int quote_line = 0, quote_col = 0;
  for (;;) {
    if (at_field_start) {
      starts_.emplace_back(line_, col);
      at_field_start = false;
      if (c == '"') {
        quoted = true;
        quote_line = line_;
        quote_col = col;
        c = sb_->sbumpc();
        ++col;
        continue;
      }
    }
    if (quoted) {
      if (c == EOF) {
        fail_at({name_, quote_line, quote_col}, "unterminated quoted field (expected a closing '\"')");
      }
      if (c == '"') {
        int n = sb_->sgetc();
        if (n == '"') {
          field.push_back('"');
          sb_->sbumpc();
          col += 2;
          c = sb_->sbumpc();
          continue;
        }
        quoted = false;
        ++col;
        c = sb_->sbumpc();
        if (c != ',' && c != '\n' && c != '\r' && c != EOF) {
          fail_at({name_, line_, col}, "expected ',' or end of line after a closing quote");
        }
        continue;
      }
      if (c == '\n') {
        ++line_;
        col = 0;
      }
      field.push_back(static_cast<char>(c));
      ++col;
      c = sb_->sbumpc();
      continue;
    }
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      at_field_start = true;
      ++col;
      c = sb_->sbumpc();
      continue;
    }
    if (c == '\r') {
      if (sb_->sgetc() != '\n') {  // a lone CR ends the record; the next character stays unread
        fields.push_back(std::move(field));
        ++line_;
        return true;
      }
      c = sb_->sbumpc();  // CRLF: go on with the LF
    }
    if (c == '\n' || c == EOF) {
      fields.push_back(std::move(field));
      ++line_;
      return true;
    }
    if (c == '"') fail_at({name_, line_, col}, "unexpected '\"' inside an unquoted field");
    field.push_back(static_cast<char>(c));
    ++col;
    c = sb_->sbumpc();
  }
}

std::optional<double> parse_double(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  return v;
}

CsvTable CsvTable::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open file", path));
  return parse(in, path);
}

CsvTable CsvTable::parse(std::istream& in, const std::string& name) {
  CsvTable t;
  t.name_ = name;
  CsvReader reader(in, name);
  std::vector<std::string> fields;
  if (!reader.next(fields)) fail_at({name, 1, 1}, "empty file (expected a header row)");
  t.header_ = fields;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (!t.index_.emplace(fields[i], i).second) {
      fail_at(reader.field_location(i), fmt::format("duplicate column '{}' in header", fields[i]));
    }
  }
  while (reader.next(fields)) {
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (fields.size() != t.header_.size()) {
      fail_at({name, reader.record_line(), 1},
              fmt::format("expected {} fields as in the header, found {}", t.header_.size(),
                          fields.size()));
    }
    Stored s{fields, {}, reader.record_line()};
    for (std::size_t i = 0; i < fields.size(); ++i) {
      auto loc = reader.field_location(i);
      s.starts.emplace_back(loc.line, loc.column);
    }
    t.rows_.push_back(std::move(s));
  }
  return t;
}

bool CsvTable::has_column(std::string_view col) const {
  return index_.find(std::string(col)) != index_.end();
}

void CsvTable::require_columns(std::initializer_list<std::string_view> cols) const {
  for (auto c : cols) {
    if (!has_column(c)) fail_at({name_, 1, 1}, fmt::format("missing column '{}' in header", c));
  }
}

std::size_t CsvTable::column_index(std::string_view col) const {
  auto it = index_.find(std::string(col));
  if (it == index_.end()) fail_at({name_, 1, 1}, fmt::format("missing column '{}' in header", col));
  return it->second;
}

const std::string& CsvTable::Row::get(std::string_view col) const {
  return table_->rows_[index_].fields[table_->column_index(col)];
}

SourceLocation CsvTable::Row::where(std::string_view col) const {
  const auto& s = table_->rows_[index_];
  auto [line, column] = s.starts[table_->column_index(col)];
  return {table_->name_, line, column};
}

int CsvTable::Row::line() const { return table_->rows_[index_].line; }

double CsvTable::Row::number(std::string_view col) const {
  const std::string& v = get(col);
  auto d = parse_double(v);
  if (!d) fail_at(where(col), fmt::format("expected a number in column '{}', got '{}'", col, v));
  return *d;
}

std::optional<double> CsvTable::Row::optional_number(std::string_view col) const {
  if (get(col).empty()) return std::nullopt;
  return number(col);
}

}  // namespace frugal
