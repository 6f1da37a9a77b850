#include "aws/cloudwatch.h"
#include "aws/s3.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "fake_environment.h"
#include "moto.h"
#include "test_util.h"

using namespace frugal::aws;

namespace {


// A transport that answers from a script, to test retries without a network.
class ScriptedTransport : public HttpTransport {
 public:
  std::vector<HttpResponse> answers;
  std::vector<HttpRequest> seen;
  using HttpTransport::send;
  HttpResponse send(const std::string&, const HttpRequest& req, const BodySink*) override {
    seen.push_back(req);
    HttpResponse r = answers.front();
    if (answers.size() > 1) answers.erase(answers.begin());
    return r;
  }
};

}  // namespace

TEST(CloudWatchMoto, PutBatchesAndReadsBack) {
  if (MotoServer::find().empty()) GTEST_SKIP() << "moto_server is not installed";
  MotoServer moto;
  ASSERT_TRUE(moto.ready()) << "moto_server did not start";
  AwsClient client(test_config(moto.url()), "monitoring");
  CloudWatch cw(client);
  const std::time_t t0 = 1756684800;  // 2025-09-01T00:00:00Z
  std::vector<MetricDatum> data;
  double total = 0;
  for (int i = 0; i < 1500; ++i) {  // more than one PutMetricData call's worth
    MetricDatum d;
    d.name = "GPUUtilization";
    d.dimensions = {{"InstanceType", "p5.48xlarge"}};
    d.value = i % 100;
    d.unit = "Percent";
    d.timestamp = t0 + i;
    total += d.value;
    data.push_back(d);
  }
  EXPECT_EQ(cw.put_metric_data("frugal/test", data), 2);
  auto points = cw.get_metric_data("frugal/test", "GPUUtilization", {{"InstanceType", "p5.48xlarge"}}, t0 - 60,
                                    t0 + 3600, 3600, "Sum");
  double got = 0;
  for (const auto& p : points) got += p.value;
  EXPECT_DOUBLE_EQ(got, total);
}

TEST(CloudWatchMoto, ServiceErrorsCarryTheirCode) {
  if (MotoServer::find().empty()) GTEST_SKIP() << "moto_server is not installed";
  MotoServer moto;
  ASSERT_TRUE(moto.ready()) << "moto_server did not start";
  // A client error is not retried and keeps the service's code (S3 answers 404 NoSuchKey).
  AwsClient client(test_config(moto.url()), "s3");
  client.sleep = [](double) {};
  S3 s3(client);
  s3.create_bucket("errors-bucket");
  try {
    s3.get("errors-bucket", "missing.csv", [](std::string_view) {});
    FAIL() << "expected an error";
  } catch (const AwsError& e) {
    EXPECT_EQ(e.status, 404);
    EXPECT_EQ(e.code, "NoSuchKey");
    EXPECT_EQ(client.attempts_made, 1);
  }
}

TEST(AwsClient, RetriesThrottlingThenSucceeds) {
  auto transport = std::make_unique<ScriptedTransport>();
  auto* t = transport.get();
  HttpResponse throttled{400, "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>", {}, ""};
  HttpResponse ok{200, "<PutMetricDataResponse/>", {}, ""};
  t->answers = {throttled, HttpResponse{503, "", {}, ""}, ok};
  AwsClient client(test_config("http://127.0.0.1:1"), "monitoring", std::move(transport));
  std::vector<double> sleeps;
  client.sleep = [&](double s) { sleeps.push_back(s); };
  client.clock = [] { return std::time_t{1440938160}; };
  client.query("PutMetricData", "2010-08-01", {{"Namespace", "x"}});
  EXPECT_EQ(client.attempts_made, 3);
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_LE(sleeps[0], 1.0);  // full jitter under base x 2^0
  EXPECT_LE(sleeps[1], 2.0);
  // Every attempt is signed.
  for (const auto& r : t->seen) ASSERT_NE(r.header("Authorization"), nullptr);
  EXPECT_EQ(*t->seen[0].header("X-Amz-Date"), "20150830T123600Z");
}

TEST(AwsClient, GivesUpAfterMaxAttemptsAndDoesNotRetryClientErrors) {
  auto transport = std::make_unique<ScriptedTransport>();
  auto* t = transport.get();
  t->answers = {HttpResponse{0, "", {}, "Connection refused"}};
  AwsClient client(test_config("http://127.0.0.1:1"), "monitoring", std::move(transport));
  client.sleep = [](double) {};
  EXPECT_THROW(client.query("ListMetrics", "2010-08-01", {}), frugal::Error);
  EXPECT_EQ(client.attempts_made, 3);
  t->answers = {HttpResponse{400, "<ErrorResponse><Error><Code>InvalidParameterValue</Code><Message>bad</Message></Error></ErrorResponse>", {}, ""}};
  try {
    client.query("ListMetrics", "2010-08-01", {});
    FAIL();
  } catch (const AwsError& e) {
    EXPECT_EQ(e.code, "InvalidParameterValue");
    EXPECT_EQ(client.attempts_made, 1);
  }
}

TEST(AwsClient, SecretsNeverAppearInErrors) {
  FakeEnvironment env;
  env.vars = {{"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"}, {"AWS_SECRET_ACCESS_KEY", "S3cr3t-Value-XYZ"},
              {"AWS_SESSION_TOKEN", "T0ken-Value-XYZ"}, {"AWS_REGION", "us-east-1"}};
  const auto cfg = resolve_config({"", "", "http://127.0.0.1:1"}, env);
  for (const HttpResponse& answer :
       {HttpResponse{0, "", {}, "Connection refused"},
        HttpResponse{403, "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error></ErrorResponse>", {}, ""}}) {
    auto transport = std::make_unique<ScriptedTransport>();
    transport->answers = {answer};
    AwsClient client(cfg, "monitoring", std::move(transport));
    client.sleep = [](double) {};
    try {
      client.query("ListMetrics", "2010-08-01", {});
      FAIL() << "expected an error";
    } catch (const std::exception& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find("S3cr3t-Value-XYZ"), std::string::npos) << what;
      EXPECT_EQ(what.find("T0ken-Value-XYZ"), std::string::npos) << what;
      EXPECT_EQ(what.find("Signature="), std::string::npos) << what;
    }
  }
}

