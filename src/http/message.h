// HTTP/1.1 messages as frugal's servers see them (RFC 9110, RFC 9112): a request head parsed
// from bytes with hard limits, bodies framed by Content-Length or chunked transfer coding, and
// responses serialised. Pure functions over buffers, so the socket loop (server.h) stays small
// and the parsing can be fuzzed without sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace frugal::http {

struct Request {
  std::string method;   // "GET"
  std::string target;   // "/v1/jobs?state=queued" as sent
  std::string path;     // "/v1/jobs"
  std::map<std::string, std::string> query;  // percent-decoded; the last of a repeated name wins
  int minor_version = 1;                      // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  std::vector<std::string> captures;          // the route's "*" segments, in order
  std::string body;
  std::string peer;                           // "127.0.0.1:40000"

  // The value of header `name` (lower case); "" when absent. Repeated headers are joined with
  // ", " as RFC 9110 section 5.3 allows for list-valued fields.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  bool has_param(const std::string& name) const { return query.count(name) != 0; }
  std::string param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  void set(int code, std::string text, std::string type) {
    status = code, body = std::move(text), content_type = std::move(type);
  }
  void set_header(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

// How the body that follows a head is framed.
enum class Framing { kNone, kLength, kChunked };

struct HeadResult {
  enum Status { kIncomplete, kComplete, kError } status = kIncomplete;
  std::size_t consumed = 0;    // bytes of the head, terminating blank line included
  int error_status = 0;        // kError: 400, 414, 431, 501 or 505
  std::string error;           // kError: what was wrong, for the client
  Framing framing = Framing::kNone;
  std::uint64_t content_length = 0;  // kLength
  bool keep_alive = true;            // what the client asked for
  bool expect_continue = false;      // "Expect: 100-continue"
};

// Parses a request head from the start of `buf` into `req`. Never reads past `max_bytes` (a head
// longer than that is 431 once `buf` holds more than that without a blank line).
HeadResult parse_head(std::string_view buf, std::size_t max_bytes, Request& req);

struct ChunkedResult {
  enum Status { kIncomplete, kComplete, kError, kTooLarge } status = kIncomplete;
  std::size_t consumed = 0;  // kComplete: bytes of the chunked body, trailers included
  std::string error;
};

// Decodes a whole chunked body from the start of `buf` into `out` (cleared first). kTooLarge as
// soon as the decoded size would pass `max_body`, kIncomplete until the last chunk and its
// trailers have arrived. Chunk extensions are ignored; trailers are read and dropped.
ChunkedResult decode_chunked(std::string_view buf, std::size_t max_body, std::string& out);

// "a=1&b=x%20y" -> {a:1, b:"x y"}. Malformed percent escapes are kept as written.
std::map<std::string, std::string> parse_query(std::string_view q);

// The status line, headers (Content-Type, Content-Length, Connection) and body. `head_only` for
// HEAD: the same headers, no body.
std::string serialize(const Response& res, bool keep_alive, bool head_only = false);
const char* reason_phrase(int status);

}  // namespace frugal::http
