#include "parquet/encoding.h"

#include <cstring>

namespace frugal::parquet {

__extension__ typedef __int128 i128;  // __extension__: a GCC/Clang type, without -Wpedantic noise
__extension__ typedef unsigned __int128 u128;

namespace {

std::uint64_t varint(const std::uint8_t*& p, const std::uint8_t* end) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p >= end) throw EncodingError("varint runs past the page");
    const std::uint8_t b = *p++;
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  throw EncodingError("varint longer than 10 bytes");
}

std::int64_t zigzag(const std::uint8_t*& p, const std::uint8_t* end) {
  const std::uint64_t u = varint(p, end);
  return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

// Value i of a little-endian bit-packed run of `width` bits (width <= 64).
inline std::uint64_t unpack(const std::uint8_t* base, std::size_t i, int width) {
  const std::size_t bit = i * static_cast<std::size_t>(width);
  const std::uint8_t* b = base + bit / 8;
  const int shift = static_cast<int>(bit % 8);
  // Read up to 9 bytes (a 64-bit value plus the shift); the caller has checked the run's bytes.
  const int bytes = (shift + width + 7) / 8;
  u128 acc = 0;
  for (int k = 0; k < bytes; ++k) acc |= static_cast<u128>(b[k]) << (8 * k);
  acc >>= shift;
  return width == 64 ? static_cast<std::uint64_t>(acc) : static_cast<std::uint64_t>(acc) & ((std::uint64_t{1} << width) - 1);
}

}  // namespace

int bit_width_of(std::uint32_t v) {
  int w = 0;
  while (v) {
    ++w;
    v >>= 1;
  }
  return w;
}

RleDecoder::RleDecoder(const std::uint8_t* data, std::size_t size, int bit_width) : p_(data), end_(data + size), width_(bit_width) {
  if (bit_width < 0 || bit_width > 32) throw EncodingError("bit width " + std::to_string(bit_width) + " out of range");
}

bool RleDecoder::next_run() {
  if (p_ >= end_) return false;
  const std::uint64_t h = varint(p_, end_);
  if (h & 1) {
    const std::uint64_t groups = h >> 1;
    const std::size_t bytes = static_cast<std::size_t>(groups) * static_cast<std::size_t>(width_);  // 8 values per group
    if (groups > (1u << 28) || bytes > static_cast<std::size_t>(end_ - p_)) {
      // A writer may end the last run early with the page: take what is there.
      const std::size_t avail = static_cast<std::size_t>(end_ - p_);
      packed_left_ = width_ ? avail * 8 / static_cast<std::size_t>(width_) : groups * 8;
      packed_ = p_;
      packed_pos_ = 0;
      p_ = end_;
      return packed_left_ > 0;
    }
    packed_ = p_;
    packed_pos_ = 0;
    packed_left_ = static_cast<std::size_t>(groups) * 8;
    p_ += bytes;
  } else {
    rle_left_ = static_cast<std::size_t>(h >> 1);
    const int nbytes = (width_ + 7) / 8;
    if (static_cast<std::size_t>(end_ - p_) < static_cast<std::size_t>(nbytes)) throw EncodingError("RLE run runs past the page");
    std::uint32_t v = 0;
    for (int k = 0; k < nbytes; ++k) v |= static_cast<std::uint32_t>(p_[k]) << (8 * k);
    p_ += nbytes;
    rle_value_ = v;
  }
  return true;
}

