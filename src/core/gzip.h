// Streaming gzip/zlib decompression (zlib): feed compressed bytes as they arrive, get the
// decompressed bytes through a callback; memory stays flat whatever the size.
#pragma once

#include <zlib.h>

#include <functional>
#include <string>
#include <string_view>

namespace frugal {

class Gunzip {
 public:
  using Sink = std::function<void(std::string_view)>;
  // `name` is used in error messages (a file path or s3:// URL).
  Gunzip(Sink sink, std::string name);
  ~Gunzip();
  Gunzip(const Gunzip&) = delete;
  Gunzip& operator=(const Gunzip&) = delete;

  // Throws Error("NAME: corrupt gzip data ...") on bad input. Concatenated members are supported.
  void feed(std::string_view compressed);
  // Throws Error("NAME: truncated gzip data") if the stream ended mid-member.
  void finish();

 private:
  z_stream zs_{};
  Sink sink_;
  std::string name_;
  bool in_member_ = false;
};

// True when `data` starts with the gzip magic bytes.
bool looks_gzipped(std::string_view data);

}  // namespace frugal
