#include "core/csv_span.h"

#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace frugal {
namespace {
// Bytes that end or break an unquoted field: one table load per byte instead of four compares.
struct Special {
  bool at[256] = {};
  constexpr Special() {
    at[static_cast<unsigned char>(',')] = at[static_cast<unsigned char>('\n')] = true;
    at[static_cast<unsigned char>('\r')] = at[static_cast<unsigned char>('"')] = true;
  }
};
constexpr Special kSpecial;

// The first byte in [q, end) that ends or breaks an unquoted field (end if none): 16 bytes per
// step where SSE2 is available, the table for the tail.
const char* scan_unquoted(const char* q, const char* end) {
#ifdef __SSE2__
  const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), quote = _mm_set1_epi8('"');
  while (end - q >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, lf)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, quote)));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return q + __builtin_ctz(static_cast<unsigned>(mask));
    q += 16;
  }
#endif
  while (q < end && !kSpecial.at[static_cast<unsigned char>(*q)]) ++q;
  return q;
}
}  // namespace

CsvSpanReader::CsvSpanReader(const char* begin, const char* stop, const char* end, std::string name, int first_line)
    : p_(begin), stop_(stop), end_(end), line_start_(begin), name_(std::move(name)), line_(first_line) {
  // A UTF-8 byte order mark at the very start of a file.
  if (first_line == 1 && p_ < end_ && static_cast<unsigned char>(*p_) == 0xEF) {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) {
      p_ += 3;
      line_start_ = p_;
    } else {
      bad_bom_ = true;  // reported by the first next(), as CsvReader does
    }
  }
}

SourceLocation CsvSpanReader::field_location(std::size_t i) const {
  if (i >= starts_.size()) return {name_, record_line_, 0};
  return {name_, starts_[i].first, starts_[i].second};
}

bool CsvSpanReader::next(std::vector<std::string_view>& fields) {
  fields.clear();
  starts_.clear();
  unescaped_.clear();
  if (p_ >= stop_ || p_ >= end_) return false;
  if (bad_bom_) fail_at({name_, 1, 1}, "unreadable byte-order mark");
  record_line_ = line_;
  for (;;) {
    starts_.emplace_back(line_, static_cast<int>(p_ - line_start_) + 1);
    if (p_ < end_ && *p_ == '"') {
      const int open_line = line_, open_col = static_cast<int>(p_ - line_start_) + 1;
      const char* s = p_ + 1;
      const char* q = s;
      bool escaped = false;
      const char* close = nullptr;
      while (!close) {
        const char* r = static_cast<const char*>(std::memchr(q, '"', static_cast<std::size_t>(end_ - q)));
        if (!r) fail_at({name_, open_line, open_col}, "unterminated quoted field (expected a closing '\"')");
        if (r + 1 < end_ && r[1] == '"') {
          escaped = true;
          q = r + 2;
        } else {
          close = r;
        }
      }
      // Newlines inside the quotes still count as lines.
      for (const char* n = s; (n = static_cast<const char*>(std::memchr(n, '\n', static_cast<std::size_t>(close - n))));) {
        ++line_;
        line_start_ = ++n;
      }
      if (escaped) {
        std::string& u = unescaped_.emplace_back();
        u.reserve(static_cast<std::size_t>(close - s));
        for (const char* c = s; c < close; ++c) {
          u.push_back(*c);
          if (*c == '"') ++c;  // "" -> "
        }
        fields.emplace_back(u);
      } else {
        fields.emplace_back(s, static_cast<std::size_t>(close - s));
      }
      p_ = close + 1;
      if (p_ < end_ && *p_ != ',' && *p_ != '\n' && *p_ != '\r') {
        fail_at({name_, line_, static_cast<int>(p_ - line_start_) + 1}, "expected ',' or end of line after a closing quote");
      }
    } else {
      const char* q = scan_unquoted(p_, end_);
      if (q < end_ && *q == '"') fail_at({name_, line_, static_cast<int>(q - line_start_) + 1}, "unexpected '\"' inside an unquoted field");
      fields.emplace_back(p_, static_cast<std::size_t>(q - p_));
      p_ = q;
    }
    if (p_ >= end_) {
      ++line_;
      return true;
    }
    if (*p_ == ',') {
      ++p_;
      continue;
    }
    if (*p_ == '\r') {  // CRLF, or a lone CR ending the record
      ++p_;
      if (p_ < end_ && *p_ == '\n') ++p_;
    } else {
      ++p_;  // '\n'
    }
    ++line_;
    line_start_ = p_;
    return true;
  }
}

}  // namespace frugal
