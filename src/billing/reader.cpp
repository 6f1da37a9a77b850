#include "billing/reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <climits>
#include <cstring>
#include <string_view>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <streambuf>
#include <thread>

#include "billing/instance_type.h"
#include "billing/row_loop.h"
#include "parquet/file.h"
#include "core/csv.h"
#include "core/csv_span.h"
#include "core/error.h"

namespace frugal::billing {

const char* to_string(Format f) {
  switch (f) {
    case Format::kFocus: return "FOCUS";
    case Format::kCurLegacy: return "CUR (legacy)";
    case Format::kCurAthena: return "CUR (legacy, Athena columns)";
    case Format::kCur2: return "CUR 2.0";
  }
  return "?";
}

const char* to_string(PurchaseOption p) {
  switch (p) {
    case PurchaseOption::kOnDemand: return "OnDemand";
    case PurchaseOption::kSpot: return "Spot";
    case PurchaseOption::kSavingsPlan: return "SavingsPlan";
    case PurchaseOption::kReserved: return "Reserved";
    case PurchaseOption::kOther: return "Other";
  }
  return "?";
}

namespace {

bool has(const std::vector<std::string>& h, const char* col) { return std::find(h.begin(), h.end(), col) != h.end(); }

class GzBuf : public std::streambuf {
 public:
  explicit GzBuf(const std::string& path) : f_(gzopen(path.c_str(), "rb")) {
    if (f_) gzbuffer(f_, 1 << 17);
  }
  ~GzBuf() override {
    if (f_) gzclose(f_);
  }
  bool ok() const { return f_ != nullptr; }
  std::string error;

 protected:
  int_type underflow() override {
    const int n = gzread(f_, buf_, sizeof buf_);
    if (n < 0) {
      int errnum = 0;
      error = gzerror(f_, &errnum);
      return traits_type::eof();
    }
    if (n == 0) {
      int errnum = 0;
      const char* msg = gzerror(f_, &errnum);
      if (errnum != Z_OK && errnum != Z_STREAM_END) error = msg;
      return traits_type::eof();
    }
    setg(buf_, buf_, buf_ + n);
    return traits_type::to_int_type(buf_[0]);
  }

 private:
  gzFile f_;
  char buf_[1 << 17];
};

}  // namespace

Format detect_format(const std::vector<std::string>& h, const std::string& name) {
  if (has(h, "BilledCost") && has(h, "ChargePeriodStart")) return Format::kFocus;
  if (has(h, "lineItem/UnblendedCost")) return Format::kCurLegacy;
  if (has(h, "line_item_unblended_cost")) return has(h, "product") || has(h, "resource_tags") ? Format::kCur2 : Format::kCurAthena;
  fail_at({name, 1, 1},
          "unrecognised bill header: expected FOCUS (BilledCost, ChargePeriodStart), CUR (lineItem/UnblendedCost) or "
          "CUR 2.0 / Athena (line_item_unblended_cost) columns");
}

namespace {

// CsvReader's records as string_views, so one row loop serves streams and mapped memory.
class StreamRecords {
 public:
  StreamRecords(std::istream& in, const std::string& name) : r_(in, name) {}
  bool next(std::vector<std::string_view>& f) {
    if (!r_.next(buf_)) return false;
    f.assign(buf_.begin(), buf_.end());
    return true;
  }
  bool next_strings(std::vector<std::string>& f) { return r_.next(f); }
  int record_line() const { return r_.record_line(); }
  SourceLocation field_location(std::size_t i) const { return r_.field_location(i); }

