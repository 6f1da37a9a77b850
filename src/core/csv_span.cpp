#include "core/csv_span.h"

#include <algorithm>
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

void CsvSpanReader::load_block(const char* q) {
  block_ = q;
  std::uint64_t m = 0;
  const std::size_t n = static_cast<std::size_t>(std::min<std::ptrdiff_t>(64, end_ - q));
#ifdef __SSE2__
  if (n == 64) {
    const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), quote = _mm_set1_epi8('"');
    for (int k = 0; k < 4; ++k) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * k));
      const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, lf)),
                                       _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, quote)));
      m |= static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(hit))) << (16 * k);
    }
    block_mask_ = m;
    return;
  }
#endif
  for (std::size_t i = 0; i < n; ++i) {
    if (kSpecial.at[static_cast<unsigned char>(q[i])]) m |= std::uint64_t{1} << i;
  }
  // Past the end counts as special, so a scan stops there.
  if (n < 64) m |= ~std::uint64_t{0} << n;
  block_mask_ = m;
}

// The first byte at or after q that ends or breaks an unquoted field, or end_.
const char* CsvSpanReader::scan_unquoted(const char* q) {
  for (;;) {
    if (q >= end_) return end_;
    if (!block_ || q < block_ || q >= block_ + 64) load_block(q);
    const std::uint64_t m = block_mask_ >> (q - block_);
    if (m) {
      const char* at = q + __builtin_ctzll(m);
      return at < end_ ? at : end_;
    }
    q = block_ + 64;
  }
}

SourceLocation CsvSpanReader::field_location(std::size_t i) const {
  // Walk the record again to field i: quoted fields may span lines, so lines are counted too.
  if (!record_start_) return {name_, record_line_, 0};
  const char* p = record_start_;
  const char* line_start = record_line_start_;
  int line = record_line_;
  for (std::size_t f = 0;; ++f) {
    if (f == i) return {name_, line, static_cast<int>(p - line_start) + 1};
    if (p < end_ && *p == '"') {
      ++p;
      for (; p < end_; ++p) {
        if (*p == '"') {
          if (p + 1 < end_ && p[1] == '"') {
            ++p;
            continue;
          }
          break;
        }
        if (*p == '\n') ++line, line_start = p + 1;
      }
      if (p < end_) ++p;
    }
    while (p < end_ && *p != ',' && *p != '\n' && *p != '\r') ++p;
    if (p >= end_ || *p != ',') return {name_, record_line_, 0};
    ++p;
  }
}

bool CsvSpanReader::next(std::vector<std::string_view>& fields) {
  fields.clear();
  if (!unescaped_.empty()) unescaped_.clear();
  if (p_ >= stop_ || p_ >= end_) return false;
  if (bad_bom_) fail_at({name_, 1, 1}, "unreadable byte-order mark");
  record_line_ = line_;
  record_start_ = p_;
  record_line_start_ = line_start_;
  for (;;) {
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
      const char* q = scan_unquoted(p_);
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
