// Parquet's footer (FileMetaData) and page headers, decoded from Thrift compact, keeping the
// fields a reader needs (parquet.thrift of parquet-format 2.x; field ids in metadata.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace frugal::parquet {

enum class PhysicalType { kBoolean = 0, kInt32 = 1, kInt64 = 2, kInt96 = 3, kFloat = 4, kDouble = 5, kByteArray = 6, kFixedLenByteArray = 7 };
enum class Repetition { kRequired = 0, kOptional = 1, kRepeated = 2 };
enum class Codec { kUncompressed = 0, kSnappy = 1, kGzip = 2, kLzo = 3, kBrotli = 4, kLz4 = 5, kZstd = 6, kLz4Raw = 7 };
enum class Encoding {
  kPlain = 0, kPlainDictionary = 2, kRle = 3, kBitPacked = 4, kDeltaBinaryPacked = 5, kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7, kRleDictionary = 8, kByteStreamSplit = 9
};
enum class PageType { kDataPage = 0, kIndexPage = 1, kDictionaryPage = 2, kDataPageV2 = 3 };
enum class TimeUnit { kNone, kMillis, kMicros, kNanos };

const char* to_string(Codec c);
const char* to_string(Encoding e);

// What a leaf's bytes mean, from the logical type (or the older converted type).
struct LogicalKind {
  bool string = false;     // UTF8 / STRING / ENUM / JSON
  bool decimal = false;    // scale and precision below
  int scale = 0, precision = 0;
  TimeUnit timestamp = TimeUnit::kNone;  // a TIMESTAMP of this unit
  bool date = false;       // days since 1970-01-01
  bool map = false, list = false;  // on groups
};

struct SchemaElement {
  std::string name;
  std::optional<PhysicalType> type;  // absent on groups
  int type_length = 0;
  Repetition repetition = Repetition::kRequired;
  int num_children = 0;
  LogicalKind kind;
};

struct ColumnMeta {
  PhysicalType type = PhysicalType::kInt32;
  std::vector<std::string> path;
  Codec codec = Codec::kUncompressed;
  std::int64_t num_values = 0;
  std::int64_t total_compressed_size = 0;
  std::int64_t data_page_offset = 0;
  std::optional<std::int64_t> dictionary_page_offset;
};

struct RowGroup {
  std::vector<ColumnMeta> columns;  // one per leaf, in schema order
  std::int64_t num_rows = 0;
};

struct FileMetaData {
  std::vector<SchemaElement> schema;  // depth-first, the root first
  std::int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::string created_by;
};

struct PageHeader {
  PageType type = PageType::kDataPage;
  std::int32_t uncompressed_size = 0, compressed_size = 0;
  // Data page (v1 and v2) and dictionary page fields.
  std::int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  // v2 only: levels are stored uncompressed before the values, with these lengths.
  std::int32_t num_nulls = 0, num_rows = 0, def_levels_bytes = 0, rep_levels_bytes = 0;
  bool v2_compressed = true;
  std::size_t header_size = 0;  // bytes the header itself took
};

// Both throw ThriftError on malformed input, or std::runtime_error for out-of-range enums.
FileMetaData parse_file_metadata(const std::uint8_t* data, std::size_t size);
PageHeader parse_page_header(const std::uint8_t* data, std::size_t size);

}  // namespace frugal::parquet
