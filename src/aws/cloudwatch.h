// CloudWatch metrics (Query protocol, API version 2010-08-01): PutMetricData, batched within the
// API's limits, and GetMetricData with pagination.
#pragma once

#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "aws/client.h"

namespace frugal::aws {

struct MetricDatum {
  std::string name;
  std::vector<std::pair<std::string, std::string>> dimensions;
  double value = 0;
  std::string unit = "None";
  std::time_t timestamp = 0;  // 0: now
};

struct MetricPoint {
  std::time_t timestamp = 0;
  double value = 0;
};

class CloudWatch {
 public:
  // PutMetricData accepts at most 1000 metrics and 1 MB per request.
  static constexpr std::size_t kMaxDatumsPerCall = 1000;
  static constexpr std::size_t kMaxBodyBytes = 1000 * 1000;

  explicit CloudWatch(AwsClient& client) : client_(client) {}
  // Returns the number of PutMetricData calls made.
  int put_metric_data(const std::string& ns, const std::vector<MetricDatum>& data);
  // One metric, one statistic ("Sum", "Average", ...), all pages, sorted by time.
  std::vector<MetricPoint> get_metric_data(const std::string& ns, const std::string& name,
                                           const std::vector<std::pair<std::string, std::string>>& dimensions,
                                           std::time_t start, std::time_t end, int period_s, const std::string& stat);

 private:
  AwsClient& client_;
};

std::string iso8601(std::time_t t);  // 2025-09-01T00:00:00Z
std::time_t parse_iso8601(const std::string& s);  // throws Error on malformed input

}  // namespace frugal::aws
