#include "aws/event_stream.h"

#include <fmt/format.h>
#include <zlib.h>

namespace frugal::aws {
namespace {

std::uint32_t be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) | u[3];
}

std::uint32_t crc(std::string_view s) {
  return static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

void put32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
}

constexpr std::size_t kPrelude = 12;

}  // namespace

std::string EventMessage::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

bool EventStreamDecoder::feed(std::string_view bytes, std::vector<EventMessage>& out) {
  if (!error_.empty()) return false;
  buf_.append(bytes);
  while (buf_.size() >= kPrelude) {
    const std::uint32_t total = be32(buf_.data());
    const std::uint32_t hlen = be32(buf_.data() + 4);
    if (crc(std::string_view(buf_).substr(0, 8)) != be32(buf_.data() + 8)) {
      error_ = "event stream: prelude CRC mismatch";
      return false;
    }
    if (total > max_message || total < kPrelude + 4 || hlen > total - kPrelude - 4) {
      error_ = fmt::format("event stream: bad lengths (message {} bytes, headers {})", total, hlen);
      return false;
    }
    if (buf_.size() < total) return true;
    if (!parse_one(out)) return false;
  }
  return true;
}

bool EventStreamDecoder::parse_one(std::vector<EventMessage>& out) {
  const std::uint32_t total = be32(buf_.data());
  const std::uint32_t hlen = be32(buf_.data() + 4);
  const std::string_view msg(buf_.data(), total);
  if (crc(msg.substr(0, total - 4)) != be32(buf_.data() + total - 4)) {
    error_ = "event stream: message CRC mismatch";
    return false;
  }
  EventMessage m;
  std::string_view h = msg.substr(kPrelude, hlen);
  auto bad = [&](const char* what) {
    error_ = fmt::format("event stream: malformed header ({})", what);
    return false;
  };
  while (!h.empty()) {
    const std::size_t nlen = static_cast<unsigned char>(h[0]);
    if (h.size() < 1 + nlen + 1) return bad("name");
    std::string name(h.substr(1, nlen));
    const int type = static_cast<unsigned char>(h[1 + nlen]);
    h.remove_prefix(2 + nlen);
    std::size_t fixed = 0;
    switch (type) {
      case 0: m.headers[name] = "true"; continue;
      case 1: m.headers[name] = "false"; continue;
      case 2: fixed = 1; break;
      case 3: fixed = 2; break;
      case 4: fixed = 4; break;
      case 5: case 8: fixed = 8; break;
      case 9: fixed = 16; break;
      case 6: case 7: {
        if (h.size() < 2) return bad("value length");
        const std::size_t vlen = (static_cast<std::size_t>(static_cast<unsigned char>(h[0])) << 8) | static_cast<unsigned char>(h[1]);
        if (h.size() < 2 + vlen) return bad("value");
        m.headers[name] = std::string(h.substr(2, vlen));
        h.remove_prefix(2 + vlen);
        continue;
      }
      default: return bad("type");
    }
    if (h.size() < fixed) return bad("value");
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < fixed && fixed <= 8; ++i) v = (v << 8) | static_cast<unsigned char>(h[i]);
    m.headers[name] = fixed <= 8 ? std::to_string(v) : std::string(h.substr(0, fixed));
    h.remove_prefix(fixed);
  }
  m.payload = std::string(msg.substr(kPrelude + hlen, total - kPrelude - hlen - 4));
  out.push_back(std::move(m));
  buf_.erase(0, total);
  return true;
}

std::string encode_event_message(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view payload) {
  std::string h;
  for (const auto& [name, value] : headers) {
    h += static_cast<char>(name.size());
    h += name;
    h += static_cast<char>(7);
    h += static_cast<char>((value.size() >> 8) & 0xff);
    h += static_cast<char>(value.size() & 0xff);
    h += value;
  }
  std::string out;
  put32(out, static_cast<std::uint32_t>(kPrelude + h.size() + payload.size() + 4));
  put32(out, static_cast<std::uint32_t>(h.size()));
  put32(out, crc(out));
  out += h;
  out += payload;
  put32(out, crc(out));
  return out;
}

}  // namespace frugal::aws
