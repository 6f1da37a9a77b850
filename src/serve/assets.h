// The dashboard's files (web/, built by Vite), compiled into the binary by scripts/build-web.sh.
#pragma once

#include <cstddef>
#include <vector>

namespace frugal::serve {

struct Asset {
  const char* path;  // "/index.html", "/assets/index-<hash>.js"
  const char* content_type;
  const unsigned char* data;
  std::size_t size;
};

const std::vector<Asset>& embedded_assets();

}  // namespace frugal::serve
