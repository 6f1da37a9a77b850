// Server-sent events (the WHATWG EventSource format that OpenAI-compatible servers stream):
// bytes in, whole events out, in any chunking. Only `data:` lines matter to frugal; `event:`,
// `id:`, `retry:` and comments (`:` lines) are accepted and ignored.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace frugal::loadgen {

class SseParser {
 public:
  // Appends the data of every event completed by `bytes` to `events` (multi-line data joined with
  // '\n', as the format says). A line longer than `max_line` bytes is an error (returns false):
  // a server that never ends a line must not make the client buffer without bound.
  bool feed(std::string_view bytes, std::vector<std::string>& events);
  // At end of stream: an event whose blank line never came is dropped (the format says so).
  std::size_t pending_bytes() const { return line_.size() + data_.size(); }
  static constexpr std::size_t max_line = 4u << 20;

 private:
  std::string line_, data_;
  bool have_data_ = false;
  bool after_cr_ = false;
};

}  // namespace frugal::loadgen
