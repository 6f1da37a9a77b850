// Strings to dense ids, for aggregation keys that are fixed-width whatever the strings: a bill's
// accounts, regions, tag values and resource ids are each interned once per reading thread, and
// sums live in vectors indexed by id. Bills repeat a value over consecutive lines (they are sorted
// by time and resource), so the last value is checked first, before any hashing.
#pragma once

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
  std::size_t memory_bytes() const;  // what the table and the strings take

 private:
  std::uint32_t lookup(std::string_view s);
  void grow();
  std::vector<std::uint32_t> slots_;  // open addressing: id + 1, 0 = empty
  std::vector<std::uint32_t> hashes_;  // per id
  std::vector<std::string_view> views_;  // per id, into blocks_
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t block_left_ = 0;
  char* block_at_ = nullptr;
  std::string_view last_;
  std::uint32_t last_id_ = 0;
  bool has_last_ = false;
};

}  // namespace frugal::billing
