#include "alert/prometheus_rules.h"

#include <fmt/format.h>

#include <cmath>
#include <regex>
#include <vector>

#include "core/suggest.h"
#include "core/toml_util.h"

namespace frugal::alert {

namespace {

enum class Kind { kDuration, kDollars, kRatio, kSeconds, kSeverity, kJob };

struct Field {
  const char* section;  // "" for a top-level key
  const char* key;
  Kind kind;
  std::string PromRuleSettings::*text = nullptr;
  double PromRuleSettings::*number = nullptr;
};

const std::vector<Field>& fields() {
  using S = PromRuleSettings;
  static const std::vector<Field> f = {
      {"", "agent_job", Kind::kJob, &S::agent_job},
      {"gpu_idle", "for", Kind::kDuration, &S::gpu_idle_for},
      {"gpu_idle", "severity", Kind::kSeverity, &S::gpu_idle_severity},
      {"fleet_idle", "dollars_per_hour", Kind::kDollars, nullptr, &S::fleet_idle_dollars_per_hour},
      {"fleet_idle", "for", Kind::kDuration, &S::fleet_idle_for},
      {"fleet_idle", "severity", Kind::kSeverity, &S::fleet_idle_severity},
      {"workload_low_utilization", "max_utilization", Kind::kRatio, nullptr, &S::workload_max_utilization},
      {"workload_low_utilization", "min_idle_dollars_per_hour", Kind::kDollars, nullptr, &S::workload_min_idle_dollars_per_hour},
      {"workload_low_utilization", "window", Kind::kDuration, &S::workload_window},
      {"workload_low_utilization", "for", Kind::kDuration, &S::workload_for},
      {"workload_low_utilization", "severity", Kind::kSeverity, &S::workload_severity},
      {"gpu_errors", "window", Kind::kDuration, &S::gpu_errors_window},
      {"gpu_errors", "severity", Kind::kSeverity, &S::gpu_errors_severity},
      {"gpu_errors", "lost_for", Kind::kDuration, &S::gpu_lost_for},
      {"gpu_errors", "lost_severity", Kind::kSeverity, &S::gpu_lost_severity},
      {"agent", "down_for", Kind::kDuration, &S::agent_down_for},
      {"agent", "stale_seconds", Kind::kSeconds, nullptr, &S::agent_stale_seconds},
      {"agent", "stale_for", Kind::kDuration, &S::agent_stale_for},
      {"agent", "severity", Kind::kSeverity, &S::agent_severity},
      {"spend_rate", "dollars_per_hour", Kind::kDollars, nullptr, &S::spend_dollars_per_hour},
      {"spend_rate", "for", Kind::kDuration, &S::spend_for},
      {"spend_rate", "severity", Kind::kSeverity, &S::spend_severity},
  };
  return f;
}

std::string dotted(const Field& f) { return *f.section ? fmt::format("{}.{}", f.section, f.key) : std::string(f.key); }

const toml::node* lookup(const toml::table& root, const Field& f) {
  if (!*f.section) return root.get(f.key);
  const toml::table* sec = root[f.section].as_table();
  return sec ? sec->get(f.key) : nullptr;
}

// Rejects keys this reader does not know, so a typo is not silently a default.
void check_known_keys(const toml::table& root, const std::string& file) {
  std::vector<std::string> sections, names;
  for (const auto& f : fields()) {
    names.push_back(dotted(f));
    if (*f.section) sections.push_back(f.section);
  }
  for (const auto& [k, v] : root) {
    const std::string key(k.str());
    if (const toml::table* sec = v.as_table()) {
      if (std::find(sections.begin(), sections.end(), key) == sections.end())
        fail_at(location_of(v, file), fmt::format("unknown section [{}]{}", key, did_you_mean(key, sections)));
      for (const auto& [k2, v2] : *sec) {
        const std::string full = key + "." + std::string(k2.str());
        if (std::find(names.begin(), names.end(), full) == names.end())
          fail_at(location_of(v2, file), fmt::format("unknown key '{}'{}", full, did_you_mean(full, names)));
      }
    } else if (std::find(names.begin(), names.end(), key) == names.end()) {
      fail_at(location_of(v, file), fmt::format("unknown key '{}'{}", key, did_you_mean(key, names)));
    }
  }
}

void read_field(const toml::node& n, const Field& f, const std::string& file, PromRuleSettings& s) {
  const std::string name = dotted(f);
  if (f.text) {
    auto v = n.value<std::string>();
    if (!v) fail_at(location_of(n, file), fmt::format("expected a string for '{}'", name));
    if (f.kind == Kind::kDuration && !is_prometheus_duration(*v))
      fail_at(location_of(n, file), fmt::format("expected a Prometheus duration such as \"30s\", \"15m\" or \"1h\" for '{}', got \"{}\"", name, *v));
    if (f.kind == Kind::kSeverity && !std::regex_match(*v, std::regex("[A-Za-z0-9_-]+")))
      fail_at(location_of(n, file), fmt::format("expected a severity of letters, digits, '_' or '-' for '{}', got \"{}\"", name, *v));
    // The job name goes inside a PromQL string and a YAML block: no quotes, backslashes or newlines.
    if (f.kind == Kind::kJob && (v->empty() || v->find_first_of("\"\\'\n\r{}") != std::string::npos))
      fail_at(location_of(n, file), fmt::format("expected a scrape job name without quotes, backslashes or braces for '{}'", name));
    s.*f.text = *v;
    return;
  }
  auto v = n.value<double>();
  if (!v || !std::isfinite(*v)) fail_at(location_of(n, file), fmt::format("expected a number for '{}'", name));
  if (*v < 0) fail_at(location_of(n, file), fmt::format("expected a number >= 0 for '{}', got {}", name, *v));
  if (f.kind == Kind::kRatio && *v > 1) fail_at(location_of(n, file), fmt::format("expected a ratio between 0 and 1 for '{}', got {}", name, *v));
  s.*f.number = *v;
}

void apply(const toml::table& root, const std::string& file, bool require_all, PromRuleSettings& s) {
  check_known_keys(root, file);
  for (const auto& f : fields()) {
    const toml::node* n = lookup(root, f);
    if (!n) {
      if (require_all) fail_at({file, 1, 1}, fmt::format("missing key '{}'", dotted(f)));
      continue;
    }
    read_field(*n, f, file, s);
  }
}

// Numbers as PromQL and people read them: shortest form, no exponent for everyday values.
std::string num(double v) { return fmt::format("{}", v); }

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
}

// The rules. @NAME@ placeholders are filled from the settings; {{ }} are Prometheus's Go
// templates, evaluated when an alert fires ($value is the alert expression's value: dollars per
// hour wherever money is involved). Annotations look figures up with `query` so a receiver gets the
// dollars without opening Prometheus.
constexpr const char* kTemplate = R"YAML(# frugal's Prometheus rules over the agent's metrics (`frugal agent`, port 9401).
# Generated by `frugal alert rules` from @ORIGIN@.
# Regenerate with your thresholds (`frugal alert rules --thresholds mine.toml -o frugal-rules.yml`)
# rather than editing. Dollars are US dollars of list price, as the agent prices its GPUs.
groups:
  - name: frugal.recording
    rules:
      # What each GPU burns while the agent marks it idle: its price per GPU-hour, else 0.
      - record: frugal:gpu_idle_dollars_per_hour
        expr: frugal_gpu_price_dollars_per_hour * frugal_gpu_idle
      - record: frugal:fleet_idle_dollars_per_hour
        expr: sum(frugal:gpu_idle_dollars_per_hour)
      # Spend rate: the price of every GPU the agents watch, busy or not.
      - record: frugal:instance_spend_dollars_per_hour
        expr: sum by (job, instance) (frugal_gpu_price_dollars_per_hour)
      - record: frugal:fleet_spend_dollars_per_hour
        expr: sum(frugal_gpu_price_dollars_per_hour)
      # Per workload over @WL_WINDOW@: busy share of its GPU time, and the dollars of what it held unused.
      - record: frugal:workload_utilization:ratio
        expr: rate(frugal_workload_gpu_busy_seconds_total[@WL_WINDOW@]) / rate(frugal_workload_gpu_seconds_total[@WL_WINDOW@])
      - record: frugal:workload_idle_dollars_per_hour
        expr: rate(frugal_workload_idle_cost_dollars_total[@WL_WINDOW@]) * 3600

