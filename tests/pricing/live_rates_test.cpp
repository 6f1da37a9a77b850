// Live price refresh against the test's own server replaying the documented response shapes of
// pricing GetProducts and savingsplans DescribeSavingsPlansOfferingRates (moto implements
// neither). Every request's SigV4 signature is recomputed from what arrived on the wire.
#include "pricing/live_rates.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "aws/sigv4.h"
#include "core/error.h"
#include "loopback_server.h"
#include "test_util.h"

using namespace frugal;
using nlohmann::json;

namespace {

const aws::Credentials kCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", "test"};

std::time_t parse_amz_date(const std::string& s) {
  std::tm tm{};
  if (sscanf(s.c_str(), "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm);
}

// Re-signs the request as received; the signature must be the one sent.
std::string signature_problem(const httplib::Request& req, const std::string& service) {
  const std::string auth = req.get_header_value("Authorization");
  const std::string scope = "/us-east-1/" + service + "/aws4_request";
  if (auth.find(scope) == std::string::npos) return "credential scope is not " + scope + ": " + auth;
  aws::HttpRequest r;
  r.method = req.method;
  r.path = req.path;
  r.body = req.body;
  const auto sh = auth.find("SignedHeaders=");
  std::string signed_headers = auth.substr(sh + 14, auth.find(',', sh) - sh - 14);
  std::stringstream ss(signed_headers);
  for (std::string h; std::getline(ss, h, ';');) {
    if (h == "x-amz-date") continue;  // sign_request adds it
    r.set_header(h, req.get_header_value(h.c_str()));
  }
  aws::SigningParams p;
  p.region = "us-east-1";
  p.service = service;
  p.time = parse_amz_date(req.get_header_value("X-Amz-Date"));
  aws::sign_request(r, kCreds, p);
  const std::string* mine = r.header("Authorization");
  if (!mine || *mine != auth) return "signature mismatch: sent " + auth + ", expected " + (mine ? *mine : "");
  return "";
}

json product(const std::string& type, const std::string& operation, const std::string& location_type, double od_hourly,
             const json& reserved) {
  json item = {{"product",
                {{"productFamily", "Compute Instance"},
                 {"attributes",
                  {{"instanceType", type}, {"location", "EU (Ireland)"}, {"locationType", location_type},
                   {"regionCode", location_type == "AWS Region" ? "eu-west-1" : "eu-west-1-lz"}, {"operatingSystem", "Linux"},
                   {"tenancy", "Shared"}, {"operation", operation}, {"capacitystatus", "Used"}, {"preInstalledSw", "NA"}}},
                 {"sku", "SKU" + type}}},
               {"serviceCode", "AmazonEC2"},
               {"terms",
                {{"OnDemand",
                  {{"SKU.JRTCKXETXF",
                    {{"priceDimensions",
                      {{"SKU.JRTCKXETXF.6YS6EN2CT7",
                        {{"unit", "Hrs"}, {"pricePerUnit", {{"USD", fmt::format("{:.10f}", od_hourly)}}}}}}}}}}},
                 {"Reserved", reserved}}},
               {"version", "20261120120000"},
               {"publicationDate", "2026-11-20T12:00:00Z"}};
  return item;
}

json ri(const std::string& length, const std::string& cls, const std::string& option, double hourly, double upfront) {
  json dims = {{"d1", {{"unit", "Hrs"}, {"pricePerUnit", {{"USD", fmt::format("{:.10f}", hourly)}}}}}};
  if (upfront > 0) dims["d2"] = {{"unit", "Quantity"}, {"pricePerUnit", {{"USD", fmt::format("{:.10f}", upfront)}}}};
  return {{"termAttributes", {{"LeaseContractLength", length}, {"OfferingClass", cls}, {"PurchaseOption", option}}},
          {"priceDimensions", dims}};
}

struct PriceServer : LoopbackServer {
  std::mutex mu;
  std::vector<std::string> problems;
  std::vector<json> bodies;
  double g5_on_demand = 1.123;

  PriceServer() {
    server.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu);
      if (auto p = signature_problem(req, "pricing"); !p.empty()) problems.push_back(p);
      if (req.get_header_value("X-Amz-Target") != "AWSPriceListService.GetProducts") problems.push_back("target");
      const json body = json::parse(req.body);
      bodies.push_back(body);
      std::string type;
      for (const auto& f : body["Filters"]) {
        if (f["Field"] == "instanceType") type = f["Value"];
      }
      json out = {{"FormatVersion", "aws_v1"}, {"PriceList", json::array()}};
      if (type == "g5.xlarge" && !body.contains("NextToken")) {
        json reserved = {{"R1", ri("3yr", "standard", "All Upfront", 0, 11100)},
                         {"R2", ri("1yr", "standard", "Partial Upfront", 0.3371, 2953)}};
        out["PriceList"].push_back(product("g5.xlarge", "RunInstances", "AWS Region", g5_on_demand, reserved).dump());
        out["PriceList"].push_back(product("g5.xlarge", "RunInstances:0002", "AWS Region", 2.0, json::object()).dump());
        out["NextToken"] = "page2";
      } else if (type == "g5.xlarge") {
        // Second page: a Local Zone SKU, which is not the region's price.
        out["PriceList"].push_back(product("g5.xlarge", "RunInstances", "AWS Local Zone", 0.9, json::object()).dump());
      }
      res.set_content(out.dump(), "application/x-amz-json-1.1");
    });
    server.Post("/DescribeSavingsPlansOfferingRates", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu);
      if (auto p = signature_problem(req, "savingsplans"); !p.empty()) problems.push_back(p);
      const json body = json::parse(req.body);
      bodies.push_back(body);
      bool g5 = false;
      for (const auto& f : body["filters"]) {
        if (f["name"] == "instanceType") {
          for (const auto& v : f["values"]) g5 |= v == "g5.xlarge";
        }
      }
      json results = json::array();
      auto rate = [](const std::string& region, const std::string& op, const char* plan, long long secs, const char* pay, const char* r) {
        return json{{"savingsPlanOffering", {{"offeringId", "o"}, {"paymentOption", pay}, {"planType", plan}, {"durationSeconds", secs}, {"currency", "USD"}}},
                    {"rate", r}, {"unit", "Hrs"}, {"productType", "EC2"}, {"serviceCode", "AmazonEC2"},
                    {"usageType", "EU-BoxUsage:g5.xlarge"}, {"operation", op},
                    {"properties", {{{"name", "region"}, {"value", region}}, {{"name", "instanceType"}, {"value", "g5.xlarge"}},
                                    {{"name", "tenancy"}, {"value", "shared"}}, {{"name", "productDescription"}, {"value", "Linux/UNIX"}}}}};
      };
      if (g5) {
        results.push_back(rate("eu-west-1", "RunInstances", "EC2Instance", 94608000, "No Upfront", "0.4500"));
        results.push_back(rate("eu-west-1", "RunInstances", "Compute", 31536000, "All Upfront", "0.7400"));
        results.push_back(rate("eu-west-1-lz", "RunInstances", "Compute", 31536000, "All Upfront", "0.1000"));  // Local Zone
        results.push_back(rate("eu-west-1", "RunInstances:0004", "Compute", 31536000, "All Upfront", "0.2000"));  // Windows + SQL
      }
      res.set_content(json{{"searchResults", results}}.dump(), "application/json");
    });
    start();
  }
};

