#include "advise/defaults.h"

#include "core/error.h"
#include "core/toml_util.h"

namespace frugal {

AdviseDefaults AdviseDefaults::load(const std::string& path) {
  auto t = load_toml_file(path);
  AdviseDefaults d;
  d.baseline_instance = require_string(t, "baseline_instance", path);
  d.baseline_purchase = require_string(t, "baseline_purchase", path);
  d.hours_per_month = require_number(t, "hours_per_month", path);
  d.max_batch = static_cast<int>(require_number(t, "max_batch", path));
  d.max_instances = static_cast<int>(require_number(t, "max_instances", path));
  d.train_seq_len = require_number(t, "train_seq_len", path);
  d.default_latency_slo_s = require_number(t, "default_latency_slo_ms", path) / 1e3;
  d.top = static_cast<int>(require_number(t, "top", path));
  d.prompt_tokens = require_number(t, "prompt_tokens", path);
  d.output_tokens = require_number(t, "output_tokens", path);
  d.ri_class = require_string(t, "ri_class", path);
  d.ri_payment = require_string(t, "ri_payment", path);
  d.savings_plan_type = require_string(t, "savings_plan_type", path);
  d.memory_headroom = require_number(t, "memory_headroom", path);
  d.latency_headroom = require_number(t, "latency_headroom", path);
  d.checkpoint_bytes_per_param = require_number(t, "checkpoint_bytes_per_param", path);
  d.checkpoint_write_bytes_per_s = require_number(t, "checkpoint_write_gbytes_per_s_per_instance", path) * 1e9;
  d.spot_restart_s = require_number(t, "spot_restart_minutes", path) * 60;
  d.capacity_block_increment_hours = require_number(t, "capacity_block_increment_hours", path);
  const auto* rates = t.get_as<toml::table>("spot_interruption_per_month");
  if (!rates) fail_at({path, 1, 1}, "missing table 'spot_interruption_per_month'");
  for (const auto& [k, v] : *rates) {
    auto x = v.value<double>();
    if (!x || *x <= 0 || *x >= 1) fail_at(location_of(v, path), "expected a fraction between 0 and 1");
    d.spot_interruption_per_month[std::string(k.str())] = *x;
  }
  if (!d.spot_interruption_per_month.count("unknown")) fail_at({path, 1, 1}, "spot_interruption_per_month needs an 'unknown' entry");
  for (double h : {d.memory_headroom, d.latency_headroom}) {
    if (h < 0 || h >= 0.9) fail_at({path, 1, 1}, "memory_headroom and latency_headroom must be in [0, 0.9)");
  }
  for (auto [key, out] : {std::pair{"precisions", &d.precisions}, {"purchase", &d.purchase}, {"notes", &d.notes},
                          {"decoder_serving_notes", &d.decoder_serving_notes}}) {
    const auto* a = t.get_as<toml::array>(key);
    if (!a) fail_at({path, 1, 1}, std::string("missing list '") + key + "'");
    for (const auto& e : *a) {
      auto s = e.value<std::string>();
      if (!s) fail_at(location_of(e, path), std::string("expected strings in '") + key + "'");
      out->push_back(*s);
    }
  }
  if (d.max_batch < 1 || d.max_instances < 1 || d.hours_per_month <= 0 || d.prompt_tokens < 1 || d.output_tokens < 1) {
    fail_at({path, 1, 1}, "max_batch, max_instances, hours_per_month, prompt_tokens and output_tokens must be positive");
  }
  return d;
}

}  // namespace frugal
