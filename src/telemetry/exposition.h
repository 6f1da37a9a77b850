// Prometheus exposition: a small metric model rendered as text format 0.0.4 or OpenMetrics 1.0.
// Families are named without type suffixes; the renderers add "_total" to counters and "_info"
// to info metrics as each format requires.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace frugal::telemetry {

enum class MetricType { kGauge, kCounter, kInfo };

using Labels = std::vector<std::pair<std::string, std::string>>;

struct MetricSample {
  Labels labels;
  double value = 0;
};

struct MetricFamily {
  std::string name;  // base name: "frugal_gpu_idle_cost_dollars" (no _total / _info)
  MetricType type = MetricType::kGauge;
  std::string help;
  std::string unit;  // OpenMetrics UNIT, must be a suffix of name; empty for none
  std::vector<MetricSample> samples;
};

// text/plain; version=0.0.4 (what promtool and node_exporter's textfile collector read).
std::string render_prometheus_text(const std::vector<MetricFamily>& families);
// application/openmetrics-text; version=1.0.0, ending with "# EOF".
std::string render_openmetrics(const std::vector<MetricFamily>& families);

constexpr const char* kPrometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* kOpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

// True when an Accept header asks for OpenMetrics by name (or application/*), with q > 0, at
// least as much as for plain text; RFC 9110 content negotiation: case-insensitive whole media
// types, the most specific range decides, q=0 or a malformed q is "not acceptable". (Prometheus
// sends "application/openmetrics-text;version=1.0.0,...;q=0.75,text/plain;version=0.0.4;q=0.5".)
bool accepts_openmetrics(const std::string& accept);

// A sample value as both formats write it: shortest round-trip decimal, NaN, +Inf, -Inf.
std::string format_value(double v);

}  // namespace frugal::telemetry
