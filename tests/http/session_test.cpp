// The HTTP protocol state without sockets: framing, pipelining, the order of the checks (route,
// token and size on the head, before any body byte), timeouts, and the parser's refusals.
#include "http/session.h"

#include <gtest/gtest.h>

#include <string>

#include "http/message.h"
#include "http/server.h"
#include "http/router.h"

using namespace frugal::http;

namespace {

Router test_router() {
  Router r;
  r.add("GET", "/ping", [](const Request&, Response& res) { res.set(200, "pong\n", "text/plain"); });
  r.add("GET", "/jobs/*", [](const Request& q, Response& res) { res.set(200, "job " + q.captures[0], "text/plain"); });
  r.add("POST", "/echo", [](const Request& q, Response& res) { res.set(200, q.body, "text/plain"); }, {true, 100});
  r.set_authorizer([](const Request& q) { return q.header("authorization") == "Bearer good"; });
  return r;
}

struct Conn {
  Router router = test_router();
  Limits limits;
  Session s{router, limits, 0, "127.0.0.1:1"};
  std::string take() {
    std::string out = s.output();
    s.on_output_sent(out.size(), 0);
    return out;
  }
};

int status(const std::string& r) { return r.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(r.substr(9, 3)) : 0; }

}  // namespace

TEST(HttpSession, AnswersAHeadSentOneByteAtATime) {
  Conn c;
  const std::string req = "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n";
  for (char ch : req) {
    EXPECT_TRUE(c.s.output().empty());
    c.s.on_input(std::string_view(&ch, 1), 0);
  }
  const std::string out = c.take();
  EXPECT_EQ(status(out), 200);
  EXPECT_NE(out.find("\r\n\r\npong\n"), std::string::npos) << out;
  EXPECT_FALSE(c.s.closing());
}

TEST(HttpSession, PipelinedRequestsAreAnsweredInOrder) {
  Conn c;
  c.s.on_input("GET /jobs/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /jobs/2 HTTP/1.1\r\nHost: x\r\n\r\n", 0);
  std::string all = c.take();
  all += c.take();
  const auto first = all.find("job 1"), second = all.find("job 2");
  ASSERT_NE(first, std::string::npos) << all;
  ASSERT_NE(second, std::string::npos) << all;
  EXPECT_LT(first, second);
  EXPECT_EQ(c.s.requests_served(), 2);
}

// 401 is decided on the head: a 300 MB upload without the token is never read.
TEST(HttpSession, NoTokenIsRefusedBeforeTheBody) {
  Conn c;
  c.s.on_input("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 300000000\r\n\r\n", 0);
  EXPECT_EQ(status(c.s.output()), 401);
  EXPECT_EQ(c.s.read_budget(), 0u);
  c.take();
  EXPECT_TRUE(c.s.closing());  // the unread body makes the connection unusable
  EXPECT_EQ(c.s.read_budget(), 0u);
}

TEST(HttpSession, TooLargeIsRefusedBeforeTheBodyAndChunkedIsBoundedToo) {
  Conn c;
  c.s.on_input("POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nContent-Length: 101\r\n\r\n", 0);
  EXPECT_EQ(status(c.s.output()), 413);
  EXPECT_EQ(c.s.read_budget(), 0u);
  Conn d;
  d.s.on_input("POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nTransfer-Encoding: chunked\r\n\r\n", 0);
  d.s.on_input("64\r\n" + std::string(100, 'a') + "\r\n1\r\nb\r\n", 0);  // 101 bytes decoded
  EXPECT_EQ(status(d.s.output()), 413);
}

TEST(HttpSession, ChunkedAndLengthBodiesReachTheHandler) {
  Conn c;
  c.s.on_input("POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n",
               0);
  std::string out = c.take();
  EXPECT_EQ(status(out), 200);
  EXPECT_NE(out.find("\r\n\r\nhello world"), std::string::npos) << out;
  c.s.on_input("POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nContent-Length: 3\r\n\r\nabc", 1);
  out = c.take();
  EXPECT_NE(out.find("\r\n\r\nabc"), std::string::npos) << out;
}

TEST(HttpSession, SlowHeadsAndBodiesTimeOutIdleConnectionsClose) {
  Conn c;
  c.limits.head_timeout_s = 2;
  c.s.on_input("GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n", 0);  // a head that never ends
  EXPECT_DOUBLE_EQ(c.s.deadline(), 2);
  c.s.on_input("X-Slow: 2\r\n", 1.5);  // more bytes do not extend the head's deadline
  EXPECT_DOUBLE_EQ(c.s.deadline(), 2);
  c.s.on_timeout(2);
  EXPECT_EQ(status(c.s.output()), 408);
  EXPECT_TRUE(c.s.closing());

  Conn b;
  b.limits.body_timeout_s = 3;
  b.s.on_input("POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nContent-Length: 10\r\n\r\nabc", 10);
  EXPECT_DOUBLE_EQ(b.s.deadline(), 13);
  b.s.on_timeout(13);
  EXPECT_EQ(status(b.s.output()), 408);

  Conn idle;
  idle.limits.idle_timeout_s = 5;
  idle.s.on_input("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n", 1);
  idle.take();
  EXPECT_TRUE(idle.s.idle());
  EXPECT_DOUBLE_EQ(idle.s.deadline(), 6);
  idle.s.on_timeout(6);
  EXPECT_TRUE(idle.s.closing());
  EXPECT_TRUE(idle.s.output().empty());  // an idle keep-alive closes quietly
}

TEST(HttpSession, KeepAliveEndsAfterTheRequestLimit) {
  Conn c;
  c.limits.max_requests_per_connection = 2;
  c.s.on_input("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n", 0);
  EXPECT_NE(c.take().find("Connection: keep-alive"), std::string::npos);
  c.s.on_input("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n", 0);
  EXPECT_NE(c.take().find("Connection: close"), std::string::npos);
  EXPECT_TRUE(c.s.closing());
}

TEST(HttpSession, RefusesMalformedAndAmbiguousHeads) {
  struct Case {
    std::string head;
    int status;
  };
  const Case cases[] = {
      {"GET /ping HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},  // which one?
      {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},  // smuggling
      {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"GET /ping HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
      {"GET /ping HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
      {"GET /ping HTTP/1.1\r\nHost: x\r\n Folded: x\r\n\r\n", 400},
      {"GET /ping HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n", 400},
      {"GET /pi\x01ng HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET /ping HTTP/2.0\r\nHost: x\r\n\r\n", 505},
      {"GET http://x/ping HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"GET /ping HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400},
      {"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 404},
      {"DELETE /ping HTTP/1.1\r\nHost: x\r\n\r\n", 405},
      {"GET /ping HTTP/1.1\r\nHost: x\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", 431},
      {"GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.head.substr(0, 60));
    Conn c;
    c.s.on_input(k.head, 0);
    EXPECT_EQ(status(c.s.output()), k.status) << c.s.output();
  }
}

TEST(HttpListen, ParsesHostsAndRefusesBadPorts) {
  EXPECT_EQ(parse_listen(":9401"), (std::pair<std::string, int>{"0.0.0.0", 9401}));
  EXPECT_EQ(parse_listen("[::1]:80"), (std::pair<std::string, int>{"::1", 80}));
  EXPECT_EQ(parse_listen("127.0.0.1:0").second, 0);
  for (const char* bad : {"9401", "x:70000", "x:-1", "x:12ab", "x:"}) EXPECT_THROW(parse_listen(bad), std::exception) << bad;
}
