#include "core/csv.h"

#include <gtest/gtest.h>

#include <sstream>

using frugal::CsvReader;
using frugal::CsvTable;
using frugal::Error;

namespace {
std::vector<std::vector<std::string>> read_all(const std::string& text) {
  std::istringstream in(text);
  CsvReader r(in, "t.csv");
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> f;
  while (r.next(f)) out.push_back(f);
  return out;
}

std::string error_of(const std::string& text) {
  try {
    read_all(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Csv, PlainQuotedAndEmbedded) {
  auto rows = read_all("a,b,c\n1,\"x,y\",\"he said \"\"hi\"\"\"\n2,\"multi\nline\",\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][1], "x,y");
  EXPECT_EQ(rows[1][2], "he said \"hi\"");
  EXPECT_EQ(rows[2][1], "multi\nline");
  EXPECT_EQ(rows[2][2], "");
}

TEST(Csv, CrLfAndNoTrailingNewline) {
  auto rows = read_all("a,b\r\n1,2\r\n3,4");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][1], "2");
  EXPECT_EQ(rows[2][1], "4");
}

TEST(Csv, RecordLineCountsEmbeddedNewlines) {
  std::istringstream in("h\n\"a\nb\"\nc\n");
  CsvReader r(in, "t.csv");
  std::vector<std::string> f;
  r.next(f);
  r.next(f);
  EXPECT_EQ(r.record_line(), 2);
  r.next(f);
  EXPECT_EQ(r.record_line(), 4);
}

TEST(Csv, UnterminatedQuoteNamesLineAndColumn) {
  EXPECT_EQ(error_of("a,b\n1,\"open\n"), "t.csv:2:3: unterminated quoted field (expected a closing '\"')");
}

TEST(Csv, StrayQuoteNamesPosition) {
  EXPECT_EQ(error_of("a,b\n1,x\"y\n"), "t.csv:2:4: unexpected '\"' inside an unquoted field");
  EXPECT_EQ(error_of("a\n\"x\"y\n"), "t.csv:2:4: expected ',' or end of line after a closing quote");
}

TEST(CsvTable, FieldCountAndNumbers) {
  std::istringstream bad("a,b\n1,2\n3\n");
  try {
    CsvTable::parse(bad, "f.csv");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "f.csv:3:1: expected 2 fields as in the header, found 1");
  }
  std::istringstream ok("name,price\np5,55.04\nx,abc\n");
  auto t = CsvTable::parse(ok, "p.csv");
  EXPECT_DOUBLE_EQ(t.row(0).number("price"), 55.04);
  try {
    t.row(1).number("price");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "p.csv:3:3: expected a number in column 'price', got 'abc'");
  }
  EXPECT_THROW(t.row(0).get("nope"), Error);
}

TEST(CsvTable, DuplicateHeader) {
  std::istringstream in("a,b,a\n");
  EXPECT_THROW(CsvTable::parse(in, "d.csv"), Error);
}

TEST(ParseDouble, RejectsPartialNumbers) {
  EXPECT_EQ(frugal::parse_double(" 1.5 ").value(), 1.5);
  EXPECT_FALSE(frugal::parse_double("1.5x"));
  EXPECT_FALSE(frugal::parse_double(""));
  EXPECT_FALSE(frugal::parse_double("nan"));
}
