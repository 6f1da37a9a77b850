// Rows of a Parquet row group as text cells, for readers written against text (the bill
// readers share one row loop between CSV and Parquet). Only the top-level columns asked for are
// read. Flat columns give their value's text (see append_text); nested ones are rendered the way
// AWS's CSV exports write them: a MAP as {"k":"v",...} (Athena and CUR 2.0 tags, product), a LIST
// as ["a","b"], a struct as {"field":"v",...}. Null is the empty cell.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parquet/file.h"

namespace frugal::parquet {

class RowGroupCells {
 public:
  // Reads the leaves of `top_columns` (indexes into file.columns()) in row group `row_group`.
  RowGroupCells(const ParquetFile& file, int row_group, const std::vector<int>& top_columns);
  // Reads another row group into the same columns, reusing their memory.
  void load(int row_group);
  // Map columns: keep only the entries whose key is one of `keys` (empty: all), so a reader that
  // looks one tag up does not render every tag of every row.
  void set_map_keys(std::vector<std::string> keys) { map_keys_ = std::move(keys); }
  std::int64_t rows() const { return rows_; }
  // The next row's cells, one per requested column, valid until the next call. False at the end.
  bool next(std::vector<std::string_view>& cells);
  // The column (file.columns() index) a cell came from, and the row just returned (0-based).
  int column(std::size_t cell) const { return cols_[cell].top; }
  std::int64_t row() const { return row_ - 1; }

 private:
  struct LeafCursor {
    ColumnData d;
    std::string name;  // the leaf's last path part
    std::size_t e = 0, v = 0;
  };
  struct Col {
    int top = 0;
    enum Shape { kFlat, kList, kMap, kStruct } shape = kFlat;
    std::vector<LeafCursor> leaves;
    std::string text;
    // Flat numeric columns: the value `text` holds, so a run of equal values (a bill's start
    // times, rates) is rendered once.
    bool has_last = false;
    std::int64_t last = 0;
  };
  std::string_view cell(Col& c);
  const ParquetFile& file_;
  int rg_;
  std::vector<std::string> map_keys_;
  std::vector<Col> cols_;
  std::int64_t rows_ = 0, row_ = 0;
};

}  // namespace frugal::parquet
