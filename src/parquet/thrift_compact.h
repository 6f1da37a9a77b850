// A reader of the Thrift compact protocol, the encoding of Parquet's footer and page headers.
// Only what Parquet needs: structs, lists, maps, integers, doubles and binaries, with unknown
// fields skipped (newer writers add fields; older readers must step over them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace frugal::parquet {

enum class TType : std::uint8_t {
  kStop = 0, kTrue = 1, kFalse = 2, kByte = 3, kI16 = 4, kI32 = 5, kI64 = 6, kDouble = 7, kBinary = 8,
  kList = 9, kSet = 10, kMap = 11, kStruct = 12
};

// Decodes from [data, data + size). Every read checks bounds and throws ThriftError (a message
// without location: the caller knows the file and which structure it was reading).
class CompactReader {
 public:
  CompactReader(const std::uint8_t* data, std::size_t size) : p_(data), end_(data + size), begin_(data) {}

  // Field headers of the struct being read: false at its STOP. `id` and `type` are set otherwise.
  // A boolean field's value is in its type (kTrue/kFalse); read it with bool_field().
  bool next_field(std::int16_t& id, TType& type);
  void begin_struct() { push_last(); }
  void end_struct() { last_ = stack_[--depth_]; }

  std::int64_t read_varint();  // unsigned LEB128, at most 10 bytes
  std::int64_t read_zigzag() {
    const auto u = static_cast<std::uint64_t>(read_varint());
    return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  std::int32_t read_i32();
  std::int64_t read_i64() { return read_zigzag(); }
  double read_double();
  std::string_view read_binary();
  std::string read_string() { return std::string(read_binary()); }
  static bool bool_field(TType t) { return t == TType::kTrue; }
  // A list or set header: element type and count.
  std::int64_t read_list_header(TType& elem);
  // Skips a value of type `t` (structs and containers recursively, depth-limited).
  void skip(TType t, int depth = 0);

  std::size_t consumed() const { return static_cast<std::size_t>(p_ - begin_); }

 private:
  void need(std::size_t n) const;
  void push_last();
  std::uint8_t byte();

  const std::uint8_t* p_;
  const std::uint8_t* end_;
  const std::uint8_t* begin_;
  std::int16_t last_ = 0;
  static constexpr int kMaxDepth = 32;  // Parquet's metadata nests 5 deep; this bounds hostile input
  std::int16_t stack_[kMaxDepth]{};
  int depth_ = 0;
};

class ThriftError : public std::exception {
 public:
  explicit ThriftError(std::string what) : what_(std::move(what)) {}
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::string what_;
};

}  // namespace frugal::parquet
