#include "telemetry/exposition.h"

#include <fmt/format.h>

#include <cmath>
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

bool accepts_openmetrics(const std::string& accept) {
  double om = -1, text = -1;
  std::stringstream ss(accept);
  std::string part;
  while (std::getline(ss, part, ',')) {
    double q = 1;
    if (auto p = part.find("q="); p != std::string::npos) {
      try {
        q = std::stod(part.substr(p + 2));
      } catch (const std::exception&) {
        q = 0;
      }
    }
    if (part.find("application/openmetrics-text") != std::string::npos) {
      om = std::max(om, q);
    } else if (part.find("text/plain") != std::string::npos) {
      text = std::max(text, q);
    }
  }
  return om >= 0 && om >= text;
}

}  // namespace frugal::telemetry
