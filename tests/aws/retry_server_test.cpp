// Retries against a real HTTP server of the test's own (cpp-httplib on a loopback port): it answers
// 503, then a throttling error, then success; the real libcurl transport and signer run.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "aws/client.h"
#include "fake_environment.h"
#include "loopback_server.h"
#include "core/error.h"

using namespace frugal::aws;

namespace {

struct FlakyServer : LoopbackServer {
  std::atomic<int> hits{0};
  std::vector<int> script;  // status per hit; the last one repeats
  std::string last_authorization;
  FlakyServer(std::vector<int> s) : script(std::move(s)) {
    server.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      const int i = std::min<int>(hits++, static_cast<int>(script.size()) - 1);
      last_authorization = req.get_header_value("Authorization");
      res.status = script[i];
      if (script[i] == 400) {
        res.set_content("<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>", "text/xml");
      } else if (script[i] == 200) {
        res.set_content("<ListMetricsResponse><ListMetricsResult><Metrics/></ListMetricsResult></ListMetricsResponse>", "text/xml");
      } else {
        res.set_content("Service Unavailable", "text/plain");
      }
    });
    start();
  }
};
}  // namespace

TEST(RetryServer, RecoversFrom503AndThrottling) {
  FlakyServer s({503, 400, 200});
  AwsClient client(test_config(s.url(), "AKIATEST"), "monitoring");
  std::vector<double> sleeps;
  client.sleep = [&](double d) { sleeps.push_back(d); };
  auto doc = client.query("ListMetrics", "2010-08-01", {});
  EXPECT_TRUE(doc.child("ListMetricsResponse"));
  EXPECT_EQ(s.hits.load(), 3);
  EXPECT_EQ(client.attempts_made, 3);
  EXPECT_EQ(sleeps.size(), 2u);
  EXPECT_EQ(s.last_authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIATEST/", 0), 0u);
}

TEST(RetryServer, GivesUpAfterThreeAttempts) {
  FlakyServer s({503});
  AwsClient client(test_config(s.url(), "AKIATEST"), "monitoring");
  client.sleep = [](double) {};
  try {
    client.query("ListMetrics", "2010-08-01", {});
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.status, 503);
  }
  EXPECT_EQ(s.hits.load(), 3);
}
