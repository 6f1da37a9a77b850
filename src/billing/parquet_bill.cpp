// Parquet bill exports (AWS Data Exports' CUR 2.0 and FOCUS, legacy CUR in Parquet): the same
// row loop as the CSV readers, over only the columns it reads, row groups spread over threads.
#include <fmt/format.h>

#include <exception>
#include <optional>
#include <thread>

#include "billing/reader.h"
#include "billing/row_loop.h"
#include "parquet/rows.h"

namespace frugal::billing {

namespace {

// One row group's rows as the records read_rows takes: the plan's columns are filled, the others
// stay empty (they are never looked at).
class ParquetRecords {
 public:
  ParquetRecords(const parquet::ParquetFile& file, int rg, const std::vector<int>& used, std::size_t header_size, std::int64_t first_row,
                 parquet::RowGroupCells& cells)
      : file_(file), rg_(rg), used_(used), header_size_(header_size), first_row_(first_row), cells_(cells) {}
  bool next(std::vector<std::string_view>& f) {
    if (f.size() != header_size_) f.assign(header_size_, {});
    if (!cells_.next(buf_)) return false;
    for (std::size_t k = 0; k < used_.size(); ++k) f[static_cast<std::size_t>(used_[k])] = buf_[k];
    return true;
  }
  // The row's number in the file, 1-based (Parquet has no lines; errors count rows).
  int record_line() const { return static_cast<int>(first_row_ + cells_.row() + 1); }
  SourceLocation field_location(std::size_t column) const {
    return {fmt::format("{}: row group {}, column {}, row {}", file_.name(), rg_, file_.columns()[column].name, record_line()), 0, 0};
  }

 private:
  const parquet::ParquetFile& file_;
  int rg_;
  const std::vector<int>& used_;
  std::size_t header_size_;
  std::int64_t first_row_;
  parquet::RowGroupCells& cells_;  // the thread's, loaded with row group rg
  std::vector<std::string_view> buf_;
};

}  // namespace

ReadStats read_bill_parquet(const std::string& path, const std::vector<LineSink>& sinks, const ReadOptions& opt) {
  if (sinks.empty()) throw Error("read_bill_parquet: no sink");
  const parquet::ParquetFile file(path);
  std::vector<std::string> header;
  for (const auto& c : file.columns()) header.push_back(c.name);
  ReadStats st;
  st.format = opt.force ? *opt.force : detect_format(header, path);
  const detail::RowPlan plan = detail::plan_rows(header, path, st.format, opt);
  const std::vector<int> used = plan.used();
  const int groups = file.row_groups();
  std::vector<std::int64_t> first_row(static_cast<std::size_t>(groups) + 1, 0);
  for (int g = 0; g < groups; ++g) first_row[static_cast<std::size_t>(g) + 1] = first_row[static_cast<std::size_t>(g)] + file.metadata().row_groups[static_cast<std::size_t>(g)].num_rows;
  const std::size_t n = std::min<std::size_t>(sinks.size(), static_cast<std::size_t>(std::max(groups, 1)));
  std::vector<ReadStats> part(n, st);
  std::vector<std::exception_ptr> failed(static_cast<std::size_t>(groups));
  // Thread t reads row groups t, t + n, ...; sink t is only used by thread t. A failed row group
  // stops its thread; the first failure in file order is reported.
  auto work = [&](std::size_t t) {
    part[t].rows = part[t].split_rows = 0;
    // One set of column buffers per thread, reloaded row group after row group.
    std::optional<parquet::RowGroupCells> cells;
    for (int g = static_cast<int>(t); g < groups; g += static_cast<int>(n)) {
      try {
        if (cells) {
          cells->load(g);
        } else {
          cells.emplace(file, g, used);
          cells->set_map_keys(plan.tag_keys);
        }
        ParquetRecords rec(file, g, used, header.size(), first_row[static_cast<std::size_t>(g)], *cells);
        detail::read_rows(rec, plan, path, sinks[t], opt, part[t]);
        file.release(g);
      } catch (...) {
        failed[static_cast<std::size_t>(g)] = std::current_exception();
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < n; ++t) threads.emplace_back(work, t);
  work(0);
  for (auto& th : threads) th.join();
  for (const auto& e : failed) {
    if (e) std::rethrow_exception(e);
  }
  for (const auto& p : part) {
    st.rows += p.rows;
    st.split_rows += p.split_rows;
    if (p.bad_rows && st.bad_rows == 0) st.first_bad = p.first_bad;
    st.bad_rows += p.bad_rows;
  }
  return st;
}

}  // namespace frugal::billing
