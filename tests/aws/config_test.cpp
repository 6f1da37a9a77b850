#include "aws/config.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "fake_environment.h"

using namespace frugal::aws;

namespace {
FakeEnvironment base() {
  FakeEnvironment e;
  e.vars["HOME"] = "/home/u";
  e.files["/home/u/.aws/credentials"] =
      "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = secret-default\n"
      "[dev]\naws_access_key_id=AKIADEV\naws_secret_access_key=secret-dev\naws_session_token=tok-dev\n";
  e.files["/home/u/.aws/config"] =
      "# comment\n[default]\nregion = eu-west-1\n[profile dev]\nregion = us-west-2\n"
      "endpoint_url = http://127.0.0.1:5000\n[profile proc]\nregion = ap-south-1\n"
      "credential_process = /usr/bin/get-creds --role x\ns3 =\n  max_concurrent_requests = 20\n";
  return e;
}
std::string error_of(const AwsOptions& o, const Environment& e) {
  try {
    resolve_config(o, e);
  } catch (const frugal::Error& x) {
    return x.what();
  }
  return "";
}
}  // namespace

TEST(AwsConfig, EnvironmentKeysWinWithoutExplicitProfile) {
  auto e = base();
  e.vars["AWS_ACCESS_KEY_ID"] = "AKIAENV";
  e.vars["AWS_SECRET_ACCESS_KEY"] = "secret-env";
  e.vars["AWS_SESSION_TOKEN"] = "tok-env";
  auto c = resolve_config({}, e);
  EXPECT_EQ(c.credentials.access_key_id, "AKIAENV");
  EXPECT_EQ(c.credentials.session_token, "tok-env");
  EXPECT_EQ(c.credentials.source, "environment");
  EXPECT_EQ(c.region, "eu-west-1");  // default profile's region
  // An explicit --profile ignores the environment keys, like the AWS CLI.
  auto d = resolve_config({"dev", "", ""}, e);
  EXPECT_EQ(d.credentials.access_key_id, "AKIADEV");
}

TEST(AwsConfig, ProfilesFromSharedFiles) {
  auto e = base();
  e.vars["AWS_PROFILE"] = "dev";
  auto c = resolve_config({}, e);
  EXPECT_EQ(c.profile, "dev");
  EXPECT_EQ(c.credentials.access_key_id, "AKIADEV");
  EXPECT_EQ(c.credentials.secret_access_key, "secret-dev");
  EXPECT_EQ(c.credentials.session_token, "tok-dev");
  EXPECT_EQ(c.region, "us-west-2");
  EXPECT_EQ(c.endpoint("monitoring"), "http://127.0.0.1:5000");  // profile endpoint_url
}

TEST(AwsConfig, FileLocationsFromEnvironment) {
  FakeEnvironment e;
  e.vars["AWS_SHARED_CREDENTIALS_FILE"] = "/etc/creds";
  e.vars["AWS_CONFIG_FILE"] = "/etc/conf";
  e.files["/etc/creds"] = "[default]\naws_access_key_id=A\naws_secret_access_key=S\n";
  e.files["/etc/conf"] = "[default]\nregion=us-east-2\n";
  auto c = resolve_config({}, e);
  EXPECT_EQ(c.credentials.access_key_id, "A");
  EXPECT_EQ(c.region, "us-east-2");
}

TEST(AwsConfig, CredentialProcess) {
  auto e = base();
  e.outputs["/usr/bin/get-creds --role x"] =
      R"({"Version": 1, "AccessKeyId": "AKIAPROC", "SecretAccessKey": "secret-proc", "SessionToken": "tok-proc"})";
  auto c = resolve_config({"proc", "", ""}, e);
  EXPECT_EQ(c.credentials.access_key_id, "AKIAPROC");
  EXPECT_EQ(c.credentials.session_token, "tok-proc");
  EXPECT_EQ(c.region, "ap-south-1");
  e.outputs["/usr/bin/get-creds --role x"] = "not json";
  EXPECT_EQ(error_of({"proc", "", ""}, e), "credential_process for profile proc: output is not JSON");
  e.outputs.clear();
  EXPECT_NE(error_of({"proc", "", ""}, e).find("exited with status"), std::string::npos);
}

TEST(AwsConfig, RegionAndEndpointPrecedence) {
  auto e = base();
  e.vars["AWS_DEFAULT_REGION"] = "ca-central-1";
  EXPECT_EQ(resolve_config({}, e).region, "ca-central-1");
  e.vars["AWS_REGION"] = "sa-east-1";
  EXPECT_EQ(resolve_config({}, e).region, "sa-east-1");
  EXPECT_EQ(resolve_config({"", "us-east-1", ""}, e).region, "us-east-1");

  auto c = resolve_config({}, e);
  EXPECT_EQ(c.endpoint("monitoring"), "https://monitoring.sa-east-1.amazonaws.com");
  EXPECT_EQ(c.endpoint("ce"), "https://ce.us-east-1.amazonaws.com");
  e.vars["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4000";
  e.vars["AWS_ENDPOINT_URL_SNS"] = "http://127.0.0.1:4001";
  auto d = resolve_config({}, e);
  EXPECT_EQ(d.endpoint("sns"), "http://127.0.0.1:4001");
  EXPECT_EQ(d.endpoint("monitoring"), "http://127.0.0.1:4000");
  EXPECT_EQ(resolve_config({"", "", "http://localhost:9"}, e).endpoint("sns"), "http://localhost:9");
}

TEST(AwsConfig, ErrorsNameWhatWasTriedButNoSecret) {
  FakeEnvironment e;
  e.vars["HOME"] = "/h";
  std::string err = error_of({}, e);
  EXPECT_NE(err.find("no AWS credentials"), std::string::npos);
  e.vars["AWS_ACCESS_KEY_ID"] = "AKIAX";
  e.vars["AWS_SECRET_ACCESS_KEY"] = "very-secret-value";
  err = error_of({}, e);
  EXPECT_EQ(err, "no AWS region: pass --region or set AWS_REGION (or region in ~/.aws/config)");
  EXPECT_EQ(err.find("very-secret-value"), std::string::npos);
  EXPECT_NE(error_of({"ghost", "", ""}, base()).find("--profile ghost: no such profile"), std::string::npos);
}

TEST(AwsConfig, IniErrorsHavePositions) {
  try {
    parse_ini("[default]\nregion us-east-1\n", "cfg");
    FAIL();
  } catch (const frugal::Error& e) {
    EXPECT_STREQ(e.what(), "cfg:2:1: expected 'key = value' or '[section]'");
  }
  EXPECT_THROW(parse_ini("key=1\n", "cfg"), frugal::Error);
  EXPECT_THROW(parse_ini("[open\n", "cfg"), frugal::Error);
}