 private:
  CsvReader r_;
  std::vector<std::string> buf_;
};

// Reads the records after the header from `reader` (StreamRecords or CsvSpanReader), handing
// each line item to `sink`. `st.format` must be set.
}  // namespace

ReadStats read_bill(std::istream& in, const std::string& name, const LineSink& sink, const ReadOptions& opt) {
  StreamRecords reader(in, name);
  std::vector<std::string> header;
  if (!reader.next_strings(header)) fail_at({name, 1, 1}, "empty file (expected a header row)");
  ReadStats st;
  st.format = opt.force ? *opt.force : detect_format(header, name);
  detail::read_rows(reader, detail::plan_rows(header, name, st.format, opt), name, sink, opt, st);
  return st;
}

namespace {

// Why a gzip file does not decompress to its end (a bad block, a CRC mismatch, truncation), or "".
// Deflate cannot tell garbage from data before the member's CRC, so a file corrupt half-way first
// shows as nonsense CSV: this decides which of the two errors is the real one.
std::string gzip_problem(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return "";
  if (gzdirect(f)) {  // not compressed at all
    gzclose(f);
    return "";
  }
  char buf[1 << 16];
  std::string why;
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    int errnum = Z_OK;
    const char* msg = gzerror(f, &errnum);
    if (n < 0 || (errnum != Z_OK && errnum != Z_STREAM_END)) {
      why = msg ? msg : "inflate error";
      break;
    }
    if (n == 0) break;
  }
  gzclose(f);
  if (why.rfind(path + ": ", 0) == 0) why = why.substr(path.size() + 2);  // zlib prefixes the path
  return why;
}

}  // namespace

ReadStats read_bill_file(const std::string& path, const LineSink& sink, const ReadOptions& opt) {
  if (parquet::is_parquet_file(path)) return read_bill_parquet(path, {sink}, opt);
  GzBuf buf(path);
  if (!buf.ok()) throw Error(fmt::format("{}: cannot open file", path));
  std::istream in(&buf);
  ReadStats st;
  try {
    st = read_bill(in, path, sink, opt);
  } catch (const InputError&) {
    const std::string why = buf.error.empty() ? gzip_problem(path) : buf.error;
    if (!why.empty()) throw InputError(fmt::format("{}: corrupt or truncated gzip data ({})", path, why));
    throw;
  }
  if (!buf.error.empty()) throw InputError(fmt::format("{}: corrupt or truncated gzip data ({})", path, buf.error));
  return st;
}

}  // namespace frugal::billing

namespace frugal::billing {
namespace {

// Inflates a whole gzip buffer (concatenated members too, as `cat a.gz b.gz` makes); throws
// InputError naming `name` when it is corrupt or ends early.
std::string gunzip(const char* data, std::size_t size, const std::string& name) {
  std::string out;
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) throw Error("zlib: inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  z.avail_in = static_cast<uInt>(std::min<std::size_t>(size, UINT32_MAX));
  std::size_t left = size - z.avail_in;
  char buf[1 << 16];
  int rc = Z_OK;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (z.avail_in == 0 && left > 0) {
      const std::size_t more = std::min<std::size_t>(left, UINT32_MAX);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data + (size - left)));
      z.avail_in = static_cast<uInt>(more);
      left -= more;
    }
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0 && left == 0) break;
      inflateReset(&z);  // another member follows
      continue;
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && left == 0) break;  // ended inside a member
    if (rc != Z_OK) break;
  }
  const std::string why = rc == Z_STREAM_END ? "" : rc == Z_OK || rc == Z_BUF_ERROR ? "unexpected end of file" : (z.msg ? z.msg : "inflate error");
  inflateEnd(&z);
  if (!why.empty()) throw InputError(fmt::format("{}: corrupt or truncated gzip data ({})", name, why));
  return out;
}

