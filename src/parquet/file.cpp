#include "parquet/file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <functional>

#include "core/error.h"
#include "parquet/codec.h"
#include "parquet/encoding.h"
#include "parquet/thrift_compact.h"

namespace frugal::parquet {

__extension__ typedef __int128 i128;  // __extension__: a GCC/Clang type, without -Wpedantic noise
__extension__ typedef unsigned __int128 u128;

namespace {
constexpr std::size_t kMagic = 4;
constexpr std::int64_t kUnixEpochJulianDay = 2440588;  // INT96 timestamps count Julian days
}  // namespace

bool is_parquet_data(std::string_view head) { return head.substr(0, 4) == "PAR1"; }

bool is_parquet_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char b[4] = {};
  const ssize_t n = ::pread(fd, b, 4, 0);
  ::close(fd);
  return n == 4 && is_parquet_data(std::string_view(b, 4));
}

std::size_t ColumnData::values() const {
  switch (type) {
    case PhysicalType::kFloat:
    case PhysicalType::kDouble: return reals.size();
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray: return bytes.size();
    default: return ints.size();
  }
}

void ColumnData::reuse() {
  entries = 0;
  def.clear();
  rep.clear();
  ints.clear();
  reals.clear();
  bytes.clear();
  owned_used_ = 0;
}

std::string& ColumnData::buffer() {
  if (owned_used_ == owned.size()) owned.push_back(std::make_unique<std::string>());
  std::string& b = *owned[owned_used_++];
  b.clear();
  return b;
}

ParquetFile::ParquetFile(const std::string& path, std::string name) : name_(name.empty() ? path : std::move(name)) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(fmt::format("{}: cannot open file", name_));
  struct stat sb {};
  if (::fstat(fd_, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    ::close(fd_);
    throw Error(fmt::format("{}: not a regular file", name_));
  }
  size_ = static_cast<std::size_t>(sb.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) {
      ::close(fd_);
      throw Error(fmt::format("{}: cannot map file", name_));
    }
    data_ = static_cast<const std::uint8_t*>(p);
  }
  try {
    open_footer();
  } catch (...) {
    if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
    ::close(fd_);
    throw;
  }
}

std::unique_ptr<ParquetFile> ParquetFile::from_bytes(std::string_view bytes, std::string name) {
  std::unique_ptr<ParquetFile> f(new ParquetFile());
  f->name_ = std::move(name);
  f->owned_.assign(bytes);
  f->data_ = reinterpret_cast<const std::uint8_t*>(f->owned_.data());
  f->size_ = f->owned_.size();
  f->open_footer();
  return f;
}

void ParquetFile::open_footer() {
  auto bad = [&](const std::string& what) { throw InputError(fmt::format("{}: {}", name_, what)); };
  if (size_ < 2 * kMagic + 4) bad("not a Parquet file (too short for its header and footer)");
  if (std::memcmp(data_, "PAR1", 4) != 0) bad("not a Parquet file (expected PAR1 at its start)");
  if (std::memcmp(data_ + size_ - 4, "PAR1", 4) != 0) bad("truncated Parquet file (no PAR1 at its end; was it still being written?)");
  std::uint32_t footer_len;
  std::memcpy(&footer_len, data_ + size_ - 8, 4);
  if (footer_len > size_ - 2 * kMagic - 4) bad(fmt::format("footer length {} larger than the file", footer_len));
  try {
    md_ = parse_file_metadata(data_ + size_ - 8 - footer_len, footer_len);
  } catch (const std::exception& e) {
    bad(fmt::format("bad footer: {}", e.what()));
  }
  build_schema();
}

