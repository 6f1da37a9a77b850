#include "core/toml_util.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace frugal {

toml::table parse_toml(std::string_view text, const std::string& name) {
  try {
    return toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    fail_at({name, static_cast<int>(b.line), static_cast<int>(b.column)}, std::string(e.description()));
  }
}

toml::table load_toml_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_toml(ss.str(), path);
}

SourceLocation location_of(const toml::node& n, const std::string& file) {
  const auto& b = n.source().begin;
  return {file, static_cast<int>(b.line), static_cast<int>(b.column)};
}

namespace {
SourceLocation table_location(const toml::table& t, const std::string& file) {
  auto loc = location_of(t, file);
  if (loc.line == 0) loc.line = 1;
  return loc;
}
}  // namespace

std::optional<double> optional_number(const toml::table& t, std::string_view key, const std::string& file) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  if (auto d = n->value<double>()) return *d;
  fail_at(location_of(*n, file), fmt::format("expected a number for '{}'", key));
}

double require_number(const toml::table& t, std::string_view key, const std::string& file) {
  auto v = optional_number(t, key, file);
  if (!v) fail_at(table_location(t, file), fmt::format("missing number '{}'", key));
  return *v;
}

std::optional<std::string> optional_string(const toml::table& t, std::string_view key, const std::string& file) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  if (auto s = n->value<std::string>()) return *s;
  fail_at(location_of(*n, file), fmt::format("expected a string for '{}'", key));
}

std::string require_string(const toml::table& t, std::string_view key, const std::string& file) {
  auto v = optional_string(t, key, file);
  if (!v) fail_at(table_location(t, file), fmt::format("missing string '{}'", key));
  return *v;
}

}  // namespace frugal

namespace frugal {
std::string toml_quote(std::string_view s) {
  std::string o = "\"";
  for (char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) o += fmt::format("\\u{:04x}", c);
        else o += c;
    }
  }
  return o + "\"";
}
}  // namespace frugal