// A read-only view of a whole input: a regular file is mapped; standard input ("-"), a pipe or a
// device (/dev/stdin, <(zcat ...)) cannot be, and is read into memory (and inflated there when
// it is gzip, since it cannot be read twice).
class MappedFile {
 public:
  explicit MappedFile(const std::string& path, const std::string& name) {
    fd_ = path == "-" ? ::fcntl(0, F_DUPFD_CLOEXEC, 0) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(fmt::format("{}: cannot open file", name));
    struct stat sb {};
    if (::fstat(fd_, &sb) != 0) throw Error(fmt::format("{}: cannot stat file", name));
    if (!S_ISREG(sb.st_mode)) {
      char buf[1 << 16];
      for (;;) {
        const ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(fmt::format("{}: read failed ({})", name, std::strerror(errno)));
        owned_.append(buf, static_cast<std::size_t>(n));
      }
      if (owned_.size() >= 2 && static_cast<unsigned char>(owned_[0]) == 0x1f && static_cast<unsigned char>(owned_[1]) == 0x8b) {
        owned_ = gunzip(owned_.data(), owned_.size(), name);
      }
      in_memory_ = true;
      data_ = owned_.data();
      size_ = owned_.size();
      return;
    }
    size_ = static_cast<std::size_t>(sb.st_size);
    if (size_ == 0) return;
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) throw Error(fmt::format("{}: cannot map file", path));
    data_ = static_cast<const char*>(p);
    ::madvise(p, size_, MADV_SEQUENTIAL);
  }
  ~MappedFile() {
    if (data_ && !in_memory_) ::munmap(const_cast<char*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  int fd() const { return fd_; }
  bool in_memory() const { return in_memory_; }

 private:
  std::string owned_;
  bool in_memory_ = false;
  int fd_ = -1;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

constexpr std::size_t kMinChunkedBytes = 4u << 20;
constexpr std::size_t kReleaseEvery = 32u << 20;

// A chunk's records, giving the pages already read back to the kernel every kReleaseEvery bytes,
// so the resident set stays flat whatever the file size (a mapped page otherwise stays counted
// until the unmap). Fields of the previous record are dead once next() is called again.
// `file_base` null: the input is in memory (standard input, a pipe), and nothing is released.
class ChunkRecords {
 public:
  ChunkRecords(const char* file_base, const char* begin, const char* stop, const char* end, const std::string& name, int line)
      : base_(file_base), released_(begin), r_(begin, stop, end, name, line) {}
  bool next(std::vector<std::string_view>& f) {
    const char* at = r_.position();
    if (base_ && static_cast<std::size_t>(at - released_) >= kReleaseEvery) {
      const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
      const auto from = (static_cast<std::size_t>(released_ - base_) + page - 1) / page * page;
      const auto to = static_cast<std::size_t>(at - base_) / page * page;
      if (to > from) ::madvise(const_cast<char*>(base_ + from), to - from, MADV_DONTNEED);
      released_ = at;
    }
    return r_.next(f);
  }
  int record_line() const { return r_.record_line(); }
  SourceLocation field_location(std::size_t i) const { return r_.field_location(i); }

 private:
  const char* base_;
  const char* released_;
  CsvSpanReader r_;
};

template <class F>
void run_parallel(std::size_t n, F&& f) {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < n; ++i) threads.emplace_back(f, i);
  f(0);
  for (auto& t : threads) t.join();
}

}  // namespace