void RleDecoder::get(std::uint32_t* out, std::size_t n) {
  while (n > 0) {
    if (rle_left_ > 0) {
      const std::size_t k = std::min(n, rle_left_);
      for (std::size_t i = 0; i < k; ++i) out[i] = rle_value_;
      out += k;
      n -= k;
      rle_left_ -= k;
    } else if (packed_left_ > 0) {
      const std::size_t k = std::min(n, packed_left_);
      if (width_ == 0) {
        std::memset(out, 0, k * sizeof *out);
      } else {
        // 8-byte loads while the run has 8 bytes left past the value (every value but the last
        // few), the byte-wise unpack for those.
        const std::size_t run_bytes = (packed_pos_ + packed_left_) * static_cast<std::size_t>(width_) / 8;
        const std::uint64_t mask = (std::uint64_t{1} << width_) - 1;
        for (std::size_t i = 0; i < k; ++i) {
          const std::size_t bit = (packed_pos_ + i) * static_cast<std::size_t>(width_);
          if (bit / 8 + 8 <= run_bytes) {
            std::uint64_t w;
            std::memcpy(&w, packed_ + bit / 8, 8);
            out[i] = static_cast<std::uint32_t>((w >> (bit % 8)) & mask);
          } else {
            out[i] = static_cast<std::uint32_t>(unpack(packed_, packed_pos_ + i, width_));
          }
        }
      }
      packed_pos_ += k;
      out += k;
      n -= k;
      packed_left_ -= k;
    } else if (!next_run()) {
      throw EncodingError("RLE data ends before all values are read");
    }
  }
}

namespace {
void levels(const std::uint8_t* data, std::size_t size, int max_level, std::size_t n, std::vector<std::int16_t>& out) {
  // Decoded in blocks straight into `out`; out is only grown once every level is known valid.
  const std::size_t at = out.size();
  out.resize(at + n);
  RleDecoder d(data, size, bit_width_of(static_cast<std::uint32_t>(max_level)));
  std::uint32_t tmp[1024];
  try {
    for (std::size_t done = 0; done < n;) {
      const std::size_t k = std::min<std::size_t>(1024, n - done);
      d.get(tmp, k);
      std::uint32_t worst = 0;
      for (std::size_t i = 0; i < k; ++i) {
        worst |= tmp[i] > static_cast<std::uint32_t>(max_level) ? 1u : 0u;
        out[at + done + i] = static_cast<std::int16_t>(tmp[i]);
      }
      if (worst) throw EncodingError("level above the column's maximum");
      done += k;
    }
  } catch (...) {
    out.resize(at);
    throw;
  }
}
}  // namespace

std::size_t decode_levels_v1(const std::uint8_t* data, std::size_t size, int max_level, std::size_t n, std::vector<std::int16_t>& out) {
  if (size < 4) throw EncodingError("levels length runs past the page");
  std::uint32_t len;
  std::memcpy(&len, data, 4);
  if (len > size - 4) throw EncodingError("levels run past the page");
  levels(data + 4, len, max_level, n, out);
  return 4 + len;
}

void decode_levels_v2(const std::uint8_t* data, std::size_t size, int max_level, std::size_t n, std::vector<std::int16_t>& out) {
  levels(data, size, max_level, n, out);
}

std::size_t decode_delta_binary_packed(const std::uint8_t* data, std::size_t size, std::vector<std::int64_t>& out, long long want) {
  const std::uint8_t* p = data;
  const std::uint8_t* end = data + size;
  const std::uint64_t block = varint(p, end);
  const std::uint64_t minis = varint(p, end);
  const std::uint64_t total = varint(p, end);
  std::int64_t value = zigzag(p, end);
  if (block == 0 || minis == 0 || block % 128 != 0 || block / minis % 32 != 0 || minis > block || block > (1u << 20)) {
    throw EncodingError("bad DELTA_BINARY_PACKED header");
  }
  const std::uint64_t n = want < 0 ? total : static_cast<std::uint64_t>(want);
  if (n > total) throw EncodingError("DELTA_BINARY_PACKED holds fewer values than the page");
  if (total > size * 64 + 1) throw EncodingError("DELTA_BINARY_PACKED count larger than its data");
  const std::size_t per_mini = static_cast<std::size_t>(block / minis);
  out.reserve(out.size() + static_cast<std::size_t>(n));
  if (n == 0) return static_cast<std::size_t>(p - data);
  out.push_back(value);
  std::uint64_t got = 1;
  while (got < total) {
    const std::int64_t min_delta = zigzag(p, end);
    if (static_cast<std::uint64_t>(end - p) < minis) throw EncodingError("DELTA_BINARY_PACKED block runs past the page");
    const std::uint8_t* widths = p;
    p += minis;
    for (std::uint64_t m = 0; m < minis && got < total; ++m) {
      const int w = widths[m];
      if (w > 64) throw EncodingError("DELTA_BINARY_PACKED bit width above 64");
      const std::size_t bytes = per_mini * static_cast<std::size_t>(w) / 8;
      if (static_cast<std::size_t>(end - p) < bytes) throw EncodingError("DELTA_BINARY_PACKED miniblock runs past the page");
      for (std::size_t i = 0; i < per_mini && got < total; ++i, ++got) {
        const std::uint64_t d = w ? unpack(p, i, w) : 0;
        // Deltas wrap in two's complement, as the writer computed them.
        value = static_cast<std::int64_t>(static_cast<std::uint64_t>(value) + static_cast<std::uint64_t>(min_delta) + d);
        if (got < n) out.push_back(value);
      }
      p += bytes;
    }
  }
  return static_cast<std::size_t>(p - data);
}

