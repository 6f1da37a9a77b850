// Defaults of the advisor (data/advise/defaults.toml).
#pragma once

#include <string>
#include <vector>

namespace frugal {

struct AdviseDefaults {
  std::string baseline_instance = "p4d.24xlarge";
  std::string baseline_purchase = "on-demand";
  double hours_per_month = 730;
  std::vector<std::string> precisions;
  std::vector<std::string> purchase;
  int max_batch = 1024;
  int max_instances = 64;
  double train_seq_len = 4096;
  double default_latency_slo_s = 0.1;
  int top = 10;
  double prompt_tokens = 512;  // LLM serving request shape when a workload gives none
  double output_tokens = 256;
  std::vector<std::string> notes;                  // stated in every advice
  std::vector<std::string> decoder_serving_notes;  // stated when serving an LLM

  static AdviseDefaults load(const std::string& path);
};

}  // namespace frugal