#include "aws/ec2.h"

TEST(Ec2Moto, SpotPriceHistoryForAskedTypes) {
  if (MotoServer::find().empty()) GTEST_SKIP() << "moto_server is not installed";
  MotoServer moto;
  ASSERT_TRUE(moto.ready());
  AwsClient ec2(test_config(moto.url()), "ec2");
  auto prices = describe_spot_price_history(ec2, {"p5.48xlarge", "g5.xlarge"}, 1756684800);
  ASSERT_FALSE(prices.empty());
  for (const auto& p : prices) {
    EXPECT_TRUE(p.instance_type == "p5.48xlarge" || p.instance_type == "g5.xlarge") << p.instance_type;
    EXPECT_FALSE(p.availability_zone.empty());
    EXPECT_GE(p.usd_per_hour, 0);
  }
}

#include "aws/cost_explorer.h"

// Cost Explorer results are set through moto's own API (moto-api/static/ce/...), two pages.
TEST(CostExplorerMoto, DailyCostByInstanceTypeAllPages) {
  if (MotoServer::find().empty()) GTEST_SKIP() << "moto_server is not installed";
  MotoServer moto;
  ASSERT_TRUE(moto.ready());
  auto page = [](const std::string& date, double p5, double g5, const std::string& next) {
    nlohmann::json r = {{"ResultsByTime",
                         {{{"TimePeriod", {{"Start", date}, {"End", date}}},
                           {"Estimated", false},
                           {"Groups",
                            {{{"Keys", {"p5.48xlarge"}}, {"Metrics", {{"UnblendedCost", {{"Amount", fmt::format("{}", p5)}, {"Unit", "USD"}}}}}},
                             {{"Keys", {"g5.xlarge"}}, {"Metrics", {{"UnblendedCost", {{"Amount", fmt::format("{}", g5)}, {"Unit", "USD"}}}}}}}}}}},
                        {"DimensionValueAttributes", nlohmann::json::array()}};
    if (!next.empty()) r["NextPageToken"] = next;
    return r;
  };
  nlohmann::json results = {{"results", {page("2025-09-01", 1320.96, 24.14, "page2"), page("2025-09-02", 1100.5, 12.07, "")}}};
  HttpRequest set;
  set.method = "POST";
  set.path = "/moto-api/static/ce/cost-and-usage-results";
  set.body = results.dump();
  set.set_header("Content-Type", "application/json");
  auto t = make_curl_transport();
  ASSERT_EQ(t->send(moto.url(), set).status, 201);

  AwsClient ce(test_config(moto.url()), "ce");
  auto rows = cost_by_instance_type(ce, "2025-09-01", "2025-09-03", {"p5.48xlarge", "g5.xlarge"});
  ASSERT_EQ(rows.size(), 4u);
  double total = 0;
  for (const auto& r : rows) total += r.amount;
  EXPECT_NEAR(total, 1320.96 + 24.14 + 1100.5 + 12.07, 1e-9);
  EXPECT_EQ(rows[2].date, "2025-09-02");
  EXPECT_EQ(rows[0].instance_type, "p5.48xlarge");
}

#include <zlib.h>

#include "core/gzip.h"

TEST(S3Moto, UploadListAndStreamAGzippedCur) {
  if (MotoServer::find().empty()) GTEST_SKIP() << "moto_server is not installed";
  MotoServer moto;
  ASSERT_TRUE(moto.ready());
  AwsClient client(test_config(moto.url()), "s3");
  S3 s3(client);
  s3.create_bucket("billing-exports");
  std::string csv = "identity/LineItemId,lineItem/UsageType,lineItem/UnblendedCost\n";
  for (int i = 0; i < 5000; ++i) csv += fmt::format("id{},USE1-BoxUsage:p5.48xlarge,55.04\n", i);
  const std::string gz = gzip_bytes(csv);
  s3.put("billing-exports", "cur/2025-09/cur-00001.csv.gz", gz);
  s3.put("billing-exports", "cur/2025-09/manifest with space.json", "{}");
  s3.put("billing-exports", "other/x.csv", "a\n");

  auto objects = s3.list("billing-exports", "cur/");
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].key, "cur/2025-09/cur-00001.csv.gz");
  EXPECT_EQ(objects[0].size, static_cast<long long>(gz.size()));
  EXPECT_EQ(objects[1].key, "cur/2025-09/manifest with space.json");

  std::string out;
  frugal::Gunzip g([&](std::string_view d) { out.append(d); }, "s3://billing-exports/cur/2025-09/cur-00001.csv.gz");
  s3.get("billing-exports", objects[0].key, [&](std::string_view d) { g.feed(d); });
  g.finish();
  EXPECT_EQ(out.size(), csv.size());
  EXPECT_TRUE(out == csv);
  std::string raw;
  s3.get("billing-exports", objects[1].key, [&](std::string_view d) { raw.append(d); });
  EXPECT_EQ(raw, "{}");
  EXPECT_THROW(parse_s3_url("https://x"), frugal::Error);
  EXPECT_EQ(parse_s3_url("s3://b/p/q").key, "p/q");
}
