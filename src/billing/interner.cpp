#include "billing/interner.h"

#include <cstring>
#include <stdexcept>

namespace frugal::billing {

namespace {
constexpr std::size_t kBlock = 1 << 20;

std::uint32_t hash_of(std::string_view s) {
  // FNV-1a over 8 bytes at a time, finished with a multiply-shift: fast on short keys.
  std::uint64_t h = 1469598103934665603ULL ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 1099511628211ULL;
    h ^= h >> 29;
  }
  std::uint64_t tail = 0;
  if (s.size() > i) std::memcpy(&tail, s.data() + i, s.size() - i);
  h = (h ^ tail) * 0x9E3779B97F4A7C15ULL;
  return static_cast<std::uint32_t>(h >> 32);
}
}  // namespace

Interner::Interner() : slots_(1024, 0) {}

Interner::Interner(const Interner& o) : Interner() {
  for (std::uint32_t i = 0; i < o.size(); ++i) lookup(o.str(i));
}

void Interner::reserve(std::size_t n) {
  while (n * 2 > slots_.size()) grow();
  views_.reserve(n);
}

Interner& Interner::operator=(const Interner& o) {
  if (this != &o) {
    Interner copy(o);
    *this = std::move(copy);
  }
  return *this;
}


void Interner::grow() {
  std::vector<std::uint64_t> bigger(slots_.size() * 2, 0);
  const std::size_t mask = bigger.size() - 1;
  for (const std::uint64_t slot : slots_) {
    if (!slot) continue;
    std::size_t at = (slot >> 32) & mask;
    while (bigger[at]) at = (at + 1) & mask;
    bigger[at] = slot;
  }
  slots_.swap(bigger);
}

std::uint32_t Interner::lookup(std::string_view s) {
  const std::uint32_t h = hash_of(s);
  const std::size_t mask = slots_.size() - 1;
  std::size_t at = h & mask;
  while (const std::uint64_t slot = slots_[at]) {
    if (static_cast<std::uint32_t>(slot >> 32) == h) {
      const auto id = static_cast<std::uint32_t>(slot & 0xFFFFFFFFu) - 1;
      if (views_[id] == s) return id;
    }
    at = (at + 1) & mask;
  }
  if (views_.size() >= 0xFFFFFFF0u) throw std::length_error("more than 4 billion distinct values in one bill column");
  // Copy the bytes into the arena; a string longer than a block gets its own.
  char* dst;
  if (s.size() > block_left_) {
    const std::size_t n = std::max(kBlock, s.size());
    blocks_.emplace_back(new char[n]);
    block_at_ = blocks_.back().get();
    block_left_ = n;
  }
  dst = block_at_;
  if (!s.empty()) std::memcpy(dst, s.data(), s.size());
  block_at_ += s.size();
  block_left_ -= s.size();
  const auto id = static_cast<std::uint32_t>(views_.size());
  views_.emplace_back(dst, s.size());
  slots_[at] = (static_cast<std::uint64_t>(h) << 32) | (id + 1);
  if (views_.size() * 2 > slots_.size()) grow();
  return id;
}

}  // namespace frugal::billing
