// run_athena_query against the test's own Athena (JSON 1.1 over loopback): polling until the
// query ends, the header row skipped, NULL cells, results paged with NextToken, failures named.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>

#include "aws/athena.h"
#include "aws/fake_environment.h"
#include "core/error.h"
#include "loopback_server.h"

namespace frugal::aws {
namespace {

struct FakeAthena {
  LoopbackServer http;
  std::mutex mu;
  std::vector<std::string> calls;
  std::string query, final_state = "SUCCEEDED";
  int polls_before_done = 2;
  std::atomic<int> polls{0};

  FakeAthena() {
    http.server.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string op = req.get_header_value("X-Amz-Target");
      const auto body = nlohmann::json::parse(req.body);
      {
        std::lock_guard<std::mutex> lock(mu);
        calls.push_back(op);
      }
      nlohmann::json out;
      if (op == "AmazonAthena.StartQueryExecution") {
        query = body.value("QueryString", "");
        out = {{"QueryExecutionId", "q-1"}};
      } else if (op == "AmazonAthena.GetQueryExecution") {
        const int n = ++polls;
        const std::string state = n <= polls_before_done ? (n == 1 ? "QUEUED" : "RUNNING") : final_state;
        out = {{"QueryExecution",
                {{"QueryExecutionId", "q-1"},
                 {"Status", {{"State", state}, {"StateChangeReason", "COLUMN_NOT_FOUND: line 3:5: Column 'pricing_unit' cannot be resolved"}}},
                 {"Statistics", {{"DataScannedInBytes", 123456789}, {"EngineExecutionTimeInMillis", 1500}}}}}};
      } else if (op == "AmazonAthena.GetQueryResults") {
        auto cell = [](const char* v) { return v ? nlohmann::json{{"VarCharValue", v}} : nlohmann::json::object(); };
        nlohmann::json meta = {{"ColumnInfo", {{{"Name", "k"}, {"Type", "varchar"}}, {{"Name", "v"}, {"Type", "varchar"}}}}};
        if (!body.contains("NextToken")) {
          out = {{"ResultSet", {{"ResultSetMetadata", meta},
                                {"Rows", {{{"Data", {cell("k"), cell("v")}}}, {{"Data", {cell("a"), cell("1")}}}, {{"Data", {cell("b"), cell(nullptr)}}}}}}},
                 {"NextToken", "page-2"}};
        } else {
          EXPECT_EQ(body["NextToken"], "page-2");
          out = {{"ResultSet", {{"ResultSetMetadata", meta}, {"Rows", {{{"Data", {cell("c"), cell("3")}}}}}}}};
        }
      } else {
        out = {{"__type", "UnknownOperationException"}};
        res.status = 400;
      }
      res.set_content(out.dump(), "application/x-amz-json-1.1");
    });
    http.start();
  }
};

TEST(Athena, PollsPagesAndSkipsTheHeaderRow) {
  FakeAthena fake;
  AwsClient client(test_config(fake.http.url()), "athena");
  std::vector<double> sleeps;
  client.sleep = [&](double s) { sleeps.push_back(s); };
  AthenaRequest req;
  req.query = "SELECT k, v FROM t";
  req.database = "cur";
  std::vector<std::string> seen;
  std::vector<std::string> states;
  const AthenaStats st = run_athena_query(
      client, req,
      [&](const std::vector<std::string>& cols, const std::vector<std::optional<std::string>>& row) {
        ASSERT_EQ(cols, (std::vector<std::string>{"k", "v"}));
        seen.push_back(*row[0] + "=" + row[1].value_or("NULL"));
      },
      [&](const std::string& s, double) { states.push_back(s); });
  EXPECT_EQ(seen, (std::vector<std::string>{"a=1", "b=NULL", "c=3"}));
  EXPECT_EQ(states, (std::vector<std::string>{"QUEUED", "RUNNING", "SUCCEEDED"}));
  EXPECT_EQ(st.rows, 3);
  EXPECT_EQ(st.pages, 2);
  EXPECT_EQ(st.polls, 3);
  EXPECT_EQ(st.data_scanned_bytes, 123456789);
  EXPECT_EQ(fake.query, "SELECT k, v FROM t");
  ASSERT_EQ(sleeps.size(), 2u);  // between the polls, growing
  EXPECT_LT(sleeps[0], sleeps[1]);
}

TEST(Athena, AFailedQuerySaysWhy) {
  FakeAthena fake;
  fake.final_state = "FAILED";
  AwsClient client(test_config(fake.http.url()), "athena");
  client.sleep = [](double) {};
  AthenaRequest req;
  req.query = "SELECT 1";
  try {
    run_athena_query(client, req, [](const auto&, const auto&) { FAIL() << "no rows expected"; });
    FAIL() << "a failed query must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("athena query q-1 FAILED: COLUMN_NOT_FOUND"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace frugal::aws
