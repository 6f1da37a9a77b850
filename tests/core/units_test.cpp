#include "core/units.h"

#include <gtest/gtest.h>

#include "core/error.h"

using namespace frugal;

TEST(Units, Durations) {
  EXPECT_DOUBLE_EQ(parse_duration("100ms", "x"), 0.1);
  EXPECT_DOUBLE_EQ(parse_duration("2s", "x"), 2);
  EXPECT_DOUBLE_EQ(parse_duration("7d", "x"), 7 * 86400);
  EXPECT_DOUBLE_EQ(parse_duration("1.5h", "x"), 5400);
  EXPECT_DOUBLE_EQ(parse_duration("250us", "x"), 250e-6);
}

TEST(Units, Rates) {
  EXPECT_DOUBLE_EQ(parse_rate("5/s", "x"), 5);
  EXPECT_DOUBLE_EQ(parse_rate("300/min", "x"), 5);
  EXPECT_DOUBLE_EQ(parse_rate("2e6/day", "x"), 2e6 / 86400);
}

TEST(Units, CountsAndBytes) {
  EXPECT_DOUBLE_EQ(parse_count("2e9", "x"), 2e9);
  EXPECT_DOUBLE_EQ(parse_count("2B", "x"), 2e9);
  EXPECT_DOUBLE_EQ(parse_count("500M", "x"), 5e8);
  EXPECT_DOUBLE_EQ(parse_count("2000", "x"), 2000);
  EXPECT_DOUBLE_EQ(parse_bytes("20GiB", "x"), 20.0 * 1073741824.0);
  EXPECT_DOUBLE_EQ(parse_bytes("80GB", "x"), 80e9);
}

TEST(Units, ErrorsNameTheOptionAndWhatWasExpected) {
  try {
    parse_rate("5", "--rate");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "--rate: expected a rate like 5/s, 300/min or 2e6/day, got '5'");
  }
  EXPECT_THROW(parse_duration("fast", "--tpot-slo"), Error);
  EXPECT_THROW(parse_duration("-3s", "--tpot-slo"), Error);
  EXPECT_THROW(parse_duration("3 parsecs", "--deadline"), Error);
  EXPECT_THROW(parse_count("lots", "--tokens"), Error);
  EXPECT_THROW(parse_count("2e", "--tokens"), Error);
}

TEST(Units, HumanForms) {
  EXPECT_EQ(human_count(67.4e9), "67.4B");
  EXPECT_EQ(human_duration(0.0997), "99.7 ms");
  EXPECT_EQ(human_duration(2.5e-6), "2.5 us");
  EXPECT_EQ(human_duration(5.55e-99), "0 us");
  EXPECT_EQ(human_duration(0), "0 us");
  EXPECT_EQ(human_bytes(134.8e9), "135 GB");
}
