// The application/vnd.amazon.eventstream framing AWS uses for streamed responses (SageMaker
// InvokeEndpointWithResponseStream, Bedrock, Transcribe, S3 Select): bytes in, whole messages out,
// in any chunking. Each message is
//   total length (u32) | headers length (u32) | prelude CRC32 | headers | payload | message CRC32
// big-endian, both CRCs the gzip CRC-32. A header is name length (u8), name, type (u8), value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace frugal::aws {

struct EventMessage {
  std::map<std::string, std::string> headers;  // string values; other types rendered as text
  std::string payload;
  // ":message-type" is "event" (":event-type" says which), "exception" (":exception-type") or
  // "error" (":error-code", ":error-message").
  std::string header(const std::string& name) const;
};

class EventStreamDecoder {
 public:
  // Appends every message completed by `bytes`. Returns false (and sets error()) on a corrupt or
  // oversized frame; the stream cannot be resynchronised after that.
  bool feed(std::string_view bytes, std::vector<EventMessage>& out);
  const std::string& error() const { return error_; }
  std::size_t pending_bytes() const { return buf_.size(); }
  static constexpr std::uint32_t max_message = 16u << 20;  // the service limit (aws-c-event-stream)

 private:
  bool parse_one(std::vector<EventMessage>& out);
  std::string buf_;
  std::string error_;
};

// Encodes one message with string headers (the test server's side, and a round-trip check).
std::string encode_event_message(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view payload);

}  // namespace frugal::aws