aws::AwsConfig config_for(const PriceServer& s) {
  aws::AwsConfig c;
  c.credentials = kCreds;
  c.region = "eu-west-1";
  c.endpoint_url_override = s.url();
  return c;
}

const Catalog& bundled() {
  static Catalog c = [] {
    Catalog x = Catalog::load(FRUGAL_TEST_DATA_DIR);
    x.select_region("eu-west-1");
    return x;
  }();
  return c;
}

}  // namespace

TEST(LiveRates, PriceListOnDemandAndReservedFromGetProducts) {
  PriceServer srv;
  aws::AwsClient api(config_for(srv), "pricing");
  auto rates = pricing::fetch_price_list(api, "eu-west-1", "EU (Ireland)", {"g5.xlarge", "p5.48xlarge"});
  EXPECT_TRUE(srv.problems.empty()) << srv.problems.front();
  // The request filters on the long location name and Linux, shared, used capacity.
  const json& f = srv.bodies.at(0)["Filters"];
  EXPECT_NE(f.dump().find("\"EU (Ireland)\""), std::string::npos);
  EXPECT_NE(f.dump().find("\"No License required\""), std::string::npos);
  ASSERT_EQ(rates.size(), 3u);  // the Windows SKU and the Local Zone page are dropped
  EXPECT_EQ(rates[0].kind, "on-demand");
  EXPECT_DOUBLE_EQ(rates[0].usd_per_hour, 1.123);
  EXPECT_EQ(rates[0].as_of, "2026-11-20");
  EXPECT_EQ(rates[1].kind, "ri");
  EXPECT_EQ(rates[1].years, 3);
  EXPECT_EQ(rates[1].payment, "all-upfront");
  EXPECT_NEAR(rates[1].usd_per_hour, 11100.0 / (3 * 8760), 1e-9);  // upfront spread over the term
  EXPECT_NEAR(rates[2].usd_per_hour, 0.3371 + 2953.0 / 8760, 1e-9);
  EXPECT_TRUE(pricing::check_rates(rates, bundled()).empty());
}

TEST(LiveRates, SavingsPlansRatesFromTheRegionOnly) {
  PriceServer srv;
  aws::AwsClient api(config_for(srv), "savingsplans");
  auto rates = pricing::fetch_savings_plans(api, "eu-west-1", {"g5.xlarge"});
  EXPECT_TRUE(srv.problems.empty()) << srv.problems.front();
  ASSERT_EQ(rates.size(), 2u);  // the Local Zone and the Windows rates are dropped
  EXPECT_EQ(rates[0].plan_type, "ec2-instance");
  EXPECT_EQ(rates[0].years, 3);
  EXPECT_EQ(rates[0].payment, "no-upfront");
  EXPECT_DOUBLE_EQ(rates[0].usd_per_hour, 0.45);
  EXPECT_EQ(rates[1].plan_type, "compute");
  EXPECT_EQ(srv.bodies.at(0)["filters"][0]["values"][0], "eu-west-1");
}

