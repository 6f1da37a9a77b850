// Helpers shared by the self-contained HTML reports (simulate, bill).
#pragma once

#include <string>

namespace frugal::cli {

// Escapes text for HTML element content and double-quoted attribute values.
inline std::string html_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

}  // namespace frugal::cli
