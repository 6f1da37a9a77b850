#include "core/toml_util.h"

#include <gtest/gtest.h>

using namespace frugal;

TEST(Toml, ParseErrorHasLineAndColumn) {
  try {
    parse_toml("a = 1\nb = = 2\n", "w.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("w.toml:2:", 0), 0u) << e.what();
  }
}

TEST(Toml, TypedAccessNamesTheKey) {
  auto t = parse_toml("n = \"x\"\nk = 3\n", "w.toml");
  EXPECT_DOUBLE_EQ(require_number(t, "k", "w.toml"), 3);
  try {
    require_number(t, "n", "w.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "w.toml:1:5: expected a number for 'n'");
  }
  EXPECT_THROW(require_string(t, "missing", "w.toml"), Error);
  EXPECT_FALSE(optional_number(t, "missing", "w.toml"));
}

TEST(Toml, QuoteEscapes) {
  EXPECT_EQ(toml_quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
  auto t = parse_toml("s = " + toml_quote("x\"y\\z\tw"), "q.toml");
  EXPECT_EQ(require_string(t, "s", "q.toml"), "x\"y\\z\tw");
}
