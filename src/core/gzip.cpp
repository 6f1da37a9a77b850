#include "core/gzip.h"

#include <fmt/format.h>

#include "core/error.h"

namespace frugal {

Gunzip::Gunzip(Sink sink, std::string name) : sink_(std::move(sink)), name_(std::move(name)) {
  if (inflateInit2(&zs_, 15 + 32) != Z_OK) throw Error(name_ + ": cannot initialise zlib");
}

Gunzip::~Gunzip() { inflateEnd(&zs_); }

void Gunzip::feed(std::string_view in) {
  char out[64 * 1024];
  zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs_.avail_in = static_cast<uInt>(in.size());
  while (zs_.avail_in > 0) {
    in_member_ = true;
    zs_.next_out = reinterpret_cast<Bytef*>(out);
    zs_.avail_out = sizeof out;
    const int rc = inflate(&zs_, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      throw Error(fmt::format("{}: corrupt gzip data at byte {} ({})", name_, zs_.total_in, zs_.msg ? zs_.msg : "inflate error"));
    }
    const std::size_t n = sizeof out - zs_.avail_out;
    if (n) sink_(std::string_view(out, n));
    if (rc == Z_STREAM_END) {
      in_member_ = false;
      if (inflateReset(&zs_) != Z_OK) throw Error(name_ + ": cannot reset zlib");
    } else if (rc == Z_BUF_ERROR && n == 0) {
      break;
    }
  }
}

void Gunzip::finish() {
  if (in_member_) throw Error(name_ + ": truncated gzip data (the file ends inside a compressed member)");
}

bool looks_gzipped(std::string_view d) {
  return d.size() >= 2 && static_cast<unsigned char>(d[0]) == 0x1f && static_cast<unsigned char>(d[1]) == 0x8b;
}

}  // namespace frugal
