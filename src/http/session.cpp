#include "http/session.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <exception>

namespace frugal::http {

namespace {
// Chunked framing can cost a few bytes per body byte; past this much raw input per accepted
// body byte the body is refused as too large rather than buffered.
constexpr std::size_t kChunkedSlack = 64 * 1024;
}  // namespace

Session::Session(const Router& router, const Limits& limits, double now, std::string peer)
    : router_(router), limits_(limits), peer_(std::move(peer)), phase_start_(now) {}

std::size_t Session::read_budget() const {
  if (closing_ || phase_ == Phase::kClosed || !out_.empty()) return 0;
  if (phase_ == Phase::kBody) {
    const std::size_t want = head_.framing == Framing::kLength ? head_.content_length
                                                               : route_->options.max_body * 2 + kChunkedSlack;
    return want > in_.size() ? want - in_.size() : 0;
  }
  return limits_.max_head_bytes + 1 > in_.size() ? limits_.max_head_bytes + 1 - in_.size() : 0;
}

double Session::deadline() const {
  if (!out_.empty()) return write_start_ + limits_.write_timeout_s;
  switch (phase_) {
    case Phase::kIdle: return phase_start_ + (served_ == 0 ? limits_.head_timeout_s : limits_.idle_timeout_s);
    case Phase::kHead: return phase_start_ + limits_.head_timeout_s;
    case Phase::kBody: return phase_start_ + limits_.body_timeout_s;
    case Phase::kClosed: break;
  }
  return phase_start_;
}

void Session::on_input(std::string_view data, double now) {
  if (closing_ || phase_ == Phase::kClosed) return;
  if (phase_ == Phase::kIdle && !data.empty()) {
    phase_ = Phase::kHead;
    if (served_ > 0) phase_start_ = now;  // the first request's clock started at the accept
  }
  in_.append(data);
  advance(now);
}

void Session::on_eof(double) {
  // A half-sent request cannot complete now; what is already answered is still sent.
  closing_ = true;
  phase_ = Phase::kClosed;
}

void Session::on_timeout(double now) {
  if (!out_.empty()) {  // the client does not read its response: drop it
    out_.clear();
    closing_ = true;
    phase_ = Phase::kClosed;
    return;
  }
  if (phase_ == Phase::kHead || phase_ == Phase::kBody || (phase_ == Phase::kIdle && served_ == 0 && !in_.empty())) {
    reject(408, phase_ == Phase::kBody ? fmt::format("the body did not arrive within {:g} s", limits_.body_timeout_s)
                                       : fmt::format("the request head did not arrive within {:g} s", limits_.head_timeout_s),
           now);
    return;
  }
  closing_ = true;  // idle keep-alive (or a connection that never sent a byte): close quietly
  phase_ = Phase::kClosed;
}

void Session::on_output_sent(std::size_t n, double now) {
  out_.erase(0, n);
  if (out_.empty() && !closing_) {
    write_start_ = now;
    advance(now);  // a pipelined request may be waiting in in_
  }
}

void Session::reject(int status, const std::string& why, double now) {
  Response res;
  res.set(status, nlohmann::json({{"error", why}}).dump() + "\n", "application/json");
  in_.clear();
  respond(res, false, false, now);
}

void Session::respond(Response& res, bool keep_alive, bool head_only, double now) {
  ++served_;
  keep_alive = keep_alive && served_ < limits_.max_requests_per_connection;
  if (out_.empty()) write_start_ = now;
  out_ += serialize(res, keep_alive, head_only);
  if (!keep_alive) {
    closing_ = true;
    phase_ = Phase::kClosed;
    in_.clear();
    return;
  }
  phase_ = Phase::kIdle;
  phase_start_ = now;
  route_ = nullptr;
  req_ = Request{};
}

void Session::advance(double now) {
  while (!closing_ && out_.empty()) {
    if (phase_ == Phase::kIdle) {
      if (in_.empty()) return;
      phase_ = Phase::kHead;
      phase_start_ = now;
    }
    if (phase_ == Phase::kHead) {
      head_ = parse_head(in_, limits_.max_head_bytes, req_);
      if (head_.status == HeadResult::kIncomplete) return;
      if (head_.status == HeadResult::kError) return reject(head_.error_status, head_.error, now);
      in_.erase(0, head_.consumed);
      req_.peer = peer_;
      auto m = router_.match(req_.method, req_.path);
      Response res;
      if (!m.route) {
        if (m.status == 405) {
          res.set(405, nlohmann::json({{"error", fmt::format("method {} is not allowed here; allowed: {}", req_.method, m.allow)}}).dump() + "\n",
                  "application/json");
          res.set_header("Allow", m.allow);
        } else {
          res.set(404, nlohmann::json({{"error", fmt::format("no such path {}", req_.path)}}).dump() + "\n", "application/json");
        }
        // The body (if any) is not read: the connection cannot be reused after it.
        respond(res, head_.keep_alive && head_.framing == Framing::kNone, req_.method == "HEAD", now);
        continue;
      }
      if (m.route->options.needs_auth && !router_.authorized(req_)) {
        router_.unauthorized(res);
        respond(res, head_.keep_alive && head_.framing == Framing::kNone, req_.method == "HEAD", now);
        continue;
      }
      if (head_.framing == Framing::kLength && head_.content_length > m.route->options.max_body) {
        reject(413, fmt::format("body of {} bytes; this call takes at most {}", head_.content_length, m.route->options.max_body), now);
        return;
      }
      if (head_.framing == Framing::kChunked && m.route->options.max_body == 0) {
        reject(413, "this call takes no body", now);
        return;
      }
      route_ = m.route;
      req_.captures = std::move(m.captures);
      if (head_.framing == Framing::kNone) {
        phase_ = Phase::kBody;  // an empty body is complete at once
      } else {
        phase_ = Phase::kBody;
        phase_start_ = now;
        if (head_.expect_continue) out_ += "HTTP/1.1 100 Continue\r\n\r\n";
        if (!out_.empty()) {
          write_start_ = now;
          return;  // send the 100 first; the body follows
        }
      }
    }
    if (phase_ == Phase::kBody) {
      if (head_.framing == Framing::kLength) {
        if (in_.size() < head_.content_length) return;
        req_.body = in_.substr(0, head_.content_length);
        in_.erase(0, head_.content_length);
      } else if (head_.framing == Framing::kChunked) {
        const auto r = decode_chunked(in_, route_->options.max_body, req_.body);
        if (r.status == ChunkedResult::kTooLarge || (r.status == ChunkedResult::kIncomplete && in_.size() >= route_->options.max_body * 2 + kChunkedSlack)) {
          return reject(413, fmt::format("this call takes a body of at most {} bytes", route_->options.max_body), now);
        }
        if (r.status == ChunkedResult::kError) return reject(400, r.error, now);
        if (r.status == ChunkedResult::kIncomplete) return;
        in_.erase(0, r.consumed);
      }
      largest_body_ = std::max(largest_body_, req_.body.size());
      Response res;
      try {
        route_->handler(req_, res);
      } catch (const std::exception& e) {
        res = Response{};
        res.set(500, nlohmann::json({{"error", fmt::format("internal error: {}", e.what())}}).dump() + "\n", "application/json");
      }
      const bool head_only = req_.method == "HEAD";
      respond(res, head_.keep_alive, head_only, now);
      if (in_.capacity() > 2 * limits_.max_head_bytes && in_.size() < limits_.max_head_bytes) in_.shrink_to_fit();
    }
  }
}

}  // namespace frugal::http
