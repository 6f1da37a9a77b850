// IMDSv2 against the test's own HTTP server: token first, then the instance type with the token;
// the no-answer and disabled cases give a reason instead of an instance type.
#include <gtest/gtest.h>
#include <httplib.h>


#include "aws/config.h"
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
    server.Get("/latest/meta-data/placement/region", [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("X-aws-ec2-metadata-token") != "tok-123") {
        res.status = 401;
        return;
      }
      res.set_content("eu-west-1", "text/plain");
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

TEST(Imds, ReadsRegionWithToken) {
  ImdsServer srv;
  FakeEnvironment env;
  env.vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = srv.url();
  auto http = make_imds_transport();
  const ImdsResult r = imds_region(*http, env);
  ASSERT_TRUE(r.instance_type) << r.why;
  EXPECT_EQ(*r.instance_type, "eu-west-1");
}

// The pricing region follows the AWS conventions, without credentials: flag, AWS_REGION,
// AWS_DEFAULT_REGION, the profile's region, then instance metadata.
TEST(ResolveRegion, FlagEnvProfileThenInstanceMetadata) {
  FakeEnvironment env;
  env.vars["HOME"] = "/home/u";
  int imds_calls = 0;
  auto imds = [&]() -> std::optional<std::string> {
    ++imds_calls;
    return std::string("ap-south-1");
  };
  EXPECT_EQ(resolve_region({}, env, imds).region, "ap-south-1");
  EXPECT_EQ(resolve_region({}, env, imds).from, "EC2 instance metadata");
  env.files["/home/u/.aws/config"] = "[default]\nregion = us-west-2\n[profile eu]\nregion = eu-central-1\n";
  EXPECT_EQ(resolve_region({}, env, imds).region, "us-west-2");
  AwsOptions eu;
  eu.profile = "eu";
  EXPECT_EQ(resolve_region(eu, env, imds).region, "eu-central-1");
  env.vars["AWS_DEFAULT_REGION"] = "sa-east-1";
  EXPECT_EQ(resolve_region({}, env, imds).region, "sa-east-1");
  env.vars["AWS_REGION"] = "eu-west-3";
  EXPECT_EQ(resolve_region({}, env, imds).from, "AWS_REGION");
  AwsOptions flag;
  flag.region = "us-east-2";
  EXPECT_EQ(resolve_region(flag, env, imds).region, "us-east-2");
  EXPECT_EQ(imds_calls, 2);  // asked only when nothing else said
  FakeEnvironment bare;
  EXPECT_EQ(resolve_region({}, bare).region, "");  // no metadata lookup given: nothing found
}