  - name: frugal.alerts
    rules:
      - alert: FrugalGPUIdle
        expr: frugal:gpu_idle_dollars_per_hour and frugal_gpu_idle == 1
        for: @IDLE_FOR@
        labels:
          severity: @IDLE_SEV@
        annotations:
          summary: >-
            GPU {{ $labels.gpu }} on {{ $labels.instance }} idle for over @IDLE_FOR@, burning ${{ $value | printf "%.2f" }}/h
          description: >-
            GPU {{ $labels.gpu }} ({{ $labels.uuid }}) on {{ $labels.instance }} has run kernels less than the
            agent's idle threshold for over @IDLE_FOR@ past its grace period. It costs ${{ $value | printf "%.2f" }}
            per hour doing nothing; its idle dollars since the agent started:
            ${{ with printf "frugal_gpu_idle_cost_dollars_total{instance='%s',gpu='%s'}" $labels.instance $labels.gpu | query }}{{ . | first | value | printf "%.2f" }}{{ end }}.
            Stop the instance, or give the GPU to queued work (frugal submit, MPS shares, MIG slices).
          dollars_per_hour: '{{ $value | printf "%.2f" }}'
          idle_dollars_total: '{{ with printf "frugal_gpu_idle_cost_dollars_total{instance=''%s'',gpu=''%s''}" $labels.instance $labels.gpu | query }}{{ . | first | value | printf "%.2f" }}{{ end }}'

