#include "parquet/codec.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include "parquet/encoding.h"

namespace frugal::parquet {

namespace {

void gunzip(const std::uint8_t* data, std::size_t size, std::size_t expected, std::string& out) {
  // Deflate expands at most 1032:1: a larger announced size is corrupt, and is refused before
  // it is allocated.
  if (expected > size * 1032 + 1024) throw EncodingError("GZIP page smaller than its announced size allows");
  out.resize(expected);
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) throw EncodingError("GZIP: inflateInit2 failed");
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(expected);
  int rc = Z_OK;
  // Several members may follow each other; each resets the stream.
  while ((rc = inflate(&z, Z_FINISH)) == Z_STREAM_END && z.avail_in > 0 && z.avail_out > 0) inflateReset(&z);
  const std::size_t got = expected - z.avail_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END || got != expected) throw EncodingError("GZIP page data is corrupt or has the wrong size");
}

}  // namespace

void decompress(Codec codec, const std::uint8_t* data, std::size_t size, std::size_t expected, std::string& out) {
  if (size > UINT32_MAX || expected > (std::size_t{1} << 31)) throw EncodingError("page larger than 2 GiB");
  switch (codec) {
    case Codec::kUncompressed:
      if (size != expected) throw EncodingError("uncompressed page whose sizes disagree");
      out.assign(reinterpret_cast<const char*>(data), size);
      return;
    case Codec::kSnappy: {
      std::size_t n = 0;
      const char* in = reinterpret_cast<const char*>(data);
      if (!snappy::GetUncompressedLength(in, size, &n) || n != expected) throw EncodingError("SNAPPY page data is corrupt or has the wrong size");
      out.resize(n);
      if (!snappy::RawUncompress(in, size, out.data())) throw EncodingError("SNAPPY page data is corrupt");
      return;
    }
    case Codec::kZstd: {
      // The frame says its size (writers set it); a frame that does not, or says another, is
      // refused before the page's announced size is allocated.
      const unsigned long long declared = ZSTD_getFrameContentSize(data, size);
      if (declared != expected) throw EncodingError("ZSTD page data is corrupt or has the wrong size");
      out.resize(expected);
      const std::size_t n = ZSTD_decompress(out.data(), expected, data, size);
      if (ZSTD_isError(n) || n != expected) {
        throw EncodingError(std::string("ZSTD page data is corrupt or has the wrong size") + (ZSTD_isError(n) ? std::string(" (") + ZSTD_getErrorName(n) + ")" : ""));
      }
      return;
    }
    case Codec::kGzip: gunzip(data, size, expected, out); return;
    default: break;
  }
  throw EncodingError(std::string("compression ") + to_string(codec) + " is not supported (frugal reads SNAPPY, ZSTD, GZIP and UNCOMPRESSED)");
}

}  // namespace frugal::parquet
