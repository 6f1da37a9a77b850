#include "parquet/rows.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace frugal::parquet {

RowGroupCells::RowGroupCells(const ParquetFile& file, int row_group, const std::vector<int>& top_columns) : file_(file), rg_(row_group) {
  for (int t : top_columns) {
    const TopColumn& tc = file.columns()[static_cast<std::size_t>(t)];
    Col c;
    c.top = t;
    int max_rep = 0;
    for (int l : tc.leaves) {
      c.leaves.push_back(LeafCursor{ColumnData{}, file.leaves()[static_cast<std::size_t>(l)].path.back()});
      max_rep = std::max(max_rep, file.leaves()[static_cast<std::size_t>(l)].max_rep);
    }
    if (max_rep > 1) throw InputError(fmt::format("{}: {}: nested repeated columns are not supported", file.name(), file.where(row_group, tc.leaves[0])));
    if (!tc.group) c.shape = max_rep ? Col::kList : Col::kFlat;
    else if (max_rep == 0) c.shape = Col::kStruct;
    else if (tc.leaves.size() == 1) c.shape = Col::kList;
    else if (tc.leaves.size() == 2) c.shape = Col::kMap;
    else throw InputError(fmt::format("{}: {}: a repeated group of {} fields is not supported", file.name(), file.where(row_group, tc.leaves[0]), tc.leaves.size()));
    cols_.push_back(std::move(c));
  }
  load(row_group);
}

void RowGroupCells::load(int row_group) {
  rg_ = row_group;
  row_ = 0;
  rows_ = file_.metadata().row_groups[static_cast<std::size_t>(row_group)].num_rows;
  for (auto& c : cols_) {
    c.has_last = false;
    const TopColumn& tc = file_.columns()[static_cast<std::size_t>(c.top)];
    for (std::size_t k = 0; k < c.leaves.size(); ++k) {
      LeafCursor& lc = c.leaves[k];
      file_.read(row_group, tc.leaves[k], lc.d);
      lc.e = lc.v = 0;
      // Flat leaves hold one entry per row; repeated ones start each row with repetition level 0.
      const std::size_t rows_seen = lc.d.max_rep == 0 ? lc.d.entries : static_cast<std::size_t>(std::count(lc.d.rep.begin(), lc.d.rep.end(), 0));
      if (static_cast<std::int64_t>(rows_seen) != rows_) {
        throw InputError(fmt::format("{}: {}: {} rows where the row group has {}", file_.name(), file_.where(row_group, tc.leaves[k]), rows_seen, rows_));
      }
    }
  }
}

namespace {

// Appends s as a JSON string.
void quoted(std::string_view s, std::string& out) {
  out += '"';
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '"';
}

// The entries of one row of a repeated leaf: [e, end).
std::size_t row_end(const ColumnData& d, std::size_t e) {
  std::size_t end = e + 1;
  while (end < d.entries && d.rep[end] != 0) ++end;
  return end;
}

}  // namespace

std::string_view RowGroupCells::cell(Col& c) {
  if (c.shape != Col::kFlat) c.text.clear();
  auto present = [](const LeafCursor& l, std::size_t e) { return l.d.max_def == 0 || l.d.def[e] == l.d.max_def; };
  auto value_text = [&](LeafCursor& l, std::string& out) {
    append_text(l.d, l.v++, out);
  };
  switch (c.shape) {
    case Col::kFlat: {
      LeafCursor& l = c.leaves[0];
      const std::size_t e = l.e++;
      if (!present(l, e)) return {};
      if (l.d.type == PhysicalType::kByteArray || l.d.type == PhysicalType::kFixedLenByteArray) {
        if (!l.d.kind.decimal) return l.d.bytes[l.v++];
      } else {
        std::int64_t bits;
        if (l.d.type == PhysicalType::kFloat || l.d.type == PhysicalType::kDouble) std::memcpy(&bits, &l.d.reals[l.v], 8);
        else bits = l.d.ints[l.v];
        if (c.has_last && bits == c.last) {
          ++l.v;
          return c.text;
        }
        c.has_last = true;
        c.last = bits;
      }
      c.text.clear();
      value_text(l, c.text);
      return c.text;
    }
    case Col::kStruct: {
      bool any = false;
      c.text += '{';
      for (auto& l : c.leaves) {
        const std::size_t e = l.e++;
        if (!present(l, e)) continue;
        if (any) c.text += ',';
        any = true;
        quoted(l.name, c.text);
        c.text += ':';
        std::string v;
        value_text(l, v);
        quoted(v, c.text);
      }
      if (!any) return {};
      c.text += '}';
      return c.text;
    }
    case Col::kList: {
      LeafCursor& l = c.leaves[0];
      const std::size_t end = row_end(l.d, l.e);
      bool any = false;
      c.text += '[';
      for (; l.e < end; ++l.e) {
        if (!present(l, l.e)) continue;
        if (any) c.text += ',';
        any = true;
        std::string v;
        value_text(l, v);
        quoted(v, c.text);
      }
      l.e = end;
      if (!any) return {};
      c.text += ']';
      return c.text;
    }
    case Col::kMap: {
      LeafCursor& k = c.leaves[0];
      LeafCursor& v = c.leaves[1];
      const std::size_t end = row_end(k.d, k.e);
      const std::size_t vend = row_end(v.d, v.e);
      if (vend - v.e != end - k.e) throw InputError(fmt::format("{}: row group {}: a map's keys and values disagree at row {}", file_.name(), rg_, row_));
      bool any = false;
      c.text += '{';
      for (; k.e < end; ++k.e, ++v.e) {
        if (!present(k, k.e)) continue;  // an empty or null map
        // Values are consumed in order whether or not their entry is kept.
        const bool has_value = present(v, v.e);
        std::string s;
        value_text(k, s);
        if (!map_keys_.empty() && std::find(map_keys_.begin(), map_keys_.end(), s) == map_keys_.end()) {
          if (has_value) ++v.v;
          continue;
        }
        if (any) c.text += ',';
        any = true;
        quoted(s, c.text);
        c.text += ':';
        if (has_value) {
          s.clear();
          value_text(v, s);
          quoted(s, c.text);
        } else {
          c.text += "null";
        }
      }
      k.e = end;
      v.e = vend;
      if (!any) return {};
      c.text += '}';
      return c.text;
    }
  }
  return {};
}

bool RowGroupCells::next(std::vector<std::string_view>& cells) {
  if (row_ >= rows_) return false;
  cells.resize(cols_.size());
  for (std::size_t i = 0; i < cols_.size(); ++i) cells[i] = cell(cols_[i]);
  ++row_;
  return true;
}

}  // namespace frugal::parquet
