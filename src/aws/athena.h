// Amazon Athena: run one query and read its result (StartQueryExecution, GetQueryExecution polled
// until the query ends, GetQueryResults paged with NextToken). What `frugal bill --source athena`
// runs its GROUPING SETS query with.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.h"

namespace frugal::aws {

struct AthenaRequest {
  std::string query;
  std::string database;         // QueryExecutionContext.Database
  std::string catalog;          // QueryExecutionContext.Catalog; empty: AwsDataCatalog
  std::string workgroup;        // empty: "primary"
  std::string output_location;  // ResultConfiguration.OutputLocation (s3://...); empty: the workgroup's
  double timeout_s = 1800;      // give up (StopQueryExecution) after this long
};

struct AthenaStats {
  std::string execution_id;
  long long data_scanned_bytes = 0;
  long long engine_ms = 0;
  long long rows = 0, pages = 0, polls = 0;
};

using AthenaRowFn = std::function<void(const std::vector<std::string>& columns, const std::vector<std::optional<std::string>>& row)>;

// Runs the query; calls `on_row` for each result row (the header row Athena puts first is not a
// row). `on_poll(state, seconds)` is told the state while waiting. Throws AwsError for API errors
// and Error when the query fails ("FAILED: <reason>"), is cancelled or times out.
AthenaStats run_athena_query(AwsClient& athena, const AthenaRequest& req, const AthenaRowFn& on_row,
                             const std::function<void(const std::string&, double)>& on_poll = {});

}  // namespace frugal::aws
