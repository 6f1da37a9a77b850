// Page decompression: Snappy (libsnappy), zstd (libzstd), gzip (zlib) and uncompressed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "parquet/metadata.h"

namespace frugal::parquet {

// Decompresses `size` bytes into `out`, which must come to exactly `expected` bytes (the page
// header's uncompressed size). Throws EncodingError naming the codec when the data is corrupt,
// and for codecs frugal does not read (LZO, Brotli, LZ4).
void decompress(Codec codec, const std::uint8_t* data, std::size_t size, std::size_t expected, std::string& out);

}  // namespace frugal::parquet
