// FNV-1a 64: a fast, stable hash of bytes, the same on every machine and run (seeded spreads,
// deterministic tie-breaks, change detection). Not a security hash.
#pragma once

#include <cstdint>
#include <string_view>

namespace frugal {

constexpr std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

}  // namespace frugal