void decode_delta_length_byte_array(const std::uint8_t* data, std::size_t size, std::size_t n, std::vector<std::string_view>& out) {
  std::vector<std::int64_t> lens;
  const std::size_t used = decode_delta_binary_packed(data, size, lens);
  if (lens.size() < n) throw EncodingError("DELTA_LENGTH_BYTE_ARRAY holds fewer lengths than values");
  const char* p = reinterpret_cast<const char*>(data) + used;
  std::size_t left = size - used;
  for (std::size_t i = 0; i < n; ++i) {
    if (lens[i] < 0 || static_cast<std::uint64_t>(lens[i]) > left) throw EncodingError("DELTA_LENGTH_BYTE_ARRAY value runs past the page");
    out.emplace_back(p, static_cast<std::size_t>(lens[i]));
    p += lens[i];
    left -= static_cast<std::size_t>(lens[i]);
  }
}

void decode_delta_byte_array(const std::uint8_t* data, std::size_t size, std::size_t n, std::string& storage, std::vector<std::string_view>& out) {
  std::vector<std::int64_t> prefix;
  const std::size_t used = decode_delta_binary_packed(data, size, prefix);
  if (prefix.size() < n) throw EncodingError("DELTA_BYTE_ARRAY holds fewer prefixes than values");
  std::vector<std::string_view> suffix;
  decode_delta_length_byte_array(data + used, size - used, n, suffix);
  // Offsets first: storage grows while values are rebuilt, so views are made at the end.
  std::vector<std::pair<std::size_t, std::size_t>> at(n);
  std::size_t prev_at = 0, prev_len = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (prefix[i] < 0 || static_cast<std::uint64_t>(prefix[i]) > prev_len) throw EncodingError("DELTA_BYTE_ARRAY prefix longer than the previous value");
    const std::size_t start = storage.size();
    storage.append(storage, prev_at, static_cast<std::size_t>(prefix[i]));
    storage.append(suffix[i]);
    prev_at = start;
    prev_len = storage.size() - start;
    at[i] = {start, prev_len};
  }
  for (const auto& [s, l] : at) out.emplace_back(storage.data() + s, l);
}

void decode_byte_stream_split(const std::uint8_t* data, std::size_t size, std::size_t n, int width, std::uint8_t* out) {
  if (size < n * static_cast<std::size_t>(width)) throw EncodingError("BYTE_STREAM_SPLIT data shorter than its values");
  for (int b = 0; b < width; ++b) {
    const std::uint8_t* stream = data + static_cast<std::size_t>(b) * n;
    for (std::size_t i = 0; i < n; ++i) out[i * static_cast<std::size_t>(width) + static_cast<std::size_t>(b)] = stream[i];
  }
}

}  // namespace frugal::parquet
