// Attacks on frugal's HTTP server over real loopback sockets (issue 14): slow and idle clients
// must not starve others, excess connections are refused rather than queued, big bodies are
// refused before they are read, and memory comes back.
#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "adversarial/raw_client.h"

using namespace frugal::http;
using namespace frugal::testing;

namespace {

Router ping_router() {
  Router r;
  r.add("GET", "/ping", [](const Request&, Response& res) { res.set(200, "pong\n", "text/plain"); });
  r.add("POST", "/upload", [](const Request& q, Response& res) { res.set(200, std::to_string(q.body.size()), "text/plain"); },
        {true, 64u << 20});
  r.set_authorizer([](const Request& q) { return q.header("authorization") == "Bearer good"; });
  return r;
}

struct Running {
  Server server;
  int port;
  explicit Running(Limits limits = {}) : server(ping_router(), limits), port(server.bind("127.0.0.1:0")) { server.start(); }
};

// One GET /ping on a fresh connection; its status and how long it took.
std::pair<int, double> ping(int port) {
  const auto t0 = std::chrono::steady_clock::now();
  RawConn c(port);
  if (!c.ok()) return {0, seconds_since(t0)};
  c.send("GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  return {status_of(c.response(5)), seconds_since(t0)};
}

}  // namespace

// The attack: connections that each send one header line per interval. With 64 of them
// held open, other calls are still answered within a second.
TEST(HttpAttack, SlowHeaderSendersDoNotStarveOthers) {
  Running r;
  std::vector<RawConn> slow;
  for (int i = 0; i < 64; ++i) {
    slow.emplace_back(r.port);
    ASSERT_TRUE(slow.back().ok());
    slow.back().send("GET /ping HTTP/1.1\r\nHost: x\r\n");
  }
  std::atomic<bool> stop{false};
  std::thread dribble([&] {
    for (int k = 0; k < 30 && !stop; ++k) {
      for (auto& c : slow) c.send("X-Slow: " + std::to_string(k) + "\r\n");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  double worst = 0;
  for (int i = 0; i < 20; ++i) {
    const auto [status, took] = ping(r.port);
    EXPECT_EQ(status, 200);
    worst = std::max(worst, took);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  dribble.join();
  EXPECT_LT(worst, 1.0) << "a call waited behind the slow senders";
  EXPECT_GE(r.server.connections(), 64);  // they were still held while the calls were answered
}

// A head that keeps dribbling past the head timeout gets 408 and is closed.
TEST(HttpAttack, AHeadThatNeverEndsTimesOut) {
  Limits l;
  l.head_timeout_s = 0.5;
  Running r(l);
  RawConn c(r.port);
  c.send("GET /ping HTTP/1.1\r\nHost: x\r\n");
  std::string got;
  for (int k = 0; k < 20 && got.empty(); ++k) {
    c.send("X-Slow: 1\r\n");
    got = c.read(0.1);
  }
  EXPECT_EQ(status_of(got), 408) << got;
  EXPECT_TRUE(c.closed_by_peer(2));
}

// 300 idle connections (the 200, and more than the 256 allowed): new calls are served by
// evicting the longest-idle one, not queued behind them.
TEST(HttpAttack, IdleConnectionsAreEvictedNotQueuedBehind) {
  Running r;
  std::vector<RawConn> idle;
  for (int i = 0; i < 300; ++i) idle.emplace_back(r.port);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LE(r.server.connections(), Limits{}.max_connections);
  for (int i = 0; i < 10; ++i) {
    const auto [status, took] = ping(r.port);
    EXPECT_EQ(status, 200);
    EXPECT_LT(took, 1.0);
  }
}

// When every slot holds a request under way (none idle), a new connection is refused at once with
// 503 and Retry-After, never queued.
TEST(HttpAttack, ExcessConnectionsAreRefusedWith503) {
  Limits l;
  l.max_connections = 16;
  Running r(l);
  std::vector<RawConn> busy;
  for (int i = 0; i < 16; ++i) {
    busy.emplace_back(r.port);
    busy.back().send("GET /ping HTTP/1.1\r\nHost: x\r\n");  // a head under way: not idle
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto t0 = std::chrono::steady_clock::now();
  RawConn extra(r.port);
  const std::string got = extra.read(2, "\r\n\r\n");
  EXPECT_EQ(status_of(got), 503) << got;
  EXPECT_NE(got.find("Retry-After: 1"), std::string::npos);
  EXPECT_LT(seconds_since(t0), 1.0);
  busy.clear();  // the slots free up; calls work again
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(ping(r.port).first, 200);
}

// 300 MB with no token: the 401 comes on the head, the body is never read, and the process does
// not grow (it grew to 614 MB before).
TEST(HttpAttack, AHugeBodyWithoutTheTokenIsNotRead) {
  Running r;
  const long before = resident_bytes();
  RawConn c(r.port);
  c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 300000000\r\n\r\n");
  const std::string got = c.read(2, "\r\n\r\n");
  EXPECT_EQ(status_of(got), 401) << got;
  // The server closes; what it accepted is what the kernel buffers, not the 300 MB.
  const std::string chunk(1 << 20, 'x');
  std::size_t accepted = 0;
  for (int i = 0; i < 300; ++i) {
    const std::size_t n = c.send(chunk);
    accepted += n;
    if (n < chunk.size()) break;
  }
  EXPECT_LT(accepted, 64u << 20);
  EXPECT_LT(resident_bytes() - before, 32L << 20);
}

// With the token, a body past the route's limit is 413 on the head; one within it is read, and
// the memory it took is handed back after the response.
TEST(HttpAttack, TooLargeIs413AndMemoryComesBack) {
  Running r;
  {
    RawConn c(r.port);
    c.send("POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nContent-Length: 200000000\r\n\r\n");
    const std::string got = c.read(2, "\r\n\r\n");
    EXPECT_EQ(status_of(got), 413) << got;
  }
  const long before = resident_bytes();
  for (int i = 0; i < 3; ++i) {
    RawConn c(r.port);
    const std::string body(60u << 20, 'y');
    c.send("POST /upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n");
    c.send(body);
    const std::string got = c.response(10);
    EXPECT_EQ(status_of(got), 200);
    EXPECT_EQ(body_of(got), std::to_string(body.size()));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
#if defined(__SANITIZE_ADDRESS__)
  // ASan's allocator keeps freed memory in its quarantine (256 MB by default) whatever the code
  // does, so what comes back is only observable with the real allocator (the release suite).
  (void)before;
#else
  EXPECT_LT(resident_bytes() - before, 48L << 20) << "60 MB bodies were not handed back";
#endif
}

// A second server on a port in use fails with the reason; requests never split between two.
TEST(HttpAttack, APortInUseIsAClearError) {
  Running r;
  Server second(ping_router());
  try {
    second.bind("127.0.0.1:" + std::to_string(r.port));
    FAIL() << "bound a port that is in use";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("the port is in use"), std::string::npos) << e.what();
  }
}
