#include "core/output.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "core/error.h"

namespace frugal {

OutputFormat parse_output_format(const std::string& s) {
  if (s == "table") return OutputFormat::kTable;
  if (s == "json") return OutputFormat::kJson;
  if (s == "csv") return OutputFormat::kCsv;
  throw Error(fmt::format("--format: expected table, json or csv, got '{}'", s));
}

nlohmann::json Table::to_json() const {
  nlohmann::json rows_json = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json o = nlohmann::json::object();
    for (std::size_t i = 0; i < columns.size() && i < r.size(); ++i) o[columns[i].key] = r[i].value;
    rows_json.push_back(std::move(o));
  }
  nlohmann::json j = {{"title", title}, {"rows", rows_json}};
  if (!notes.empty()) j["notes"] = notes;
  return j;
}

namespace {
// Display width of a UTF-8 string: counts code points, which is right for the text we print.
std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
}  // namespace

void render_table(const Table& t, std::ostream& out) {
  std::vector<std::size_t> width(t.columns.size(), 0);
  for (std::size_t i = 0; i < t.columns.size(); ++i) width[i] = display_width(t.columns[i].title);
  for (const auto& r : t.rows) {
    for (std::size_t i = 0; i < width.size() && i < r.size(); ++i) {
      width[i] = std::max(width[i], display_width(r[i].text));
    }
  }
  if (!t.title.empty()) out << t.title << "\n";
  auto line = [&](auto cell_text) {
    std::string s;
    for (std::size_t i = 0; i < width.size(); ++i) {
      std::string text = cell_text(i);
      std::string pad(width[i] - std::min(width[i], display_width(text)), ' ');
      if (i) s += "  ";
      s += t.columns[i].right_align ? pad + text : text + pad;
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out << s << "\n";
  };
  line([&](std::size_t i) { return t.columns[i].title; });
  line([&](std::size_t i) { return std::string(width[i], '-'); });
  for (const auto& r : t.rows) line([&](std::size_t i) { return i < r.size() ? r[i].text : ""; });
  for (const auto& n : t.notes) out << "  " << n << "\n";
}

std::string csv_escape(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) {
    if (c == '"') o += '"';
    o += c;
  }
  return o + "\"";
}

void render_csv(const Table& t, std::ostream& out) {
  for (std::size_t i = 0; i < t.columns.size(); ++i) out << (i ? "," : "") << csv_escape(t.columns[i].key);
  out << "\n";
  for (const auto& r : t.rows) {
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      std::string v;
      if (i < r.size()) {
        const auto& j = r[i].value;
        if (j.is_string()) v = j.get<std::string>();
        else if (j.is_null()) v = "";
        else v = j.dump();
      }
      out << (i ? "," : "") << csv_escape(v);
    }
    out << "\n";
  }
}

void write_file_atomic(const std::string& path, const std::string& content) {
  std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Error(fmt::format("{}: cannot write file", path));
    f << content;
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw Error(fmt::format("{}: write failed", path));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(fmt::format("{}: cannot replace file", path));
  }
}

}  // namespace frugal
