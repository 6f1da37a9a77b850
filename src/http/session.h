// One client connection's protocol state, without the socket: bytes in, bytes out, and the
// moment it times out. The server (server.h) moves bytes; the fuzzer drives this directly.
//
// Contract, in order, for every request:
//   1. the head must arrive whole within `head_timeout_s` of its first byte (or of the accept,
//      for the first request) and within `max_head_bytes`; otherwise 408 / 414 / 431 and close;
//   2. the route, the token and the body size are checked on the head alone: 401, 404, 405 and
//      413 are answered before one body byte is read, and the connection is closed;
//   3. the body must arrive within `body_timeout_s`; then the handler runs;
//   4. an idle keep-alive connection is closed after `idle_timeout_s`, and after
//      `max_requests_per_connection` requests.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/message.h"
#include "http/router.h"

namespace frugal::http {

// Defaults suit a scrape target and a local control API; documented in docs/threat-model.md.
struct Limits {
  std::size_t max_head_bytes = 16 * 1024;
  double head_timeout_s = 10;
  double body_timeout_s = 30;
  double idle_timeout_s = 30;
  double write_timeout_s = 30;
  int max_requests_per_connection = 1000;
  int max_connections = 256;
};

class Session {
 public:
  Session(const Router& router, const Limits& limits, double now, std::string peer);

  // Feeds bytes read from the client. Responses are appended to output().
  void on_input(std::string_view data, double now);
  // The client closed its side: what is buffered can no longer complete a request.
  void on_eof(double now);
  // Called when now >= deadline(): answers 408 if a request was under way, then closes.
  void on_timeout(double now);

  std::string& output() { return out_; }
  void on_output_sent(std::size_t n, double now);
  // How many more input bytes it takes now (0 while a response waits to be sent, or closing).
  std::size_t read_budget() const;
  // True once the connection should be closed as soon as output() is empty.
  bool closing() const { return closing_; }
  // When the current phase (head, body, idle, write) runs out, in the caller's clock.
  double deadline() const;
  // No request under way and nothing to send: the first to go when connections run out.
  bool idle() const { return phase_ == Phase::kIdle && in_.empty() && out_.empty(); }
  int requests_served() const { return served_; }
  // The largest body accepted so far on this connection (the server returns memory after big ones).
  std::size_t largest_body() const { return largest_body_; }

 private:
  enum class Phase { kIdle, kHead, kBody, kClosed };
  void advance(double now);
  void respond(Response& res, bool keep_alive, bool head_only, double now);
  void reject(int status, const std::string& why, double now);

  const Router& router_;
  const Limits& limits_;
  std::string peer_;
  Phase phase_ = Phase::kIdle;
  double phase_start_ = 0;
  double write_start_ = 0;
  std::string in_, out_;
  Request req_;
  HeadResult head_;
  const Route* route_ = nullptr;
  bool closing_ = false;
  int served_ = 0;
  std::size_t largest_body_ = 0;
};

}  // namespace frugal::http
