// IMDSv2 against the test's own HTTP server: token first, then the instance type with the token;
// the no-answer and disabled cases give a reason instead of an instance type.
#include <gtest/gtest.h>
#include <httplib.h>


#include "aws/imds.h"
#include "fake_environment.h"
#include "loopback_server.h"

using namespace frugal::aws;

namespace {
struct ImdsServer : LoopbackServer {
  bool require_token = true;
  ImdsServer() {
    server.Put("/latest/api/token", [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds").empty()) {
        res.status = 400;
        return;
      }
      res.set_content("tok-123", "text/plain");
    });
    server.Get("/latest/meta-data/instance-type", [this](const httplib::Request& req, httplib::Response& res) {
      if (require_token && req.get_header_value("X-aws-ec2-metadata-token") != "tok-123") {
        res.status = 401;
        return;
      }
      res.set_content("p5.48xlarge", "text/plain");
    });
    start();
  }
};
}  // namespace

TEST(Imds, ReadsInstanceTypeWithToken) {
  ImdsServer srv;
  FakeEnvironment env;
  env.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = srv.url() + "/";
  auto http = make_imds_transport();
  const ImdsResult r = imds_instance_type(*http, env);
  ASSERT_TRUE(r.instance_type) << r.why;
  EXPECT_EQ(*r.instance_type, "p5.48xlarge");
}

TEST(Imds, NoAnswerIsAReasonNotAnError) {
  FakeEnvironment env;
  env.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:1";
  auto http = make_imds_transport();
  const ImdsResult r = imds_instance_type(*http, env);
  EXPECT_FALSE(r.instance_type);
  EXPECT_NE(r.why.find("no answer from instance metadata at http://127.0.0.1:1"), std::string::npos) << r.why;
}

TEST(Imds, DisabledByEnvironment) {
  FakeEnvironment env;
  env.vars["AWS_EC2_METADATA_DISABLED"] = "true";
  auto http = make_imds_transport();
  EXPECT_EQ(imds_instance_type(*http, env).why, "AWS_EC2_METADATA_DISABLED is set");
}