TEST(LiveRates, PlainlyWrongRatesAreRefusedWithTheReason) {
  std::vector<pricing::LiveRate> rates = {
      {"g5.xlarge", "eu-west-1", "on-demand", 0, "", "", "", 0.00001, "2006-01-02", "t"},
      {"p4d.24xlarge", "eu-west-1", "on-demand", 0, "", "", "", 0, "", "t"},
      {"g4dn.xlarge", "eu-west-1", "ri", 1, "standard", "no-upfront", "", 5.0, "", "t"}};
  const auto bad = pricing::check_rates(rates, bundled());
  ASSERT_EQ(bad.size(), 3u);
  EXPECT_NE(bad[0].find("more than 10x off the bundled $1.123/h"), std::string::npos) << bad[0];
  EXPECT_NE(bad[1].find("is not a price"), std::string::npos) << bad[1];
  EXPECT_NE(bad[2].find("above on-demand"), std::string::npos) << bad[2];
}

TEST(LiveRates, CacheRoundTripsIntoTheCatalog) {
  PriceServer srv;
  aws::AwsClient p(config_for(srv), "pricing"), s(config_for(srv), "savingsplans");
  auto rates = pricing::fetch_price_list(p, "eu-west-1", "EU (Ireland)", {"g5.xlarge"});
  auto sp = pricing::fetch_savings_plans(s, "eu-west-1", {"g5.xlarge"});
  rates.insert(rates.end(), sp.begin(), sp.end());
  const std::filesystem::path path = temp_path("frugal_live_prices.csv");
  std::ofstream(path) << pricing::rates_csv(rates);
  Catalog c = Catalog::load(FRUGAL_TEST_DATA_DIR, Catalog::Extra::prices(path.string()));
  c.select_region("eu-west-1");
  const auto& g5 = *c.find_instance("g5.xlarge")->prices;
  EXPECT_EQ(g5.on_demand->label, "on-demand (live)");
  EXPECT_NEAR(g5.find_reserved(3, "standard", "all-upfront")->rate.usd_per_hour, 11100.0 / 26280, 1e-7);
  const auto* plan = g5.find_savings_plan(3, "ec2-instance", "no-upfront");
  ASSERT_TRUE(plan);
  EXPECT_DOUBLE_EQ(plan->rate.usd_per_hour, 0.45);
  EXPECT_NE(c.price_cache_note.find("5 live rates"), std::string::npos) << c.price_cache_note;
}

namespace {
struct Run {
  int rc = 0;
  std::string out;
};
Run run(const std::string& cmd) {
  Run r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
  const int st = pclose(p);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}
}  // namespace

// The user's path: `frugal catalog refresh --prices --savings-plans`, then advise prices an
// sp-3y row from the live rate; a plainly wrong answer is refused and nothing is written.
TEST(LiveRates, RefreshCommandFeedsTheAdvisorAndRefusesNonsense) {
  PriceServer srv;
  const std::filesystem::path cache = temp_path("frugal_live_cli_cache");
  const std::string env = "FRUGAL_DATA_DIR=" + std::string(FRUGAL_TEST_DATA_DIR) + " XDG_CACHE_HOME=" + cache.string() +
                          " AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
                          " AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent ";
  const std::string bin = std::string(FRUGAL_BIN);
  auto r = run(env + bin + " catalog refresh --prices --savings-plans --region eu-west-1 --endpoint-url " + srv.url());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("Live rates for eu-west-1"), std::string::npos) << r.out;
  EXPECT_TRUE(srv.problems.empty()) << srv.problems.front();
  r = run(env + bin + " --format json advise --model llama-3.1-8b --rate 5/s --tpot-slo 50ms --region eu-west-1 "
                      "--instances g5.xlarge --purchase sp-3y,on-demand");
  ASSERT_EQ(r.rc, 0) << r.out;
  const json a = json::parse(r.out);
  bool sp = false;
  for (const auto& c : a["ranked"]) {
    if (c["purchase"] == "sp-3y") {
      sp = true;
      EXPECT_DOUBLE_EQ(c["hourly_price"].get<double>(), 0.45);
      EXPECT_EQ(c["rate"]["label"], "Savings Plan 3y ec2-instance no-upfront (live)");
      EXPECT_NEAR(c["commitment"]["break_even_utilisation"].get<double>(), 0.45 / 1.123, 1e-9);
    }
  }
  EXPECT_TRUE(sp) << r.out;
  // Nonsense from the API: refused, and the good cache stays as it was.
  const auto before = std::filesystem::last_write_time(cache / "frugal/prices.csv");
  srv.g5_on_demand = 0.00001;
  r = run(env + bin + " catalog refresh --prices --region eu-west-1 --endpoint-url " + srv.url());
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("refused to write the price cache"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("more than 10x off the bundled"), std::string::npos) << r.out;
  EXPECT_EQ(std::filesystem::last_write_time(cache / "frugal/prices.csv"), before);
}
