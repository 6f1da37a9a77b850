#include "parquet/thrift_compact.h"

#include <cstring>

namespace frugal::parquet {

void CompactReader::need(std::size_t n) const {
  if (static_cast<std::size_t>(end_ - p_) < n) throw ThriftError("Thrift data ends early");
}

std::uint8_t CompactReader::byte() {
  need(1);
  return *p_++;
}

void CompactReader::push_last() {
  if (depth_ >= kMaxDepth) throw ThriftError("Thrift structures nested too deep");
  stack_[depth_++] = last_;
  last_ = 0;
}

std::int64_t CompactReader::read_varint() {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    const std::uint8_t b = byte();
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return static_cast<std::int64_t>(v);
  }
  throw ThriftError("Thrift varint longer than 10 bytes");
}

std::int32_t CompactReader::read_i32() {
  const std::int64_t v = read_zigzag();
  if (v < INT32_MIN || v > INT32_MAX) throw ThriftError("Thrift i32 out of range");
  return static_cast<std::int32_t>(v);
}

double CompactReader::read_double() {
  need(8);
  double d;
  std::memcpy(&d, p_, 8);  // little-endian on the wire, as on every machine frugal builds for
  p_ += 8;
  return d;
}

std::string_view CompactReader::read_binary() {
  const std::int64_t n = read_varint();
  if (n < 0) throw ThriftError("negative Thrift binary length");
  need(static_cast<std::size_t>(n));
  std::string_view s(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(n));
  p_ += n;
  return s;
}

bool CompactReader::next_field(std::int16_t& id, TType& type) {
  const std::uint8_t b = byte();
  if (b == 0) return false;
  const int t = b & 0x0f;
  if (t > 12) throw ThriftError("unknown Thrift field type " + std::to_string(t));
  type = static_cast<TType>(t);
  const int delta = b >> 4;
  if (delta) {
    id = static_cast<std::int16_t>(last_ + delta);
  } else {
    const std::int64_t v = read_zigzag();
    if (v < INT16_MIN || v > INT16_MAX) throw ThriftError("Thrift field id out of range");
    id = static_cast<std::int16_t>(v);
  }
  last_ = id;
  return true;
}

std::int64_t CompactReader::read_list_header(TType& elem) {
  const std::uint8_t b = byte();
  const int t = b & 0x0f;
  if (t > 12) throw ThriftError("unknown Thrift list element type " + std::to_string(t));
  elem = static_cast<TType>(t);
  std::int64_t n = b >> 4;
  if (n == 15) n = read_varint();
  // Each element takes at least one byte: a count beyond what is left is corrupt, and refusing it
  // here keeps a hostile count from reserving memory.
  if (n < 0 || static_cast<std::uint64_t>(n) > static_cast<std::uint64_t>(end_ - p_)) throw ThriftError("Thrift list longer than its data");
  return n;
}

void CompactReader::skip(TType t, int depth) {
  if (depth > kMaxDepth) throw ThriftError("Thrift structures nested too deep");
  switch (t) {
    case TType::kTrue:
    case TType::kFalse: return;  // a field's value is in its header
    case TType::kByte: byte(); return;
    case TType::kI16:
    case TType::kI32:
    case TType::kI64: read_varint(); return;
    case TType::kDouble: need(8); p_ += 8; return;
    case TType::kBinary: read_binary(); return;
    case TType::kList:
    case TType::kSet: {
      TType e;
      const std::int64_t n = read_list_header(e);
      for (std::int64_t i = 0; i < n; ++i) {
        if (e == TType::kTrue || e == TType::kFalse) byte();  // booleans in containers are one byte
        else skip(e, depth + 1);
      }
      return;
    }
    case TType::kMap: {
      const std::int64_t n = read_varint();
      if (n == 0) return;
      const std::uint8_t kv = byte();
      const auto k = static_cast<TType>(kv >> 4), v = static_cast<TType>(kv & 0x0f);
      if (n < 0 || static_cast<std::uint64_t>(n) > static_cast<std::uint64_t>(end_ - p_)) throw ThriftError("Thrift map longer than its data");
      for (std::int64_t i = 0; i < n; ++i) {
        if (k == TType::kTrue || k == TType::kFalse) byte(); else skip(k, depth + 1);
        if (v == TType::kTrue || v == TType::kFalse) byte(); else skip(v, depth + 1);
      }
      return;
    }
    case TType::kStruct: {
      begin_struct();
      std::int16_t id;
      TType ft;
      while (next_field(id, ft)) skip(ft, depth + 1);
      end_struct();
      return;
    }
    case TType::kStop: break;
  }
  throw ThriftError("cannot skip Thrift type " + std::to_string(static_cast<int>(t)));
}

}  // namespace frugal::parquet
