#include "core/suggest.h"

#include <algorithm>
#include <cctype>

namespace frugal {
namespace {

std::string fold(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

int edit_distance(std::string_view a, std::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) == std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> closest(std::string_view typed, const std::vector<std::string>& candidates, std::size_t limit) {
  const int max_edits = std::max<int>(2, static_cast<int>(typed.size() / 4));
  const std::string ft = fold(typed);
  if (ft.size() < 3) return {};  // "-c" or "x": too short for a suggestion to mean anything
  std::vector<std::pair<int, std::string>> scored;
  for (const auto& c : candidates) {
    int d = edit_distance(typed, c);
    const std::string fc = fold(c);
    if (d > max_edits && !ft.empty() && fc.size() >= 3 && (fc.find(ft) != std::string::npos || ft.find(fc) != std::string::npos)) {
      d = max_edits;  // a substring match ranks after close spellings
    }
    if (d <= max_edits) scored.emplace_back(d, c);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  // One suggestion per spelling: "Llama-3.1-8B" and "llama-3.1-8b" are the same name.
  std::vector<std::string> out, folded;
  for (const auto& [d, c] : scored) {
    const std::string f = fold(c);
    if (std::find(folded.begin(), folded.end(), f) != folded.end()) continue;
    folded.push_back(f);
    out.push_back(c);
    if (out.size() == limit) break;
  }
  return out;
}

std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates) {
  auto c = closest(typed, candidates);
  if (c.empty()) return "";
  std::string s = "; did you mean ";
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (i) s += i + 1 == c.size() ? " or " : ", ";
    s += "'" + c[i] + "'";
  }
  return s + "?";
}

}  // namespace frugal
