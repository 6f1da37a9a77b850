#include "core/suggest.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/units.h"

using namespace frugal;

TEST(Suggest, EditDistanceIsCaseInsensitive) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
  EXPECT_EQ(edit_distance("Llama", "llama"), 0);
  EXPECT_EQ(edit_distance("", "abc"), 3);
}

TEST(Suggest, ClosestNamesFirstOneSpellingEach) {
  const std::vector<std::string> names = {"llama-3.1-8b", "Llama-3.1-8B", "llama-3.1-70b", "mistral-7b", "eu-west-1"};
  EXPECT_EQ(did_you_mean("lama-3.1-8b", names), "; did you mean 'llama-3.1-8b'?");  // 70b is 3 edits away
  EXPECT_EQ(did_you_mean("mistral", names), "; did you mean 'mistral-7b'?");  // a substring counts
  EXPECT_EQ(did_you_mean("gpt-9", names), "");
  EXPECT_EQ(did_you_mean("-c", {"--cache", "--batch"}), "");  // too short to mean anything
}

TEST(Units, FractionsAndNonFiniteQuantities) {
  EXPECT_DOUBLE_EQ(parse_fraction("10%", "h"), 0.1);
  EXPECT_DOUBLE_EQ(parse_fraction("0.25", "h"), 0.25);
  EXPECT_THROW(parse_fraction("100%", "h"), Error);
  EXPECT_THROW(parse_rate("nan/s", "r"), Error);
  EXPECT_THROW(parse_rate("inf/s", "r"), Error);
  EXPECT_THROW(parse_count("1e400", "c"), Error);
  EXPECT_DOUBLE_EQ(parse_rate("1e12/s", "r"), 1e12);
}
