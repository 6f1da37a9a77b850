#include "telemetry/exposition.h"

#include <fmt/format.h>

#include <cmath>
#include <cctype>
#include <optional>
#include <sstream>

namespace frugal::telemetry {

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

namespace {

std::string escape(const std::string& s, bool quote) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

void write_sample(std::string& out, const std::string& name, const MetricSample& s) {
  out += name;
  if (!s.labels.empty()) {
    out += '{';
    for (std::size_t i = 0; i < s.labels.size(); ++i) {
      if (i) out += ',';
      out += s.labels[i].first;
      out += "=\"";
      out += escape(s.labels[i].second, true);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += format_value(s.value);
  out += '\n';
}

}  // namespace

std::string render_prometheus_text(const std::vector<MetricFamily>& families) {
  std::string out;
  out.reserve(4096);
  for (const auto& f : families) {
    if (f.samples.empty()) continue;
    std::string name = f.name;
    const char* type = "gauge";
    if (f.type == MetricType::kCounter) {
      name += "_total";
      type = "counter";
    } else if (f.type == MetricType::kInfo) {
      name += "_info";
    }
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape(f.help, false), name, type);
    for (const auto& s : f.samples) write_sample(out, name, s);
  }
  return out;
}

std::string render_openmetrics(const std::vector<MetricFamily>& families) {
  std::string out;
  out.reserve(4096);
  for (const auto& f : families) {
    if (f.samples.empty()) continue;
    const char* type = f.type == MetricType::kCounter ? "counter" : f.type == MetricType::kInfo ? "info" : "gauge";
    const std::string sample_name =
        f.name + (f.type == MetricType::kCounter ? "_total" : f.type == MetricType::kInfo ? "_info" : "");
    out += fmt::format("# TYPE {} {}\n", f.name, type);
    if (!f.unit.empty()) out += fmt::format("# UNIT {} {}\n", f.name, f.unit);
    out += fmt::format("# HELP {} {}\n", f.name, escape(f.help, true));
    for (const auto& s : f.samples) write_sample(out, sample_name, s);
  }
  out += "# EOF\n";
  return out;
}

namespace {

std::string trim_lower(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  std::string out(v);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 9110 section 12.4.2 qvalue: "0" ["." 0*3DIGIT] or "1" ["." 0*3("0")]; nullopt when malformed.
std::optional<double> qvalue(const std::string& v) {
  if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) return std::nullopt;
  if (v.size() > 1 && v[1] != '.') return std::nullopt;
  for (std::size_t i = 2; i < v.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(v[i])) || (v[0] == '1' && v[i] != '0')) return std::nullopt;
  }
  return std::stod(v.size() == 2 ? v.substr(0, 1) : v);
}

}  // namespace

bool accepts_openmetrics(const std::string& accept) {
  // The q of the most specific range matching each type (RFC 9110 12.5.1): exact type/subtype,
  // then type/*, then */*. Media types match case-insensitively and whole ("openmetrics-textx" is
  // another type). A malformed q makes its element unacceptable (q = 0).
  int om_rank = 0, text_rank = 0;  // 3 exact, 2 type/*, 1 */*, 0 none
  double om = 0, text = 0;
  std::stringstream ss(accept);
  std::string element;
  while (std::getline(ss, element, ',')) {
    std::stringstream ps(element);
    std::string range, param;
    std::getline(ps, range, ';');
    range = trim_lower(range);
    if (range.empty()) continue;
    double q = 1;
    while (std::getline(ps, param, ';')) {
      const auto eq = param.find('=');
      if (eq == std::string::npos || trim_lower(param.substr(0, eq)) != "q") continue;
      q = qvalue(trim_lower(param.substr(eq + 1))).value_or(0);
    }
    auto consider = [&](const std::string& type, int& rank, double& best) {
      const std::string major = type.substr(0, type.find('/'));
      const int r = range == type ? 3 : range == major + "/*" ? 2 : range == "*/*" ? 1 : 0;
      if (r > rank) {
        rank = r;
        best = q;
      } else if (r == rank && r > 0) {
        best = std::max(best, q);
      }
    };
    consider("application/openmetrics-text", om_rank, om);
    consider("text/plain", text_rank, text);
  }
  // OpenMetrics only when asked for by name (or application/*), acceptable, and at least as
  // wanted as plain text; anything else gets the Prometheus text format.
  return om_rank >= 2 && om > 0 && om >= (text_rank > 0 ? text : 0);
}

}  // namespace frugal::telemetry