ReadStats read_bill_file_chunked(const std::string& input, const std::vector<LineSink>& sinks, const ReadOptions& opt) {
  if (sinks.empty()) throw Error("read_bill_file_chunked: no sink");
  const std::string path = input == "-" ? std::string(kStdinName) : input;  // as errors name it
  if (input != "-" && parquet::is_parquet_file(input)) return read_bill_parquet(input, sinks, opt);
  const MappedFile file(input, path);
  const char* const base = file.data();
  const std::size_t size = file.size();
  const bool gzip = size >= 2 && static_cast<unsigned char>(base[0]) == 0x1f && static_cast<unsigned char>(base[1]) == 0x8b;
  if (gzip && !file.in_memory()) return read_bill_file(path, sinks[0], opt);
  const char* const end = base + size;
  // Header.
  CsvSpanReader head(base, end, end, path, 1);
  std::vector<std::string_view> hv;
  if (!head.next(hv)) fail_at({path, 1, 1}, "empty file (expected a header row)");
  const std::vector<std::string> header(hv.begin(), hv.end());
  ReadStats st;
  st.format = opt.force ? *opt.force : detect_format(header, path);
  const char* const data = head.position();
  const int header_lines = head.line() - 1;
  // Raw split points, then the quotes and newlines in each raw range (in parallel).
  const std::size_t n = size < kMinChunkedBytes ? 1 : sinks.size();
  std::vector<const char*> raw(n + 1);
  for (std::size_t i = 0; i <= n; ++i) raw[i] = data + static_cast<std::size_t>(end - data) * i / n;
  std::vector<long long> quotes(n), newlines(n);
  // Quotes and newlines before each split point, counted by all threads together (thread t takes
  // the t-th slice of every range). pread, not the mapping: touching every page here would make
  // them all resident at once.
  if (n > 1) {
    std::vector<std::vector<long long>> q(n, std::vector<long long>(n, 0)), nl(n, std::vector<long long>(n, 0));
    std::vector<char> read_failed(n, 0);
    run_parallel(n, [&](std::size_t t) {
      std::vector<char> buf(1u << 20);
      for (std::size_t i = 0; i + 1 < n; ++i) {  // the last range's counts are never needed
        const auto len = static_cast<std::size_t>(raw[i + 1] - raw[i]);
        auto off = static_cast<off_t>(raw[i] - base + static_cast<std::ptrdiff_t>(len * t / n));
        const auto stop = static_cast<off_t>(raw[i] - base + static_cast<std::ptrdiff_t>(len * (t + 1) / n));
        long long qq = 0, nn = 0;
        if (file.in_memory()) {  // nothing to page in: count in place
          for (const char* c = base + off; c < base + stop; ++c) qq += *c == '"', nn += *c == '\n';
          off = stop;
        }
        while (off < stop) {
          const ssize_t got = ::pread(file.fd(), buf.data(), std::min<std::size_t>(buf.size(), static_cast<std::size_t>(stop - off)), off);
          if (got <= 0) {
            read_failed[t] = 1;
            return;
          }
          for (ssize_t k = 0; k < got; ++k) {
            qq += buf[k] == '"';
            nn += buf[k] == '\n';
          }
          off += got;
        }
        q[i][t] = qq;
        nl[i][t] = nn;
      }
    });
    if (std::count(read_failed.begin(), read_failed.end(), 1)) throw Error(fmt::format("{}: read failed", path));
    for (std::size_t i = 0; i + 1 < n; ++i) {
      for (std::size_t t = 0; t < n; ++t) {
        quotes[i] += q[i][t];
        newlines[i] += nl[i][t];
      }
    }
  }
  // Each chunk starts after the first newline outside quotes at or after its raw split point.
  std::vector<const char*> start(n + 1, end);
  std::vector<long long> first_line(n, 0);
  start[0] = data;
  first_line[0] = header_lines + 1;
  long long q_before = 0, nl_before = 0;
  for (std::size_t i = 1; i < n; ++i) {
    q_before += quotes[i - 1];
    nl_before += newlines[i - 1];
    bool in_quotes = (q_before & 1) != 0;
    long long nl = 0;
    const char* p = raw[i];
    for (; p < end; ++p) {
      if (*p == '"') {
        in_quotes = !in_quotes;
      } else if (*p == '\n') {
        ++nl;
        if (!in_quotes) break;
      }
    }
    start[i] = p < end ? p + 1 : end;
    first_line[i] = header_lines + 1 + nl_before + nl;
  }
  // Parse the chunks; the first error in file order wins.
  const detail::RowPlan plan = detail::plan_rows(header, path, st.format, opt);
  std::vector<ReadStats> part(n, st);
  std::vector<std::exception_ptr> failed(n);
  run_parallel(n, [&](std::size_t i) {
    try {
      part[i].rows = 0;
      part[i].split_rows = 0;
      if (start[i] >= start[i + 1]) return;
      ChunkRecords rd(file.in_memory() ? nullptr : base, start[i], start[i + 1], end, path, static_cast<int>(first_line[i]));
      detail::read_rows(rd, plan, path, sinks[i], opt, part[i]);
    } catch (...) {
      failed[i] = std::current_exception();
    }
  });
  for (std::size_t i = 0; i < n; ++i) {
    if (failed[i]) std::rethrow_exception(failed[i]);
    st.rows += part[i].rows;
    st.split_rows += part[i].split_rows;
    if (part[i].bad_rows && st.bad_rows == 0) st.first_bad = part[i].first_bad;
    st.bad_rows += part[i].bad_rows;
  }
  return st;
}

}  // namespace frugal::billing
