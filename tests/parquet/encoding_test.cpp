// Parquet's encodings on bytes built by hand from the format's specification (Encodings.md), and
// the Thrift compact protocol on hand-built structures.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "parquet/encoding.h"
#include "parquet/file.h"
#include "parquet/metadata.h"
#include "parquet/rows.h"
#include "parquet/thrift_compact.h"

#include <fmt/format.h>

namespace frugal::parquet {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(RleHybrid, RleRunThenBitPackedRun) {
  // Width 3: an RLE run of 5 x 4 (header 5<<1 = 10, value in one byte), then a bit-packed run of
  // one group (header 1<<1|1 = 3) holding 0..7 packed LSB first: 0b10001000, 0b11000110, 0b11111010.
  const Bytes b = {10, 4, 3, 0x88, 0xC6, 0xFA};
  RleDecoder d(b.data(), b.size(), 3);
  std::vector<std::uint32_t> out(13);
  d.get(out.data(), out.size());
  EXPECT_EQ(out, (std::vector<std::uint32_t>{4, 4, 4, 4, 4, 0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(RleHybrid, RunsOutOfDataIsAnError) {
  const Bytes b = {10, 4};
  RleDecoder d(b.data(), b.size(), 3);
  std::vector<std::uint32_t> out(6);
  EXPECT_THROW(d.get(out.data(), out.size()), EncodingError);
}

TEST(RleHybrid, LevelsAboveTheMaximumAreRefused) {
  const Bytes b = {4, 0, 0, 0, 4, 3, 0, 0};  // v1 levels: length 4, an RLE run of 2 x 3
  std::vector<std::int16_t> levels;
  EXPECT_THROW(decode_levels_v1(b.data(), b.size(), 1, 2, levels), EncodingError);
  EXPECT_EQ(decode_levels_v1(b.data(), b.size(), 3, 2, levels), 8u);
  EXPECT_EQ(levels, (std::vector<std::int16_t>{3, 3}));
}

// DELTA_BINARY_PACKED example 1 of the specification: 1..5, block 128, 4 miniblocks, min delta
// 1, every miniblock of width 0.
TEST(DeltaBinaryPacked, SpecExampleConsecutive) {
  const Bytes b = {0x80, 0x01, 4, 5, 2 /*zigzag 1*/, 2 /*min delta 1*/, 0, 0, 0, 0};
  std::vector<std::int64_t> out;
  EXPECT_EQ(decode_delta_binary_packed(b.data(), b.size(), out), b.size());
  EXPECT_EQ(out, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
}

// Example 2: 7, 5, 3, 1, 2, 3, 4, 5: deltas -2 -2 -2 1 1 1 1, min delta -2, so 0 0 0 3 3 3 3 in
// 2 bits each in the first miniblock (32 values: 8 bytes; the rest padding).
TEST(DeltaBinaryPacked, SpecExampleWithNegativeDeltas) {
  Bytes b = {0x80, 0x01, 4, 8, 14 /*zigzag 7*/, 3 /*zigzag -2*/, 2, 0, 0, 0};
  const Bytes packed = {0xC0, 0xFF, 0, 0, 0, 0, 0, 0};  // 0,0,0,3 | 3,3,3,0 LSB first
  b.insert(b.end(), packed.begin(), packed.end());
  std::vector<std::int64_t> out;
  EXPECT_EQ(decode_delta_binary_packed(b.data(), b.size(), out), b.size());
  EXPECT_EQ(out, (std::vector<std::int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
}

TEST(DeltaBinaryPacked, BadHeaderIsRefused) {
  const Bytes b = {3, 4, 5, 2};  // block size 3: not a multiple of 128
  std::vector<std::int64_t> out;
  EXPECT_THROW(decode_delta_binary_packed(b.data(), b.size(), out), EncodingError);
}

TEST(DeltaByteArray, PrefixesRebuildValues) {
  // "axis", "axle", "babble", "babyhood": prefixes 0 2 0 3, suffixes "axis" "le" "babble" "yhood".
  Bytes b = {0x80, 0x01, 4, 4, 0 /*first 0*/, 0x03 /*min delta -2*/, 3, 0, 0, 0};
  // deltas 2, -2, 3 minus -2: 4, 0, 5 in 3 bits: 100 000 101 -> bytes 0b01000100? LSB first:
  // v0=4 (bits 0-2: 001 reversed), packed little-endian: 4 | 0<<3 | 5<<6 = 4 + 320 = 0x144.
  const Bytes packed = {0x44, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // 32 values x 3 bits = 12 bytes
  b.insert(b.end(), packed.begin(), packed.end());
  // Suffix lengths 4, 2, 6, 5: first 4, deltas -2 4 -1, min -2: 0 6 1 in 3 bits = 0 | 6<<3 | 1<<6 = 0x70.
  const Bytes lens = {0x80, 0x01, 4, 4, 8 /*zigzag 4*/, 3 /*-2*/, 3, 0, 0, 0, 0x70, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  b.insert(b.end(), lens.begin(), lens.end());
  for (char ch : std::string("axisleBabbleyhood")) b.push_back(static_cast<std::uint8_t>(ch));
  b[b.size() - 11] = 'b';  // "Babble" -> "babble" (the capital only marks where it starts above)
  std::string storage;
  std::vector<std::string_view> out;
  decode_delta_byte_array(b.data(), b.size(), 4, storage, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], "axis");
  EXPECT_EQ(out[1], "axle");
  EXPECT_EQ(out[2], "babble");
  EXPECT_EQ(out[3], "babyhood");
}

TEST(ByteStreamSplit, ReassemblesLittleEndianValues) {
  // Two 4-byte values 0x04030201 and 0x08070605, split into 4 streams of 2 bytes.
  const Bytes b = {1, 5, 2, 6, 3, 7, 4, 8};
  std::uint8_t out[8];
  decode_byte_stream_split(b.data(), b.size(), 2, 4, out);
  EXPECT_EQ(Bytes(out, out + 8), (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(ThriftCompact, FieldsListsAndSkipping) {
  // struct { 1: i32 -3, 2: binary "ab", 5: list<i64> [1, 300], 6: struct { 1: true }, 7: double }
  const Bytes b = {0x15, 5,  0x18, 2, 'a', 'b', 0x39, 0x26, 2, 0xD8, 0x04, 0x1C, 0x11, 0, 0x17, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0};
  CompactReader r(b.data(), b.size());
  r.begin_struct();
  std::int16_t id;
  TType t;
  ASSERT_TRUE(r.next_field(id, t));
  EXPECT_EQ(id, 1);
  EXPECT_EQ(r.read_i32(), -3);
  ASSERT_TRUE(r.next_field(id, t));
  EXPECT_EQ(r.read_binary(), "ab");
  ASSERT_TRUE(r.next_field(id, t));
  EXPECT_EQ(id, 5);
  TType e;
  ASSERT_EQ(r.read_list_header(e), 2);
  EXPECT_EQ(r.read_i64(), 1);
  EXPECT_EQ(r.read_i64(), 300);
  ASSERT_TRUE(r.next_field(id, t));
  EXPECT_EQ(id, 6);
  r.skip(t);
  ASSERT_TRUE(r.next_field(id, t));
  EXPECT_EQ(id, 7);
  EXPECT_EQ(r.read_double(), 1.0);
  EXPECT_FALSE(r.next_field(id, t));
  EXPECT_EQ(r.consumed(), b.size());
}

TEST(ThriftCompact, HostileListLengthIsRefused) {
  const Bytes b = {0xF6, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F};  // list<i64> of 2^32-1 elements, no data
  CompactReader r(b.data(), b.size());
  TType e;
  EXPECT_THROW(r.read_list_header(e), ThriftError);
}

TEST(ParquetFile, NotParquetOrTruncatedNamesTheFile) {
  EXPECT_THROW(ParquetFile::from_bytes("hello, world, not parquet", "x.parquet"), InputError);
  try {
    ParquetFile::from_bytes(std::string("PAR1") + std::string(40, '\0'), "y.parquet");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("y.parquet: truncated Parquet file"), std::string::npos) << e.what();
  }
  // A footer whose length runs past the file.
  std::string f = "PAR1" + std::string(8, '\0');
  f += std::string("\xff\xff\x00\x00", 4) + "PAR1";
  try {
    ParquetFile::from_bytes(f, "z.parquet");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("z.parquet: footer length 65535 larger than the file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace frugal::parquet

namespace frugal::parquet {
namespace {

// Small files DuckDB 1.5 wrote (tests/data/parquet/README.md has the statement): 12 rows of a
// DECIMAL(18,4), a DOUBLE, a TIMESTAMP, a string, a MAP (null on odd rows), a LIST and a BOOLEAN,
// with every codec and both page versions. Every cell must read back as the statement made it.
class TypesFile : public ::testing::TestWithParam<const char*> {};

TEST_P(TypesFile, EveryCellReadsBack) {
  const ParquetFile f(std::string(FRUGAL_TEST_FIXTURES) + "/parquet/types-" + GetParam() + ".parquet");
  ASSERT_EQ(f.num_rows(), 12);
  ASSERT_EQ(f.columns().size(), 7u);
  std::vector<int> all = {0, 1, 2, 3, 4, 5, 6};
  RowGroupCells rows(f, 0, all);
  std::vector<std::string_view> c;
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(rows.next(c));
    EXPECT_EQ(c[0], fmt::format("{}.{:02}00", i * 125 / 100, i * 125 % 100));
    EXPECT_EQ(c[1], fmt::format("{}", i / 3.0));
    EXPECT_EQ(c[2], fmt::format("2025-09-01T{:02}:00:00Z", i));
    EXPECT_EQ(c[3], fmt::format("acct-{}", i % 3));
    EXPECT_EQ(c[4], i % 2 == 0 ? std::string(R"({"user_team":"ml"})") : std::string());
    EXPECT_EQ(c[5], fmt::format(R"(["{}","{}"])", i, i + 1));
    EXPECT_EQ(c[6], i % 2 == 0 ? "true" : "false");
  }
  EXPECT_FALSE(rows.next(c));
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, TypesFile,
                         ::testing::Values("v1-snappy", "v1-zstd", "v1-gzip", "v1-uncompressed", "v2-snappy", "v2-zstd", "v2-gzip",
                                           "v2-uncompressed"));

}  // namespace
}  // namespace frugal::parquet
