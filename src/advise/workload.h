// A workload to advise on: which model, serving traffic and SLOs, or a training run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace frugal {

enum class Task { kServe, kTrain };

struct Workload {
  std::string name;   // label in output ("deepseek-67b-chat")
  std::string model;  // catalog model name or alias
  Task task = Task::kServe;
  // Serving. Unset token counts take the defaults (data/advise/defaults.toml; an encoder's
  // default_sequence). rate_rps == 0 means "no rate given": rank by cost per token at full load.
  std::optional<double> prompt_tokens;
  std::optional<double> output_tokens;
  double rate_rps = 0;
  std::optional<double> tpot_slo_s;
  std::optional<double> ttft_slo_s;
  std::optional<double> latency_slo_s;  // encoders / vision: end-to-end request latency
  // Training.
  double train_tokens = 0;
  std::optional<double> deadline_s;
  std::optional<double> seq_len;
  // Restrictions; empty means the defaults.
  std::vector<std::string> precisions;
  std::vector<std::string> purchase;
  std::vector<std::string> instances;  // only these instance types (exact names or family prefix "p5")
  std::vector<std::string> regions;    // empty: the caller's region; "all": every priced region
  std::optional<double> headroom;      // overrides both headrooms of the defaults
  std::string ri_class;                // "standard" / "convertible"; empty: the defaults
  std::string upfront;                 // "no-upfront" / "partial-upfront" / "all-upfront"; empty: defaults
  std::string where;                   // "file:line:column" of the model key when read from a file
};

const char* to_string(Task t);
Task parse_task(const std::string& s, const std::string& what);

// Reads [[workload]] tables from a TOML file. Keys mirror the CLI flags:
//   name, model, task, prompt_tokens, output_tokens, rate ("5/s"), tpot_slo ("100ms"),
//   ttft_slo, latency_slo, tokens ("2e9"), deadline ("7d"), seq_len, precision = [..],
//   purchase = [..], instances = [..].
// Throws Error with file:line:column on any bad key or value.
std::vector<Workload> load_workloads(const std::string& path);

}  // namespace frugal
