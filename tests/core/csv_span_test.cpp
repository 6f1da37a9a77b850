// CsvSpanReader (memory, string_views) must read exactly as CsvReader (stream) does: same fields,
// same line numbers and field positions, the same errors. Checked on hand-picked edge cases and
// on deterministic random mutations of them.
#include "core/csv_span.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>

#include "core/csv.h"

using namespace frugal;

namespace {

// Every record as "line|field@line:col|..." or the error text; what both readers must agree on.
std::string via_stream(const std::string& text) {
  std::istringstream in(text);
  CsvReader r(in, "t.csv");
  std::string out;
  std::vector<std::string> f;
  try {
    while (r.next(f)) {
      out += std::to_string(r.record_line());
      for (std::size_t i = 0; i < f.size(); ++i) {
        const auto loc = r.field_location(i);
        out += "|" + f[i] + "@" + std::to_string(loc.line) + ":" + std::to_string(loc.column);
      }
      out += "\n";
    }
  } catch (const Error& e) {
    out += std::string("error: ") + e.what();
  }
  return out;
}

std::string via_span(const std::string& text) {
  CsvSpanReader r(text.data(), text.data() + text.size(), text.data() + text.size(), "t.csv");
  std::string out;
  std::vector<std::string_view> f;
  try {
    while (r.next(f)) {
      out += std::to_string(r.record_line());
      for (std::size_t i = 0; i < f.size(); ++i) {
        const auto loc = r.field_location(i);
        out += "|" + std::string(f[i]) + "@" + std::to_string(loc.line) + ":" + std::to_string(loc.column);
      }
      out += "\n";
    }
  } catch (const Error& e) {
    out += std::string("error: ") + e.what();
  }
  return out;
}

const std::vector<std::string> kCases = {
    "a,b,c\n1,2,3\n",
    "a,b\r\n1,2\r\n",
    "a,b\r1,2\r",
    "\xEF\xBB\xBFh1,h2\nx,y",
    "a,\"b,c\",d\n\"multi\nline\",2,3\n4,5,6\n",
    "a,\"say \"\"hi\"\"\",c\n",
    "a,b\n,\n,,\n\n",
    "a,\"unterminated\n1,2\n",
    "a,\"x\"y,c\n",
    "a,b\"c\n",
    "\"\"\n\"\",\"\"\n",
    "x,\"a\"\"\nb\",y\nz\n",
};

}  // namespace

TEST(CsvSpan, ReadsExactlyAsTheStreamReader) {
  for (const auto& c : kCases) EXPECT_EQ(via_span(c), via_stream(c)) << c;
  EXPECT_NE(via_span("a,\"unterminated\n1,2\n").find("t.csv:1:3: unterminated quoted field"), std::string::npos);
}

TEST(CsvSpan, AgreesOnRandomMutations) {
  std::uint64_t s = 0x2545F4914F6CDD1Dull;
  auto rnd = [&] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  const char alphabet[] = {',', '"', '\n', '\r', 'a', '1', ' '};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string t = kCases[rnd() % kCases.size()];
    const int edits = 1 + static_cast<int>(rnd() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = t.empty() ? 0 : rnd() % (t.size() + 1);
      const char ch = alphabet[rnd() % sizeof alphabet];
      switch (rnd() % 3) {
        case 0: t.insert(t.begin() + static_cast<std::ptrdiff_t>(at), ch); break;
        case 1: if (at < t.size()) t.erase(at, 1); break;
        default: if (at < t.size()) t[at] = ch;
      }
    }
    ASSERT_EQ(via_span(t), via_stream(t)) << "input: " << t;
  }
}

TEST(CsvSpan, StopsStartingRecordsAtTheChunkEnd) {
  const std::string t = "a,\"x\ny\"\nb,c\nd,e\n";
  const char* stop = t.data() + 3;  // inside the first record: it is still read whole
  CsvSpanReader r(t.data(), stop, t.data() + t.size(), "t.csv", 5);
  std::vector<std::string_view> f;
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(f[1], "x\ny");
  EXPECT_EQ(r.record_line(), 5);
  EXPECT_FALSE(r.next(f));
  EXPECT_EQ(r.line(), 7);
}
