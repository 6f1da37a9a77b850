// Reading TOML files (toml++) with frugal's error model: parse errors and missing or mistyped
// keys name file:line:column and what was expected.
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace frugal {

toml::table load_toml_file(const std::string& path);
toml::table parse_toml(std::string_view text, const std::string& name);

SourceLocation location_of(const toml::node& n, const std::string& file);

// Typed access to `key` in `t`. The required forms throw when missing or of the wrong type;
// the optional forms throw only on the wrong type. Integers are accepted where doubles are asked.
double require_number(const toml::table& t, std::string_view key, const std::string& file);
std::optional<double> optional_number(const toml::table& t, std::string_view key, const std::string& file);
std::string require_string(const toml::table& t, std::string_view key, const std::string& file);
std::optional<std::string> optional_string(const toml::table& t, std::string_view key, const std::string& file);

}  // namespace frugal

namespace frugal {
// A TOML basic string literal ("..." with \\, \" and control characters escaped).
std::string toml_quote(std::string_view s);
}  // namespace frugal