      - alert: FrugalFleetIdleSpend
        expr: frugal:fleet_idle_dollars_per_hour > @FLEET_DOLLARS@
        for: @FLEET_FOR@
        labels:
          severity: @FLEET_SEV@
        annotations:
          summary: >-
            Idle GPUs burn ${{ $value | printf "%.2f" }}/h across the fleet (threshold $@FLEET_DOLLARS@/h)
          description: >-
            {{ with query "count(frugal_gpu_idle == 1)" }}{{ . | first | value }}{{ end }} GPUs are idle; together they cost
            ${{ $value | printf "%.2f" }} per hour, over $@FLEET_DOLLARS@/h for @FLEET_FOR@. The FrugalGPUIdle alerts name them.
          dollars_per_hour: '{{ $value | printf "%.2f" }}'

      - alert: FrugalWorkloadLowUtilization
        expr: frugal:workload_idle_dollars_per_hour > @WL_MIN_DOLLARS@ and frugal:workload_utilization:ratio < @WL_MAX_UTIL@
        for: @WL_FOR@
        labels:
          severity: @WL_SEV@
        annotations:
          summary: >-
            Workload {{ $labels.workload }} on {{ $labels.instance }} leaves ${{ $value | printf "%.2f" }}/h of GPU unused
          description: >-
            {{ $labels.workload }} (user {{ $labels.user }}) kept its GPUs busy
            {{ with printf "frugal:workload_utilization:ratio{instance='%s',workload='%s'}" $labels.instance $labels.workload | query }}{{ . | first | value | humanizePercentage }}{{ end }}
            of the time over @WL_WINDOW@ (threshold @WL_MAX_UTIL@); the capacity it holds unused costs ${{ $value | printf "%.2f" }}
            per hour. A smaller share (MPS) or MIG slice would do.
          dollars_per_hour: '{{ $value | printf "%.2f" }}'

      - alert: FrugalGPULost
        expr: frugal_gpu_price_dollars_per_hour and frugal_gpu_lost == 1
        for: @LOST_FOR@
        labels:
          severity: @LOST_SEV@
        annotations:
          summary: >-
            GPU {{ $labels.gpu }} on {{ $labels.instance }} fell off the bus and still bills ${{ $value | printf "%.2f" }}/h
          description: >-
            NVML reports GPU {{ $labels.gpu }} ({{ $labels.uuid }}) lost (GPU_IS_LOST). Nothing can run on it while
            the instance pays ${{ $value | printf "%.2f" }} per hour for it; drain the node and reset the GPU or replace the instance.
          dollars_per_hour: '{{ $value | printf "%.2f" }}'

      - alert: FrugalNVMLErrors
        expr: increase(frugal_agent_nvml_errors_total[@ERR_WINDOW@]) > 0
        labels:
          severity: @ERR_SEV@
        annotations:
          summary: >-
            {{ $value | printf "%.0f" }} NVML calls failed on {{ $labels.instance }} in @ERR_WINDOW@
          description: >-
            The agent on {{ $labels.instance }} could not read some GPU figures; the GPUs there cost
            ${{ with printf "frugal:instance_spend_dollars_per_hour{instance='%s'}" $labels.instance | query }}{{ . | first | value | printf "%.2f" }}{{ end }}
            per hour. See the agent's log for the calls and errors.
          dollars_per_hour: '{{ with printf "frugal:instance_spend_dollars_per_hour{instance=''%s''}" $labels.instance | query }}{{ . | first | value | printf "%.2f" }}{{ end }}'

      - alert: FrugalAgentDown
        expr: up{job="@AGENT_JOB@"} == 0
        for: @DOWN_FOR@
        labels:
          severity: @AGENT_SEV@
        annotations:
          summary: >-
            frugal agent on {{ $labels.instance }} down for @DOWN_FOR@; its GPUs' spend is unwatched
          description: >-
            Prometheus cannot scrape the agent on {{ $labels.instance }}. Its GPUs cost
            ${{ with printf "max_over_time(frugal:instance_spend_dollars_per_hour{instance='%s'}[1d])" $labels.instance | query }}{{ . | first | value | printf "%.2f" }}{{ end }}
            per hour when it last saw them; idle time and errors there go unseen until it is back.
          dollars_per_hour: '{{ with printf "max_over_time(frugal:instance_spend_dollars_per_hour{instance=''%s''}[1d])" $labels.instance | query }}{{ . | first | value | printf "%.2f" }}{{ end }}'

