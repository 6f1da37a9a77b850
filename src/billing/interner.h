// Strings to dense ids, for aggregation keys that are fixed-width whatever the strings: a bill's
// accounts, regions, tag values and resource ids are each interned once per reading thread, and
// sums live in vectors indexed by id. Bills repeat a value over consecutive lines (they are sorted
// by time and resource), so the last value is checked first, before any hashing.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace frugal::billing {

class Interner {
 public:
  Interner();
  // Copies re-intern every string in id order (ids are kept; the views must point into the
  // copy's own blocks). Moves keep the blocks.
  Interner(const Interner& o);
  Interner& operator=(const Interner& o);
  Interner(Interner&&) noexcept = default;
  Interner& operator=(Interner&&) noexcept = default;
  // The id of `s`, interning it on first sight. Ids are 0, 1, 2, ... in order of first sight.
  std::uint32_t id(std::string_view s) {
    if (has_last_ && s == last_) return last_id_;
    last_id_ = lookup(s);
    last_ = views_[last_id_];
    has_last_ = true;
    return last_id_;
  }
  std::string_view str(std::uint32_t id) const { return views_[id]; }
  std::size_t size() const { return views_.size(); }
  void reserve(std::size_t n);  // room for n strings without growing

 private:
  std::uint32_t lookup(std::string_view s);
  void grow();
  // Open addressing: (hash << 32) | (id + 1), 0 = empty. The hash sits in the slot, so a probe
  // touches one cache line and looks at a stored string only when the hashes agree.
  std::vector<std::uint64_t> slots_;
  std::vector<std::string_view> views_;  // per id, into blocks_
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t block_left_ = 0;
  char* block_at_ = nullptr;
  std::string_view last_;
  std::uint32_t last_id_ = 0;
  bool has_last_ = false;
};

// Values indexed by interned id, grown in blocks of 64K: growing never copies or re-touches what is
// there (a doubling vector of millions of entries spends more in page faults and copies than the
// aggregation). Slots not written read as T{}.
template <class T>
class IdVector {
 public:
  static constexpr unsigned kShift = 16;
  IdVector() = default;
  IdVector(const IdVector& o) : size_(o.size_) {
    for (const auto& b : o.blocks_) {
      blocks_.push_back(std::make_unique<T[]>(std::size_t{1} << kShift));
      std::copy(b.get(), b.get() + (std::size_t{1} << kShift), blocks_.back().get());
    }
  }
  IdVector& operator=(const IdVector& o) {
    if (this != &o) *this = IdVector(o);
    return *this;
  }
  IdVector(IdVector&&) noexcept = default;
  IdVector& operator=(IdVector&&) noexcept = default;
  T& at(std::uint32_t id) {  // grows as needed
    while ((static_cast<std::size_t>(id) >> kShift) >= blocks_.size()) blocks_.push_back(std::make_unique<T[]>(std::size_t{1} << kShift));
    if (id >= size_) size_ = id + 1;
    return blocks_[id >> kShift][id & ((1u << kShift) - 1)];
  }
  const T& operator[](std::uint32_t id) const { return blocks_[id >> kShift][id & ((1u << kShift) - 1)]; }
  std::size_t size() const { return size_; }  // one past the largest id written

 private:
  std::vector<std::unique_ptr<T[]>> blocks_;
  std::size_t size_ = 0;
};

}  // namespace frugal::billing
