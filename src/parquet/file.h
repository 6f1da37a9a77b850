// A Parquet file: its footer, schema and column chunks, read from a mapped file. Only the leaves
// asked for are read (projection), one row group at a time, so callers can spread row groups over
// threads: every const method is safe to call from several threads at once.
//
// Errors are frugal::InputError naming the file, and the row group and column where it has them:
//   "bill.parquet: row group 3, column line_item_unblended_cost: SNAPPY page data is corrupt".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/metadata.h"

namespace frugal::parquet {

// A leaf column of the schema tree, with Dremel's maximum definition and repetition levels.
struct Leaf {
  std::vector<std::string> path;  // {"resource_tags", "key_value", "key"}
  SchemaElement element;          // the leaf's own schema element
  int max_def = 0, max_rep = 0;
  int top = 0;                    // index of its top-level column
};

// A top-level column: one leaf, or a group (MAP, LIST, struct) of several.
struct TopColumn {
  std::string name;
  SchemaElement element;
  std::vector<int> leaves;  // leaf indexes, in schema order
  bool group = false;
};

// One leaf of one row group, decoded. Level entries are rows for flat columns; values are the
// non-null entries only (those whose definition level is max_def).
struct ColumnData {
  PhysicalType type = PhysicalType::kInt32;
  LogicalKind kind;
  int type_length = 0;
  int max_def = 0, max_rep = 0;
  std::size_t entries = 0;          // level entries
  std::vector<std::int16_t> def;    // empty when max_def is 0
  std::vector<std::int16_t> rep;    // empty when max_rep is 0
  std::vector<std::int64_t> ints;   // BOOLEAN, INT32, INT64; INT96 as nanoseconds since the epoch
  std::vector<double> reals;        // FLOAT, DOUBLE
  std::vector<std::string_view> bytes;  // BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY: views into `owned`
  std::vector<std::unique_ptr<std::string>> owned;  // decompressed pages the views point into
  std::size_t values() const;

  // For reading the next row group into the same object: everything is emptied, but vectors and
  // page buffers keep their memory (a row group's worth of fresh allocations per column otherwise
  // costs more in page faults than the decoding).
  void reuse();
  std::string& buffer();  // the next page buffer (kept in `owned`, reused after reuse())

 private:
  std::size_t owned_used_ = 0;
};

class ParquetFile {
 public:
  // Maps `path` and reads its footer; `name` is used in errors (defaults to path).
  explicit ParquetFile(const std::string& path, std::string name = "");
  // A file already in memory (tests, the fuzzer): `bytes` is copied.
  static std::unique_ptr<ParquetFile> from_bytes(std::string_view bytes, std::string name);
  ~ParquetFile();
  ParquetFile(const ParquetFile&) = delete;
  ParquetFile& operator=(const ParquetFile&) = delete;

  const FileMetaData& metadata() const { return md_; }
  const std::vector<TopColumn>& columns() const { return top_; }
  const std::vector<Leaf>& leaves() const { return leaves_; }
  const std::string& name() const { return name_; }
  std::int64_t num_rows() const { return md_.num_rows; }
  int row_groups() const { return static_cast<int>(md_.row_groups.size()); }

  ColumnData read(int row_group, int leaf) const;
  // The same into `out`, reusing its memory (see ColumnData::reuse).
  void read(int row_group, int leaf, ColumnData& out) const;
  // Gives the mapped pages of a row group back to the kernel once it is read (memory stays flat).
  void release(int row_group) const;

  // "row group 3, column a.b" for errors.
  std::string where(int row_group, int leaf) const;

 private:
  ParquetFile() = default;
  void open_footer();  // reads and checks the footer of data_/size_; throws InputError
  void build_schema();
  std::string name_;
  std::string owned_;  // the bytes of an in-memory file
  int fd_ = -1;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  FileMetaData md_;
  std::vector<Leaf> leaves_;
  std::vector<TopColumn> top_;
};

// True when the file at `path` starts with Parquet's magic "PAR1".
bool is_parquet_file(const std::string& path);
bool is_parquet_data(std::string_view head);

// Text of value `i` of a column: decimals exactly ("12.340"), timestamps as
// "2025-09-01T13:00:00Z" (fractions kept), dates "2025-09-01", doubles in their shortest exact
// form, booleans "true"/"false", strings as they are. Appends to `out`.
void append_text(const ColumnData& c, std::size_t i, std::string& out);

}  // namespace frugal::parquet
