#include "advise/workload.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "core/error.h"
#include "core/toml_util.h"
#include "core/units.h"

namespace frugal {

const char* to_string(Task t) { return t == Task::kServe ? "serve" : "train"; }

Task parse_task(const std::string& s, const std::string& what) {
  if (s == "serve" || s == "inference") return Task::kServe;
  if (s == "train" || s == "training") return Task::kTrain;
  throw Error(fmt::format("{}: expected serve or train, got '{}'", what, s));
}

namespace {

// Number-or-string value parsed with a unit parser; errors carry the node's position.
template <typename Parse>
std::optional<double> quantity(const toml::table& t, std::string_view key, const std::string& path, Parse parse) {
  const toml::node* n = t.get(key);
  if (!n) return std::nullopt;
  const auto where = location_of(*n, path);
  try {
    if (auto s = n->value<std::string>()) return parse(*s, std::string(key));
    if (auto d = n->value<double>()) {
      // TOML has nan and inf literals; no quantity here is either, or negative.
      if (!(std::isfinite(*d) && *d >= 0)) fail_at(where, fmt::format("expected a finite, non-negative number for '{}'", key));
      return *d;
    }
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    fail_at(where, e.what());
  }
  fail_at(where, fmt::format("expected a number or a string with a unit for '{}'", key));
}

std::vector<std::string> strings(const toml::table& t, std::string_view key, const std::string& path) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  if (auto s = n->value<std::string>()) return {*s};
  const auto* a = n->as_array();
  if (!a) fail_at(location_of(*n, path), fmt::format("expected a string or a list of strings for '{}'", key));
  for (const auto& e : *a) {
    auto s = e.value<std::string>();
    if (!s) fail_at(location_of(e, path), fmt::format("expected strings in '{}'", key));
    out.push_back(*s);
  }
  return out;
}

}  // namespace

std::vector<Workload> load_workloads(const std::string& path) {
  auto doc = load_toml_file(path);
  const auto* arr = doc.get_as<toml::array>("workload");
  if (!arr || arr->empty()) fail_at({path, 1, 1}, "expected one or more [[workload]] tables");
  static const std::set<std::string> known = {
      "name", "model", "task", "prompt_tokens", "output_tokens", "rate", "tpot_slo", "ttft_slo",
      "latency_slo", "tokens", "deadline", "seq_len", "precision", "purchase", "instances", "region"};
  std::vector<Workload> out;
  for (const auto& node : *arr) {
    const auto* t = node.as_table();
    if (!t) fail_at(location_of(node, path), "expected a [[workload]] table");
    for (const auto& [k, v] : *t) {
      if (!known.count(std::string(k.str()))) {
        fail_at(location_of(v, path), fmt::format("unknown key '{}' in [[workload]]", k.str()));
      }
    }
    Workload w;
    w.model = require_string(*t, "model", path);
    w.where = location_of(*t->get("model"), path).str();
    w.name = optional_string(*t, "name", path).value_or(w.model);
    if (auto task = optional_string(*t, "task", path)) {
      try {
        w.task = parse_task(*task, "task");
      } catch (const Error& e) {
        fail_at(location_of(*t->get("task"), path), e.what());
      }
    }
    auto count = [](const std::string& s, const std::string& k) { return parse_count(s, k); };
    auto dur = [](const std::string& s, const std::string& k) { return parse_duration(s, k); };
    auto rate = [](const std::string& s, const std::string& k) { return parse_rate(s, k); };
    w.prompt_tokens = quantity(*t, "prompt_tokens", path, count);
    w.output_tokens = quantity(*t, "output_tokens", path, count);
    w.rate_rps = quantity(*t, "rate", path, rate).value_or(0);
    w.tpot_slo_s = quantity(*t, "tpot_slo", path, dur);
    w.ttft_slo_s = quantity(*t, "ttft_slo", path, dur);
    w.latency_slo_s = quantity(*t, "latency_slo", path, dur);
    w.train_tokens = quantity(*t, "tokens", path, count).value_or(0);
    w.deadline_s = quantity(*t, "deadline", path, dur);
    w.seq_len = quantity(*t, "seq_len", path, count);
    w.precisions = strings(*t, "precision", path);
    w.purchase = strings(*t, "purchase", path);
    w.instances = strings(*t, "instances", path);
    if (const auto* r = t->get("region"); r && r->is_string()) {
      w.regions = {*r->value<std::string>()};
    } else {
      w.regions = strings(*t, "region", path);
    }
    if (w.task == Task::kTrain && w.train_tokens <= 0) {
      fail_at(location_of(*t, path), fmt::format("workload '{}': training needs tokens > 0", w.name));
    }
    for (auto [v, key] : {std::pair{w.tpot_slo_s, "tpot_slo"}, {w.ttft_slo_s, "ttft_slo"}, {w.latency_slo_s, "latency_slo"},
                          {w.deadline_s, "deadline"}, {w.seq_len, "seq_len"}}) {
      if (v && *v <= 0) fail_at(location_of(*t->get(key), path), fmt::format("workload '{}': {} must be positive", w.name, key));
    }
    if (w.prompt_tokens.value_or(1) < 1 || w.output_tokens.value_or(1) < 1) {
      fail_at(location_of(*t, path), fmt::format("workload '{}': prompt_tokens and output_tokens must be >= 1", w.name));
    }
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace frugal
