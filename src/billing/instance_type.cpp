#include "billing/instance_type.h"

#include <cctype>

namespace frugal::billing {
namespace {

bool is_size(std::string_view s) {
  // nano, micro, small, medium, large, xlarge, 2xlarge .. 48xlarge, metal, metal-24xl
  static const char* sizes[] = {"nano", "micro", "small", "medium", "large", "metal"};
  for (const char* z : sizes) {
    if (s == z) return true;
  }
  if (s.rfind("metal-", 0) == 0) return true;
  std::size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i) == "xlarge";
}

bool is_family(std::string_view s) {
  // a letter, then letters/digits/'-' ("p5", "g6e", "trn1n", "p6-b200", "inf2")
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  bool digit = false;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) digit = true;
    else if (!std::isalpha(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return digit && s.size() <= 12;
}

}  // namespace

std::string find_instance_type(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    // tokens are separated by anything but [a-z0-9.-]
    while (i < text.size() && !(std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '.' || text[i] == '-')) ++i;
    std::size_t j = i;
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '.' || text[j] == '-')) ++j;
    std::string_view tok = text.substr(i, j - i);
    std::string_view core = tok;
    const bool ml = core.rfind("ml.", 0) == 0;
    if (ml) core.remove_prefix(3);
    const auto dot = core.find('.');
    if (dot != std::string_view::npos && core.find('.', dot + 1) == std::string_view::npos &&
        is_family(core.substr(0, dot)) && is_size(core.substr(dot + 1))) {
      return std::string(tok);
    }
    // "USE1-BoxUsage:p5.48xlarge" splits at ':'; "USE1-p5.48xlarge" style prefixes are rare.
    i = j == i ? i + 1 : j;
  }
  return "";
}

}  // namespace frugal::billing
