// Parquet's value and level encodings: the RLE / bit-packed hybrid (levels, dictionary indices,
// booleans), DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and
// BYTE_STREAM_SPLIT. Every decoder checks its input's bounds and throws EncodingError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace frugal::parquet {

class EncodingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The RLE / bit-packed hybrid of `bit_width` (0-32) bits per value.
class RleDecoder {
 public:
  RleDecoder(const std::uint8_t* data, std::size_t size, int bit_width);
  // Decodes exactly n values into out; throws when the data ends first.
  void get(std::uint32_t* out, std::size_t n);

 private:
  bool next_run();
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  int width_;
  std::size_t rle_left_ = 0, packed_left_ = 0;
  std::uint32_t rle_value_ = 0;
  const std::uint8_t* packed_ = nullptr;  // the bit-packed run's bytes
  std::size_t packed_pos_ = 0;            // values already taken from it
};

// Levels of a v1 data page: a 4-byte little-endian length, then the hybrid. Returns the bytes used.
std::size_t decode_levels_v1(const std::uint8_t* data, std::size_t size, int max_level, std::size_t n, std::vector<std::int16_t>& out);
// Levels of a v2 data page: the hybrid over exactly `size` bytes.
void decode_levels_v2(const std::uint8_t* data, std::size_t size, int max_level, std::size_t n, std::vector<std::int16_t>& out);

// DELTA_BINARY_PACKED: appends `n` values to out (or all the header announces when n is -1);
// returns the bytes used.
std::size_t decode_delta_binary_packed(const std::uint8_t* data, std::size_t size, std::vector<std::int64_t>& out, long long n = -1);

// DELTA_LENGTH_BYTE_ARRAY: n strings, views into `data`.
void decode_delta_length_byte_array(const std::uint8_t* data, std::size_t size, std::size_t n, std::vector<std::string_view>& out);
// DELTA_BYTE_ARRAY: n strings rebuilt from prefixes into `storage` (which must outlive the views).
void decode_delta_byte_array(const std::uint8_t* data, std::size_t size, std::size_t n, std::string& storage, std::vector<std::string_view>& out);

// BYTE_STREAM_SPLIT of n values of `width` bytes, back to little-endian values in out (n * width).
void decode_byte_stream_split(const std::uint8_t* data, std::size_t size, std::size_t n, int width, std::uint8_t* out);

int bit_width_of(std::uint32_t max_value);

}  // namespace frugal::parquet