ParquetFile::~ParquetFile() {
  if (data_ && owned_.empty() && fd_ >= 0) ::munmap(const_cast<std::uint8_t*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

void ParquetFile::build_schema() {
  const auto& s = md_.schema;
  std::size_t at = 1;  // schema[0] is the root
  // Depth-first walk: each group's children follow it.
  std::function<void(std::vector<std::string>&, int, int, int)> walk = [&](std::vector<std::string>& path, int def, int rep, int top) {
    if (at >= s.size()) throw InputError(fmt::format("{}: schema ends before its groups' children", name_));
    if (path.size() > 16) throw InputError(fmt::format("{}: schema nested deeper than 16 levels", name_));
    const SchemaElement& e = s[at++];
    path.push_back(e.name);
    if (e.repetition == Repetition::kOptional) ++def;
    if (e.repetition == Repetition::kRepeated) ++def, ++rep;
    if (e.num_children == 0) {
      if (!e.type) throw InputError(fmt::format("{}: schema leaf '{}' has no physical type", name_, e.name));
      leaves_.push_back(Leaf{path, e, def, rep, top});
      top_[static_cast<std::size_t>(top)].leaves.push_back(static_cast<int>(leaves_.size() - 1));
    } else {
      for (int c = 0; c < e.num_children; ++c) walk(path, def, rep, top);
    }
    path.pop_back();
  };
  for (int c = 0; c < s[0].num_children; ++c) {
    if (at >= s.size()) throw InputError(fmt::format("{}: schema ends before its root's children", name_));
    top_.push_back(TopColumn{s[at].name, s[at], {}, s[at].num_children > 0});
    std::vector<std::string> path;
    walk(path, 0, 0, static_cast<int>(top_.size() - 1));
  }
  for (std::size_t g = 0; g < md_.row_groups.size(); ++g) {
    const auto& rg = md_.row_groups[g];
    if (rg.columns.size() != leaves_.size()) {
      throw InputError(fmt::format("{}: row group {} has {} column chunks for {} schema leaves", name_, g, rg.columns.size(), leaves_.size()));
    }
    for (std::size_t l = 0; l < leaves_.size(); ++l) {
      if (rg.columns[l].type != *leaves_[l].element.type) {
        throw InputError(fmt::format("{}: {}: chunk type differs from the schema", name_, where(static_cast<int>(g), static_cast<int>(l))));
      }
    }
  }
}

std::string ParquetFile::where(int row_group, int leaf) const {
  std::string p;
  for (const auto& part : leaves_[static_cast<std::size_t>(leaf)].path) p += (p.empty() ? "" : ".") + part;
  return fmt::format("row group {}, column {}", row_group, p);
}

void ParquetFile::release(int row_group) const {
  if (fd_ < 0) return;  // in memory: nothing mapped
  const auto& rg = md_.row_groups[static_cast<std::size_t>(row_group)];
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  for (const auto& c : rg.columns) {
    const std::int64_t start = c.dictionary_page_offset && *c.dictionary_page_offset > 0 ? std::min(*c.dictionary_page_offset, c.data_page_offset) : c.data_page_offset;
    if (start < 0 || c.total_compressed_size <= 0 || static_cast<std::size_t>(start) >= size_) continue;
    const std::size_t from = (static_cast<std::size_t>(start) + page - 1) / page * page;
    const std::size_t to = std::min(size_, static_cast<std::size_t>(start + c.total_compressed_size)) / page * page;
    if (to > from) ::madvise(const_cast<std::uint8_t*>(data_ + from), to - from, MADV_DONTNEED);
  }
}

namespace {

// Plain-encoded values of a page (or dictionary) appended to the column's value vectors.
void decode_plain(ColumnData& c, const std::uint8_t* p, std::size_t size, std::size_t n, std::vector<std::int64_t>& ints,
                  std::vector<double>& reals, std::vector<std::string_view>& bytes) {
  auto need = [&](std::size_t k) {
    if (size < k) throw EncodingError("PLAIN values run past the page");
  };
  switch (c.type) {
    case PhysicalType::kBoolean:
      need((n + 7) / 8);
      for (std::size_t i = 0; i < n; ++i) ints.push_back((p[i / 8] >> (i % 8)) & 1);
      return;
    case PhysicalType::kInt32:
      need(n * 4);
      for (std::size_t i = 0; i < n; ++i) {
        std::int32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        ints.push_back(v);
      }
      return;
    case PhysicalType::kInt64:
      need(n * 8);
      {
        const std::size_t at = ints.size();
        ints.resize(at + n);
        if (n) std::memcpy(ints.data() + at, p, n * 8);  // (no values: data() may be null)
      }
      return;
    case PhysicalType::kInt96:
      need(n * 12);
      for (std::size_t i = 0; i < n; ++i) {
        std::int64_t nanos;
        std::int32_t day;
        std::memcpy(&nanos, p + 12 * i, 8);
        std::memcpy(&day, p + 12 * i + 8, 4);
        ints.push_back((static_cast<std::int64_t>(day) - kUnixEpochJulianDay) * 86400LL * 1000000000LL + nanos);
      }
      return;
    case PhysicalType::kFloat:
      need(n * 4);
      for (std::size_t i = 0; i < n; ++i) {
        float v;
        std::memcpy(&v, p + 4 * i, 4);
        reals.push_back(v);
      }
      return;
    case PhysicalType::kDouble:
      need(n * 8);
      {
        const std::size_t at = reals.size();
        reals.resize(at + n);
        if (n) std::memcpy(reals.data() + at, p, n * 8);
      }
      return;
    case PhysicalType::kByteArray: {
      std::size_t off = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (size - off < 4) throw EncodingError("PLAIN string length runs past the page");
        std::uint32_t len;
        std::memcpy(&len, p + off, 4);
        off += 4;
        if (len > size - off) throw EncodingError("PLAIN string runs past the page");
        bytes.emplace_back(reinterpret_cast<const char*>(p + off), len);
        off += len;
      }
      return;
    }
    case PhysicalType::kFixedLenByteArray: {
      const auto w = static_cast<std::size_t>(c.type_length);
      if (w == 0) throw EncodingError("FIXED_LEN_BYTE_ARRAY of length 0");
      need(n * w);
      for (std::size_t i = 0; i < n; ++i) bytes.emplace_back(reinterpret_cast<const char*>(p + i * w), w);
      return;
    }
  }
}

}  // namespace

ColumnData ParquetFile::read(int row_group, int leaf_index) const {
  ColumnData c;
  read(row_group, leaf_index, c);
  return c;
}

void ParquetFile::read(int row_group, int leaf_index, ColumnData& c) const {
  c.reuse();
  if (row_group < 0 || row_group >= row_groups() || leaf_index < 0 || leaf_index >= static_cast<int>(leaves_.size())) {
    throw Error("ParquetFile::read: no such row group or column");
  }
  const Leaf& leaf = leaves_[static_cast<std::size_t>(leaf_index)];
  const ColumnMeta& m = md_.row_groups[static_cast<std::size_t>(row_group)].columns[static_cast<std::size_t>(leaf_index)];
  c.type = *leaf.element.type;
  c.kind = leaf.element.kind;
  c.type_length = leaf.element.type_length;
  c.max_def = leaf.max_def;
  c.max_rep = leaf.max_rep;
  auto fail = [&](const std::string& what) -> void {
    throw InputError(fmt::format("{}: {}: {}", name_, where(row_group, leaf_index), what));
  };
  try {
    std::int64_t pos = m.dictionary_page_offset && *m.dictionary_page_offset > 0 ? std::min(*m.dictionary_page_offset, m.data_page_offset) : m.data_page_offset;
    if (pos < static_cast<std::int64_t>(kMagic) || m.total_compressed_size < 0 || static_cast<std::uint64_t>(pos) >= size_ ||
        static_cast<std::uint64_t>(m.total_compressed_size) > size_ - static_cast<std::uint64_t>(pos)) {
      fail("column chunk lies outside the file");
    }
    const std::int64_t end = pos + m.total_compressed_size;
    std::vector<std::int64_t> dict_ints;
    std::vector<double> dict_reals;
    std::vector<std::string_view> dict_bytes;
    bool has_dict = false;
    // A column chunk beyond 2^26 values (row groups are 10^5-10^7 rows in practice) is refused
    // before anything is sized by it.
    if (m.num_values < 0 || m.num_values > (std::int64_t{1} << 26)) fail(fmt::format("column chunk of {} values", m.num_values));
    std::size_t values_left = static_cast<std::size_t>(m.num_values);
    std::vector<std::uint32_t> idx;
    while (values_left > 0) {
      if (pos >= end) fail(fmt::format("column chunk ends with {} values still to read", values_left));
      PageHeader h;
      try {
        h = parse_page_header(data_ + pos, static_cast<std::size_t>(end - pos));
      } catch (const ThriftError& e) {
        fail(fmt::format("bad page header at byte {}: {}", pos, e.what()));
      }
      pos += static_cast<std::int64_t>(h.header_size);
      if (h.compressed_size > end - pos) fail(fmt::format("page at byte {} runs past its column chunk", pos));
      const std::uint8_t* body = data_ + pos;
      pos += h.compressed_size;
      if (h.type == PageType::kIndexPage) continue;
      if (h.type == PageType::kDictionaryPage) {
        if (h.encoding != Encoding::kPlain && h.encoding != Encoding::kPlainDictionary) fail(fmt::format("dictionary page encoded {}", to_string(h.encoding)));
        std::string& buf = c.buffer();
        decompress(m.codec, body, static_cast<std::size_t>(h.compressed_size), static_cast<std::size_t>(h.uncompressed_size), buf);
        dict_ints.clear(), dict_reals.clear(), dict_bytes.clear();
        decode_plain(c, reinterpret_cast<const std::uint8_t*>(buf.data()), buf.size(), static_cast<std::size_t>(h.num_values), dict_ints, dict_reals, dict_bytes);
        has_dict = true;
        continue;
      }
      const auto n = static_cast<std::size_t>(h.num_values);
      if (n > values_left) fail("pages hold more values than the column chunk");
      values_left -= n;
      // Levels, then values; where they are depends on the page version.
      std::string* buf = &c.buffer();
      const std::uint8_t* vals = nullptr;
      std::size_t vals_size = 0;
      if (h.type == PageType::kDataPage) {
        decompress(m.codec, body, static_cast<std::size_t>(h.compressed_size), static_cast<std::size_t>(h.uncompressed_size), *buf);
        const auto* p = reinterpret_cast<const std::uint8_t*>(buf->data());
        std::size_t left = buf->size();
        if (c.max_rep > 0) {
          const std::size_t k = decode_levels_v1(p, left, c.max_rep, n, c.rep);
          p += k, left -= k;
        }
        if (c.max_def > 0) {
          const std::size_t k = decode_levels_v1(p, left, c.max_def, n, c.def);
          p += k, left -= k;
        }
        vals = p;
        vals_size = left;
      } else {
        const auto lv = static_cast<std::size_t>(h.def_levels_bytes) + static_cast<std::size_t>(h.rep_levels_bytes);
        if (lv > static_cast<std::size_t>(h.compressed_size) || lv > static_cast<std::size_t>(h.uncompressed_size)) fail("v2 page levels longer than the page");
        if (c.max_rep > 0) decode_levels_v2(body, static_cast<std::size_t>(h.rep_levels_bytes), c.max_rep, n, c.rep);
        if (c.max_def > 0) decode_levels_v2(body + h.rep_levels_bytes, static_cast<std::size_t>(h.def_levels_bytes), c.max_def, n, c.def);
        const std::size_t csize = static_cast<std::size_t>(h.compressed_size) - lv, usize = static_cast<std::size_t>(h.uncompressed_size) - lv;
        if (h.v2_compressed) decompress(m.codec, body + lv, csize, usize, *buf);
        else decompress(Codec::kUncompressed, body + lv, csize, csize, *buf);
        vals = reinterpret_cast<const std::uint8_t*>(buf->data());
        vals_size = buf->size();
      }
      // Non-null values in this page.
      std::size_t nn = n;
      if (c.max_def > 0) {
        nn = 0;
        for (std::size_t i = c.def.size() - n; i < c.def.size(); ++i) nn += c.def[i] == c.max_def;
      }
      c.entries += n;
      switch (h.encoding) {
        case Encoding::kPlain: decode_plain(c, vals, vals_size, nn, c.ints, c.reals, c.bytes); break;
        case Encoding::kPlainDictionary:
        case Encoding::kRleDictionary: {
          if (!has_dict) fail("dictionary-encoded page without a dictionary page");
          if (nn == 0) break;
          if (vals_size < 1) fail("dictionary page data is empty");
          idx.resize(nn);
          RleDecoder d(vals + 1, vals_size - 1, vals[0]);
          d.get(idx.data(), nn);
          const std::size_t dn = c.type == PhysicalType::kByteArray || c.type == PhysicalType::kFixedLenByteArray ? dict_bytes.size()
                                 : c.type == PhysicalType::kFloat || c.type == PhysicalType::kDouble        ? dict_reals.size()
                                                                                                              : dict_ints.size();
          for (std::uint32_t k : idx) {
            if (k >= dn) fail(fmt::format("dictionary index {} beyond the dictionary's {} values", k, dn));
          }
          if (!dict_bytes.empty() || c.type == PhysicalType::kByteArray || c.type == PhysicalType::kFixedLenByteArray) {
            c.bytes.reserve(c.bytes.size() + idx.size());
            for (std::uint32_t k : idx) c.bytes.push_back(dict_bytes[k]);
          } else if (c.type == PhysicalType::kFloat || c.type == PhysicalType::kDouble) {
            for (std::uint32_t k : idx) c.reals.push_back(dict_reals[k]);
          } else {
            for (std::uint32_t k : idx) c.ints.push_back(dict_ints[k]);
          }
          break;
        }
        case Encoding::kRle:
          if (c.type != PhysicalType::kBoolean) fail("RLE values on a non-boolean column");
          if (vals_size < 4) fail("RLE boolean length runs past the page");
          {
            std::uint32_t len;
            std::memcpy(&len, vals, 4);
            if (len > vals_size - 4) fail("RLE booleans run past the page");
            idx.resize(nn);
            RleDecoder d(vals + 4, len, 1);
            d.get(idx.data(), nn);
            for (auto k : idx) c.ints.push_back(k);
          }
          break;
        case Encoding::kDeltaBinaryPacked: {
          if (c.type != PhysicalType::kInt32 && c.type != PhysicalType::kInt64) fail("DELTA_BINARY_PACKED on a non-integer column");
          decode_delta_binary_packed(vals, vals_size, c.ints, static_cast<long long>(nn));
          break;
        }
        case Encoding::kDeltaLengthByteArray:
          if (c.type != PhysicalType::kByteArray) fail("DELTA_LENGTH_BYTE_ARRAY on a non-string column");
          decode_delta_length_byte_array(vals, vals_size, nn, c.bytes);
          break;
        case Encoding::kDeltaByteArray: {
          if (c.type != PhysicalType::kByteArray && c.type != PhysicalType::kFixedLenByteArray) fail("DELTA_BYTE_ARRAY on a non-string column");
          // Values are rebuilt into a buffer of their own (buffers live behind unique_ptrs: the
          // page's stays where it is when the pool grows).
          std::string& store = c.buffer();
          decode_delta_byte_array(vals, vals_size, nn, store, c.bytes);
          break;
        }
        case Encoding::kByteStreamSplit: {
          const int w = c.type == PhysicalType::kFloat || c.type == PhysicalType::kInt32 ? 4
                        : c.type == PhysicalType::kDouble || c.type == PhysicalType::kInt64 ? 8
                        : c.type == PhysicalType::kFixedLenByteArray ? c.type_length : 0;
          if (w <= 0) fail("BYTE_STREAM_SPLIT on an unsupported column type");
          std::string out(nn * static_cast<std::size_t>(w), '\0');
          decode_byte_stream_split(vals, vals_size, nn, w, reinterpret_cast<std::uint8_t*>(out.data()));
          if (c.type == PhysicalType::kFixedLenByteArray) {
            std::string& store = c.buffer();
            store = std::move(out);
            for (std::size_t i = 0; i < nn; ++i) c.bytes.emplace_back(store.data() + i * static_cast<std::size_t>(w), static_cast<std::size_t>(w));
          } else {
            decode_plain(c, reinterpret_cast<const std::uint8_t*>(out.data()), out.size(), nn, c.ints, c.reals, c.bytes);
          }
          break;
        }
        default: fail(fmt::format("values encoded {} are not supported", to_string(h.encoding)));
      }
    }
    if (c.values() > c.entries) fail("more values than level entries");
  } catch (const EncodingError& e) {
    fail(e.what());
  }
}

namespace {

std::string decimal_text(i128 v, int scale) {
  const bool neg = v < 0;
  u128 u = neg ? static_cast<u128>(-(v + 1)) + 1 : static_cast<u128>(v);
  char buf[48];
  char* e = buf + sizeof buf;
  char* p = e;
  do {
    *--p = static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
  } while (u);
  std::string digits(p, e);
  if (scale > 0) {
    if (digits.size() <= static_cast<std::size_t>(scale)) digits.insert(0, static_cast<std::size_t>(scale) - digits.size() + 1, '0');
    digits.insert(digits.size() - static_cast<std::size_t>(scale), 1, '.');
  } else if (scale < 0) {
    digits.append(static_cast<std::size_t>(-scale), '0');
  }
  return neg ? "-" + digits : digits;
}

void civil(std::int64_t days, int& y, unsigned& m, unsigned& d) {
  // Howard Hinnant's civil_from_days.
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
}

// Appends `n` as exactly `width` digits.
void digits(std::string& out, std::int64_t n, int width) {
  char b[20];
  for (int i = width - 1; i >= 0; --i) {
    b[i] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  out.append(b, static_cast<std::size_t>(width));
}

void append_timestamp(std::int64_t v, TimeUnit unit, std::string& out) {
  const std::int64_t per_s = unit == TimeUnit::kMillis ? 1000 : unit == TimeUnit::kMicros ? 1000000 : 1000000000;
  std::int64_t secs = v / per_s, frac = v % per_s;
  if (frac < 0) frac += per_s, --secs;
  std::int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) sod += 86400, --days;
  int y;
  unsigned m, d;
  civil(days, y, m, d);
  if (y < 0 || y > 9999) {
    fmt::format_to(std::back_inserter(out), "{}", y);
  } else {
    digits(out, y, 4);
  }
  out += '-';
  digits(out, m, 2);
  out += '-';
  digits(out, d, 2);
  out += 'T';
  digits(out, sod / 3600, 2);
  out += ':';
  digits(out, sod / 60 % 60, 2);
  out += ':';
  digits(out, sod % 60, 2);
  if (frac) {
    out += '.';
    digits(out, frac, unit == TimeUnit::kMillis ? 3 : unit == TimeUnit::kMicros ? 6 : 9);
  }
  out += 'Z';
}

}  // namespace

void append_text(const ColumnData& c, std::size_t i, std::string& out) {
  switch (c.type) {
    case PhysicalType::kBoolean: out += c.ints[i] ? "true" : "false"; return;
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
    case PhysicalType::kInt96: {
      const std::int64_t v = c.ints[i];
      if (c.kind.decimal) out += decimal_text(v, c.kind.scale);
      else if (c.type == PhysicalType::kInt96) append_timestamp(v, TimeUnit::kNanos, out);
      else if (c.kind.timestamp != TimeUnit::kNone) append_timestamp(v, c.kind.timestamp, out);
      else if (c.kind.date) append_timestamp(v * 86400000, TimeUnit::kMillis, out), out.resize(out.size() - 10);  // keep the date
      else {
        char b[24];
        out.append(b, static_cast<std::size_t>(std::to_chars(b, b + sizeof b, v).ptr - b));
      }
      return;
    }
    case PhysicalType::kFloat:
    case PhysicalType::kDouble: {
      // The shortest text that reads back as the same double (what a CSV export would hold).
      char b[32];
      const auto r = c.type == PhysicalType::kFloat ? std::to_chars(b, b + sizeof b, static_cast<float>(c.reals[i]))
                                                    : std::to_chars(b, b + sizeof b, c.reals[i]);
      out.append(b, static_cast<std::size_t>(r.ptr - b));
      return;
    }
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray: {
      const std::string_view b = c.bytes[i];
      if (!c.kind.decimal) {
        out += b;
        return;
      }
      if (b.size() > 16) throw InputError("decimal wider than 16 bytes");
      i128 v = b.empty() ? 0 : (static_cast<signed char>(b[0]) < 0 ? -1 : 0);  // sign-extend big-endian bytes
      for (char ch : b) v = static_cast<i128>((static_cast<u128>(v) << 8) | static_cast<unsigned char>(ch));
      out += decimal_text(v, c.kind.scale);
      return;
    }
  }
}

}  // namespace frugal::parquet
