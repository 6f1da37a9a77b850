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