      - alert: FrugalAgentStale
        expr: time() - frugal_agent_last_sample_timestamp_seconds > @STALE_SECONDS@
        for: @STALE_FOR@
        labels:
          severity: @AGENT_SEV@
        annotations:
          summary: >-
            frugal agent on {{ $labels.instance }} has not sampled its GPUs for {{ $value | humanizeDuration }}
          description: >-
            The agent answers but its last NVML sample is {{ $value | humanizeDuration }} old (a hung driver call?).
            Its GPUs cost ${{ with printf "frugal:instance_spend_dollars_per_hour{instance='%s'}" $labels.instance | query }}{{ . | first | value | printf "%.2f" }}{{ end }}
            per hour.
          dollars_per_hour: '{{ with printf "frugal:instance_spend_dollars_per_hour{instance=''%s''}" $labels.instance | query }}{{ . | first | value | printf "%.2f" }}{{ end }}'

      - alert: FrugalSpendRate
        expr: frugal:fleet_spend_dollars_per_hour > @SPEND_DOLLARS@
        for: @SPEND_FOR@
        labels:
          severity: @SPEND_SEV@
        annotations:
          summary: >-
            GPUs cost ${{ $value | printf "%.2f" }}/h, over the $@SPEND_DOLLARS@/h threshold
          description: >-
            The GPUs the agents watch cost ${{ $value | printf "%.2f" }} per hour at list price
            ({{ with query "count(frugal_gpu_price_dollars_per_hour)" }}{{ . | first | value }}{{ end }} GPUs), above
            $@SPEND_DOLLARS@/h for @SPEND_FOR@. `frugal bill` and `frugal advise` show where it goes and what is cheaper.
          dollars_per_hour: '{{ $value | printf "%.2f" }}'
)YAML";

}  // namespace

bool is_prometheus_duration(const std::string& text) {
  static const std::regex re("(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?");
  return !text.empty() && std::regex_match(text, re);
}

PromRuleSettings load_prom_rule_settings(const std::string& defaults, const std::string& overrides) {
  PromRuleSettings s;
  apply(load_toml_file(defaults), defaults, true, s);
  if (!overrides.empty()) apply(load_toml_file(overrides), overrides, false, s);
  return s;
}

PromRuleSettings apply_prom_rule_overrides(PromRuleSettings base, std::string_view text, const std::string& name) {
  apply(parse_toml(text, name), name, false, base);
  return base;
}

std::string render_prometheus_rules(const PromRuleSettings& s, const std::string& origin) {
  std::string out = kTemplate;
  const std::vector<std::pair<std::string, std::string>> values = {
      {"@ORIGIN@", origin},
      {"@AGENT_JOB@", s.agent_job},
      {"@IDLE_FOR@", s.gpu_idle_for},
      {"@IDLE_SEV@", s.gpu_idle_severity},
      {"@FLEET_DOLLARS@", num(s.fleet_idle_dollars_per_hour)},
      {"@FLEET_FOR@", s.fleet_idle_for},
      {"@FLEET_SEV@", s.fleet_idle_severity},
      {"@WL_MAX_UTIL@", num(s.workload_max_utilization)},
      {"@WL_MIN_DOLLARS@", num(s.workload_min_idle_dollars_per_hour)},
      {"@WL_WINDOW@", s.workload_window},
      {"@WL_FOR@", s.workload_for},
      {"@WL_SEV@", s.workload_severity},
      {"@ERR_WINDOW@", s.gpu_errors_window},
      {"@ERR_SEV@", s.gpu_errors_severity},
      {"@LOST_FOR@", s.gpu_lost_for},
      {"@LOST_SEV@", s.gpu_lost_severity},
      {"@DOWN_FOR@", s.agent_down_for},
      {"@STALE_SECONDS@", num(s.agent_stale_seconds)},
      {"@STALE_FOR@", s.agent_stale_for},
      {"@AGENT_SEV@", s.agent_severity},
      {"@SPEND_DOLLARS@", num(s.spend_dollars_per_hour)},
      {"@SPEND_FOR@", s.spend_for},
      {"@SPEND_SEV@", s.spend_severity},
  };
  for (const auto& [k, v] : values) replace_all(out, k, v);
  return out;
}

}  // namespace frugal::alert
