// Defaults of the advisor (data/advise/defaults.toml).
#pragma once

#include <map>
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
  std::string ri_class = "standard";
  std::string ri_payment = "no-upfront";
  std::string savings_plan_type = "ec2-instance";
  double memory_headroom = 0.1;
  double latency_headroom = 0.1;
  std::map<std::string, double> spot_interruption_per_month;  // Spot Advisor bucket -> fraction
  double checkpoint_bytes_per_param = 14;
  double checkpoint_write_bytes_per_s = 1e9;  // per instance
  double spot_restart_s = 600;
  double capacity_block_increment_hours = 24;
  std::vector<std::string> notes;                  // stated in every advice
  std::vector<std::string> decoder_serving_notes;  // stated when serving an LLM

  static AdviseDefaults load(const std::string& path);
};

}  // namespace frugal
