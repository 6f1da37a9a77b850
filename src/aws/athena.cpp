#include "aws/athena.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "aws/json_client.h"
#include "core/error.h"

namespace frugal::aws {

namespace {
constexpr const char* kTarget = "AmazonAthena";
}

AthenaStats run_athena_query(AwsClient& athena, const AthenaRequest& req, const AthenaRowFn& on_row,
                             const std::function<void(const std::string&, double)>& on_poll) {
  nlohmann::json start = {{"QueryString", req.query}};
  nlohmann::json context = nlohmann::json::object();
  if (!req.database.empty()) context["Database"] = req.database;
  if (!req.catalog.empty()) context["Catalog"] = req.catalog;
  if (!context.empty()) start["QueryExecutionContext"] = context;
  if (!req.workgroup.empty()) start["WorkGroup"] = req.workgroup;
  if (!req.output_location.empty()) start["ResultConfiguration"] = {{"OutputLocation", req.output_location}};
  AthenaStats st;
  st.execution_id = json_call(athena, kTarget, "StartQueryExecution", start).value("QueryExecutionId", "");
  if (st.execution_id.empty()) throw Error("athena StartQueryExecution: no QueryExecutionId in the answer");
  // Poll with a growing interval (0.2 s to 2 s): short queries answer fast, long ones cost few calls.
  const auto t0 = std::chrono::steady_clock::now();
  double wait = 0.2;
  for (;;) {
    ++st.polls;
    const auto j = json_call(athena, kTarget, "GetQueryExecution", {{"QueryExecutionId", st.execution_id}});
    const auto& q = j.at("QueryExecution");
    const std::string state = q.value("Status", nlohmann::json::object()).value("State", "");
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (on_poll) on_poll(state, elapsed);
    if (state == "SUCCEEDED") {
      const auto stats = q.value("Statistics", nlohmann::json::object());
      st.data_scanned_bytes = stats.value("DataScannedInBytes", 0LL);
      st.engine_ms = stats.value("EngineExecutionTimeInMillis", 0LL);
      break;
    }
    if (state == "FAILED" || state == "CANCELLED") {
      const std::string why = q.value("Status", nlohmann::json::object()).value("StateChangeReason", "no reason given");
      throw Error(fmt::format("athena query {} {}: {}", st.execution_id, state, why));
    }
    if (elapsed > req.timeout_s) {
      try {
        json_call(athena, kTarget, "StopQueryExecution", {{"QueryExecutionId", st.execution_id}});
      } catch (const std::exception&) {
      }
      throw Error(fmt::format("athena query {}: still {} after {:.0f} s; stopped", st.execution_id, state, elapsed));
    }
    if (athena.sleep) athena.sleep(wait);
    else std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    wait = std::min(2.0, wait * 1.5);
  }
  std::vector<std::string> columns;
  std::string token;
  bool first_page = true;
  do {
    nlohmann::json body = {{"QueryExecutionId", st.execution_id}, {"MaxResults", 1000}};
    if (!token.empty()) body["NextToken"] = token;
    const auto j = json_call(athena, kTarget, "GetQueryResults", body);
    ++st.pages;
    const auto& rs = j.at("ResultSet");
    if (columns.empty()) {
      for (const auto& c : rs.value("ResultSetMetadata", nlohmann::json::object()).value("ColumnInfo", nlohmann::json::array())) {
        columns.push_back(c.value("Name", ""));
      }
    }
    bool skip_header = first_page;  // a SELECT's first result row repeats the column names
    first_page = false;
    for (const auto& r : rs.value("Rows", nlohmann::json::array())) {
      std::vector<std::optional<std::string>> row;
      for (const auto& d : r.value("Data", nlohmann::json::array())) {
        if (d.contains("VarCharValue")) row.emplace_back(d["VarCharValue"].get<std::string>());
        else row.emplace_back(std::nullopt);
      }
      if (skip_header) {
        skip_header = false;
        if (columns.empty()) {
          for (const auto& c : row) columns.push_back(c.value_or(""));
        }
        continue;
      }
      ++st.rows;
      on_row(columns, row);
    }
    token = j.value("NextToken", "");
  } while (!token.empty());
  return st;
}

}  // namespace frugal::aws
