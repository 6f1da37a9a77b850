#include "billing/reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
#include <optional>
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
// A chunk's records from memory (standard input, a pipe: the whole input was read first).
class SpanRecords {
 public:
  SpanRecords(const char* begin, const char* stop, const char* end, const std::string& name, int line) : r_(begin, stop, end, name, line) {}
  bool next(std::vector<std::string_view>& f) { return r_.next(f); }
  int record_line() const { return r_.record_line(); }
  SourceLocation field_location(std::size_t i) const { return r_.field_location(i); }

 private:
  CsvSpanReader r_;
};

// A chunk's records from a file, read with pread into one window that is reused: the parser
// touches the same few (huge) pages over and over instead of faulting in and TLB-missing every
// page of a mapping, which on virtual machines costs more than the parsing; memory stays flat.
// Records starting in [begin, stop) are read; one may run on past stop (a quoted newline). The
// window keeps at least kAhead bytes ahead of the parser; a record longer than that makes the
// window grow and the record be read again (up to kMaxRecord). Fields of the previous record are
// dead once next() is called again.
class PreadRecords {
 public:
  static constexpr std::size_t kAhead = 1u << 20;
  static constexpr std::size_t kMaxRecord = 64u << 20;  // a longer record is an error
  PreadRecords(int fd, std::size_t file_size, std::size_t begin, std::size_t stop, std::string name, int line)
      : fd_(fd), file_size_(file_size), stop_(stop), name_(std::move(name)), next_line_(line), next_off_(begin) {
    cap_ = 4 * kAhead;
    buf_ = alloc(cap_);
  }
  ~PreadRecords() { std::free(buf_); }
  PreadRecords(const PreadRecords&) = delete;
  PreadRecords& operator=(const PreadRecords&) = delete;

  bool next(std::vector<std::string_view>& f) {
    for (;;) {
      if (next_off_ >= stop_) return false;
      const std::size_t need = std::min(kAhead * grow_, file_size_ - next_off_);
      if (!r_ || win_off_ + win_len_ < next_off_ + need) refill(need);
      const bool at_eof = win_off_ + win_len_ == file_size_;
      try {
        const bool ok = r_->next(f);
        const std::size_t end_off = win_off_ + static_cast<std::size_t>(r_->position() - buf_);
        // Reaching the window's end before the file's may have cut the record: read it again
        // with a larger window.
        if (!at_eof && end_off >= win_off_ + win_len_) {
          grow_ *= 2;
          r_.reset();
          continue;
        }
        record_line_ = r_->record_line();
        next_off_ = end_off;
        next_line_ = r_->line();
        return ok;
      } catch (const InputError& e) {
        // Only an unterminated quote can come from the window cutting a record (any other cut is
        // caught above); such a record is read again with more of the file, up to kMaxRecord,
        // past which the error stands as it is.
        if (at_eof || std::string_view(e.what()).find("unterminated quoted field") == std::string_view::npos ||
            kAhead * grow_ >= kMaxRecord) {
          throw;
        }
        grow_ *= 2;
        r_.reset();
      }
    }
  }
  int record_line() const { return record_line_; }
  SourceLocation field_location(std::size_t i) const { return r_ ? r_->field_location(i) : SourceLocation{name_, record_line_, 0}; }

 private:
  static char* alloc(std::size_t n) {
    // 2 MiB-aligned so the kernel can back the window with huge pages.
    void* p = nullptr;
    if (::posix_memalign(&p, 2u << 20, n) != 0) throw std::bad_alloc();
    ::madvise(p, n, MADV_HUGEPAGE);
    return static_cast<char*>(p);
  }
  // Reads [next_off_, next_off_ + max(need, ...)) into the window and restarts the parser there.
  void refill(std::size_t need) {
    if (need > cap_) {
      std::free(buf_);
      while (cap_ < need) cap_ *= 2;
      buf_ = alloc(cap_);
    }
    const std::size_t len = std::min(cap_, file_size_ - next_off_);
    std::size_t got = 0;
    while (got < len) {
      const ssize_t n = ::pread(fd_, buf_ + got, len - got, static_cast<off_t>(next_off_ + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw Error(fmt::format("{}: read failed", name_));
      got += static_cast<std::size_t>(n);
    }
    win_off_ = next_off_;
    win_len_ = len;
    const char* stop = buf_ + std::min(len, stop_ - next_off_);
    r_.emplace(buf_, stop, buf_ + len, name_, next_line_);
  }

  int fd_;
  std::size_t file_size_, stop_;
  std::string name_;
  int next_line_;
  std::size_t next_off_;  // where the next record starts, in the file
  char* buf_ = nullptr;
  std::size_t cap_ = 0, win_off_ = 0, win_len_ = 0, grow_ = 1;
  std::optional<CsvSpanReader> r_;
  int record_line_ = 0;
};

// Adds the quotes and newlines in [p, end) to q and nl: 64 bytes a step (SSE2), popcounted.
void count_quotes_newlines(const char* p, const char* end, long long& q, long long& nl) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"'), lf = _mm_set1_epi8('\n');
  for (; end - p >= 64; p += 64) {
    std::uint64_t mq = 0, mn = 0;
    for (int k = 0; k < 4; ++k) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
      mq |= static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)))) << (16 * k);
      mn |= static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)))) << (16 * k);
    }
    q += __builtin_popcountll(mq);
    nl += __builtin_popcountll(mn);
  }
#endif
  for (; p < end; ++p) q += *p == '"', nl += *p == '\n';
}

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
          count_quotes_newlines(base + off, base + stop, qq, nn);
          off = stop;
        }
        while (off < stop) {
          const ssize_t got = ::pread(file.fd(), buf.data(), std::min<std::size_t>(buf.size(), static_cast<std::size_t>(stop - off)), off);
          if (got <= 0) {
            read_failed[t] = 1;
            return;
          }
          count_quotes_newlines(buf.data(), buf.data() + got, qq, nn);
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
      if (file.in_memory()) {
        SpanRecords rd(start[i], start[i + 1], end, path, static_cast<int>(first_line[i]));
        detail::read_rows(rd, plan, path, sinks[i], opt, part[i]);
      } else {
        PreadRecords rd(file.fd(), size, static_cast<std::size_t>(start[i] - base), static_cast<std::size_t>(start[i + 1] - base), path,
                        static_cast<int>(first_line[i]));
        detail::read_rows(rd, plan, path, sinks[i], opt, part[i]);
      }
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
