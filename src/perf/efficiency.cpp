#include "perf/efficiency.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "core/files.h"
#include "core/toml_util.h"

namespace frugal {
namespace {

// What a stack with shares_overheads takes from the other stack (StackFactors::copy_overheads).
constexpr const char* kOverheadKeys[] = {"step_overhead_ms", "prefill_overhead_ms", "allreduce_latency_us",
                                         "tp_step_overhead_ms", "seq_overhead_us", "activation_scale"};

// peer_allreduce_max_bytes: { ranks = bytes, ... }, read into ascending (ranks, bytes). A plain
// number (files written before the table) is one threshold for a group of any size.
std::vector<std::pair<int, double>> peer_thresholds(const toml::table& st, const std::string& path) {
  std::vector<std::pair<int, double>> out;
  const toml::node* n = st.get("peer_allreduce_max_bytes");
  if (!n) return out;
  if (const auto v = n->value<double>()) {
    if (*v <= 0) fail_at(location_of(*n, path), "expected peer_allreduce_max_bytes > 0");
    out.emplace_back(std::numeric_limits<int>::max(), *v);
    return out;
  }
  const auto* t = n->as_table();
  if (!t) fail_at(location_of(*n, path), "expected peer_allreduce_max_bytes as a table of group size = most bytes");
  for (const auto& [k, v] : *t) {
    int ranks = 0;
    const std::string key(k.str());
    const auto* end = key.data() + key.size();
    const auto [p, ec] = std::from_chars(key.data(), end, ranks);
    const auto bytes = v.value<double>();
    if (ec != std::errc() || p != end || ranks < 2 || !bytes || *bytes <= 0) {
      fail_at(location_of(v, path), fmt::format("expected peer_allreduce_max_bytes entries as ranks = bytes (ranks >= 2, "
                                                "bytes > 0), got {}", key));
    }
    out.emplace_back(ranks, *bytes);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Efficiency Efficiency::load(const std::string& path) {
  const auto text = read_file(path);
  if (!text) throw Error(fmt::format("{}: cannot open file", path));
  return parse(*text, path);
}

Efficiency Efficiency::parse(std::string_view text, const std::string& path) {
  const auto t = parse_toml(text, path);
  Efficiency e;
  e.path = path;
  e.fit_note = optional_string(t, "fit_note", path).value_or("");
  if (const auto* d = t.get_as<toml::table>("defaults")) {
    e.gpu_stack_ = optional_string(*d, "gpu_stack", path).value_or(e.gpu_stack_);
    e.neuron_stack_ = optional_string(*d, "neuron_stack", path).value_or(e.neuron_stack_);
  }
  if (const auto* m = t.get_as<toml::table>("memory")) {
    e.memory_.usable_fraction = require_number(*m, "usable_fraction", path);
    e.memory_.runtime_reserve_gib = require_number(*m, "runtime_reserve_gib", path);
    e.memory_.training_bytes_per_param = require_number(*m, "training_bytes_per_param", path);
    e.memory_.max_prefill_tokens = require_number(*m, "max_prefill_tokens", path);
    e.memory_.source = optional_string(*m, "source", path).value_or("");
  } else {
    fail_at({path, 1, 1}, "missing [memory] table");
  }
  const auto* fams = t.get_as<toml::table>("family");
  if (!fams) fail_at({path, 1, 1}, "missing [family.*] tables");
  for (const auto& [k, v] : *fams) {
    const auto* ft = v.as_table();
    if (!ft) fail_at(location_of(v, path), "expected a table for each family");
    FamilyFactors f;
    f.inherits = optional_string(*ft, "inherits", path).value_or("");
    f.similar = optional_string(*ft, "similar", path).value_or("");
    if (f.inherits.empty()) {
      f.mem_eff = require_number(*ft, "mem_eff", path);
      f.compute_eff = require_number(*ft, "compute_eff", path);
      f.attn_eff = require_number(*ft, "attn_eff", path);
      f.link_eff = require_number(*ft, "link_eff", path);
      f.calibrated = ft->get("calibrated") && ft->get("calibrated")->value_or(false);
      if (f.mem_eff <= 0 || f.mem_eff > 1 || f.compute_eff <= 0 || f.compute_eff > 1 ||
          f.attn_eff <= 0 || f.attn_eff > 1 || f.link_eff <= 0 || f.link_eff > 1) {
        fail_at(location_of(*ft, path), "expected mem_eff, compute_eff, attn_eff and link_eff in (0, 1]");
      }
    }
    f.train_mfu = optional_number(*ft, "train_mfu", path).value_or(0);
    f.train_mfu_source = optional_string(*ft, "train_mfu_source", path).value_or("");
    f.train_mfu_inherits = optional_string(*ft, "train_mfu_inherits", path).value_or("");
    e.families_[std::string(k.str())] = f;
  }
  for (const auto& [k, f] : e.families_) {
    if (!f.inherits.empty() && !e.families_.count(f.inherits)) {
      throw Error(fmt::format("{}: family '{}' inherits unknown family '{}'", path, k, f.inherits));
    }
    if (!f.train_mfu_inherits.empty() && !e.families_.count(f.train_mfu_inherits)) {
      throw Error(fmt::format("{}: family '{}' takes its training MFU from unknown family '{}'", path, k, f.train_mfu_inherits));
    }
    if (!f.similar.empty() && !e.families_.count(f.similar)) {
      throw Error(fmt::format("{}: family '{}' names unknown similar family '{}'", path, k, f.similar));
    }
  }
  const auto* stacks = t.get_as<toml::table>("stack");
  if (!stacks) fail_at({path, 1, 1}, "missing [stack.*] tables");
  for (const auto& [k, v] : *stacks) {
    const auto* st = v.as_table();
    if (!st) fail_at(location_of(v, path), "expected a table for each stack");
    StackFactors s;
    s.shares_overheads = optional_string(*st, "shares_overheads", path).value_or("");
    if (!s.shares_overheads.empty()) {
      // The overheads are the other stack's (resolve() copies them): a number here would be ignored,
      // so it is refused instead.
      s.shares_overheads_source = optional_string(*st, "shares_overheads_source", path).value_or("");
      if (s.shares_overheads_source.empty()) {
        fail_at(location_of(*st, path), "expected shares_overheads_source: why this stack's overheads are another's");
      }
      for (const char* key : kOverheadKeys) {
        if (const auto* x = st->get(key)) {
          fail_at(location_of(*x, path), fmt::format("unexpected {}: this stack's overheads come from stack '{}' (shares_overheads)",
                                                     key, s.shares_overheads));
        }
      }
    } else {
      s.step_overhead_s = require_number(*st, "step_overhead_ms", path) / 1e3;
      s.prefill_overhead_s = require_number(*st, "prefill_overhead_ms", path) / 1e3;
      s.allreduce_latency_s = require_number(*st, "allreduce_latency_us", path) / 1e6;
      s.tp_step_overhead_s = require_number(*st, "tp_step_overhead_ms", path) / 1e3;
      s.seq_overhead_s = optional_number(*st, "seq_overhead_us", path).value_or(s.seq_overhead_s * 1e6) / 1e6;
      s.activation_scale = optional_number(*st, "activation_scale", path).value_or(1.0);
      if (s.activation_scale < 1) fail_at(location_of(*st, path), "expected activation_scale >= 1");
    }
    s.w4_compute_eff = require_number(*st, "w4_compute_eff", path);
    s.moe_eff = optional_number(*st, "moe_eff", path).value_or(1.0);
    if (s.moe_eff <= 0 || s.moe_eff > 1) fail_at(location_of(*st, path), "expected moe_eff in (0, 1]");
    s.description = optional_string(*st, "description", path).value_or("");
    if (const auto* a = st->get_as<toml::array>("unsupported_precisions")) {
      for (const auto& x : *a) s.unsupported_precisions.push_back(x.value_or(std::string()));
    }
    if (const auto* a = st->get_as<toml::array>("source_keywords")) {
      for (const auto& x : *a) s.source_keywords.push_back(x.value_or(std::string()));
    }
    if (const auto* a = st->get_as<toml::array>("peer_allreduce_links")) {
      for (const auto& x : *a) s.peer_allreduce_links.push_back(x.value_or(std::string()));
      s.peer_allreduce_max_bytes = peer_thresholds(*st, path);
      s.peer_allreduce_source = optional_string(*st, "peer_allreduce_source", path).value_or("");
      if (s.peer_allreduce_max_bytes.empty() || s.peer_allreduce_source.empty()) {
        fail_at(location_of(*st, path),
                "expected peer_allreduce_max_bytes (a table of group size = most bytes one-shot, e.g. { 2 = 16000000, "
                "8 = 500000 }) and peer_allreduce_source (the kernel code they are read from) with peer_allreduce_links");
      }
    }
    if (const auto* c = st->get("chunked_prefill")) s.chunked_prefill = c->value_or(true);
    if (const auto* c = st->get("decode_context_buckets")) s.decode_context_buckets = c->value_or(false);
    if (s.decode_context_buckets) {
      s.decode_context_buckets_source = optional_string(*st, "decode_context_buckets_source", path).value_or("");
      if (s.decode_context_buckets_source.empty()) {
        fail_at(location_of(*st, path), "expected decode_context_buckets_source: the code the buckets are read from");
      }
    }
    if (const auto* c = st->get("pads_heads")) s.pads_heads = c->value_or(false);
    if (s.pads_heads) {
      s.pads_heads_source = optional_string(*st, "pads_heads_source", path).value_or("");
      if (s.pads_heads_source.empty()) {
        fail_at(location_of(*st, path), "expected pads_heads_source: the code pads_heads is read from");
      }
    }
    s.max_batch = optional_number(*st, "max_batch", path).value_or(s.max_batch);
    s.max_num_tokens = optional_number(*st, "max_num_tokens", path).value_or(0);
    s.kv_free_fraction = optional_number(*st, "kv_free_fraction", path).value_or(0);
    if (s.kv_free_fraction < 0 || s.kv_free_fraction > 1) fail_at(location_of(*st, path), "expected kv_free_fraction in [0, 1]");
    s.limits_source = optional_string(*st, "limits_source", path).value_or("");
    const auto thd = optional_number(*st, "w4_dequant_min_tokens", path);
    const auto direct = optional_number(*st, "w4_direct_mem_eff", path);
    if (thd) {
      if (*thd < 1) fail_at(location_of(*st, path), "expected w4_dequant_min_tokens >= 1");
      s.w4_dequant_min_tokens = *thd;
    }
    if (direct) {
      if (*direct <= 0 || *direct > 1) fail_at(location_of(*st, path), "expected w4_direct_mem_eff in (0, 1]");
      s.w4_direct_mem_eff = *direct;
    }
    if (thd || direct) {
      s.w4_kernel_source = optional_string(*st, "w4_kernel_source", path).value_or("");
      if (s.w4_kernel_source.empty()) {
        fail_at(location_of(*st, path),
                "expected w4_kernel_source: the kernel code and measurement w4_dequant_min_tokens and "
                "w4_direct_mem_eff are taken from");
      }
    }
    if (const auto cap = optional_number(*st, "step_overhead_max_ms", path)) {
      if (*cap <= 0) fail_at(location_of(*st, path), "expected step_overhead_max_ms > 0");
      s.step_overhead_max_s = *cap / 1e3;
      s.step_overhead_max_source = optional_string(*st, "step_overhead_max_source", path).value_or("");
      if (s.step_overhead_max_source.empty()) {
        fail_at(location_of(*st, path), "expected step_overhead_max_source: the measurement step_overhead_max_ms is derived from");
      }
      if (s.step_overhead_s > s.step_overhead_max_s * (1 + 1e-9)) {
        fail_at(location_of(*st, path), fmt::format("expected step_overhead_ms <= step_overhead_max_ms ({} > {})",
                                                    s.step_overhead_s * 1e3, *cap));
      }
    }
    if (s.max_batch < 1 || s.max_num_tokens < 0) fail_at(location_of(*st, path), "expected max_batch >= 1 and max_num_tokens >= 0");
    e.stacks_[std::string(k.str())] = s;
  }
  for (const auto& s : {e.gpu_stack_, e.neuron_stack_}) {
    if (!e.stacks_.count(s)) throw Error(fmt::format("{}: default stack '{}' is not defined", path, s));
  }
  for (const auto& [k, s] : e.stacks_) {
    if (s.shares_overheads.empty()) continue;
    const auto it = e.stacks_.find(s.shares_overheads);
    if (it == e.stacks_.end()) {
      throw Error(fmt::format("{}: stack '{}' shares the overheads of unknown stack '{}'", path, k, s.shares_overheads));
    }
    if (!it->second.shares_overheads.empty()) {
      throw Error(fmt::format("{}: stack '{}' shares the overheads of '{}', which shares another's: name the stack that has them",
                              path, k, s.shares_overheads));
    }
  }
  e.resolve();
  return e;
}

bool StackFactors::one_shot_allreduce(const std::string& link, double bytes, int ranks) const {
  if (std::find(peer_allreduce_links.begin(), peer_allreduce_links.end(), link) == peer_allreduce_links.end()) return false;
  for (const auto& [most_ranks, most_bytes] : peer_allreduce_max_bytes) {
    if (ranks <= most_ranks) return bytes <= most_bytes;
  }
  return false;
}

void StackFactors::copy_overheads(const StackFactors& from) {
  step_overhead_s = from.step_overhead_s;
  prefill_overhead_s = from.prefill_overhead_s;
  allreduce_latency_s = from.allreduce_latency_s;
  tp_step_overhead_s = from.tp_step_overhead_s;
  seq_overhead_s = from.seq_overhead_s;
  activation_scale = from.activation_scale;
}

void StackFactors::copy_fitted(const StackFactors& from) {
  copy_overheads(from);
  w4_compute_eff = from.w4_compute_eff;
  moe_eff = from.moe_eff;
}

void Efficiency::clear_published_bounds() {
  for (auto& [name, s] : stacks_) {
    s.step_overhead_max_s = 0;
    s.step_overhead_max_source.clear();
  }
}

void Efficiency::resolve() {
  // Shared overheads first: the fit sets the owner's, and every reader sees them here.
  for (auto& [k, s] : stacks_) {
    if (!s.shares_overheads.empty()) s.copy_overheads(stacks_.at(s.shares_overheads));
  }
  resolved_.clear();
  for (const auto& [k, f] : families_) {
    FamilyFactors r = f;
    const FamilyFactors* p = &f;
    for (int hops = 0; !p->inherits.empty() && hops < 8; ++hops) p = &families_.at(p->inherits);
    r.mem_eff = p->mem_eff;
    r.compute_eff = p->compute_eff;
    r.attn_eff = p->attn_eff;
    r.link_eff = p->link_eff;
    r.calibrated = p->calibrated && f.inherits.empty();
    if (r.train_mfu <= 0) {
      r.train_mfu = p->train_mfu;
      r.train_mfu_source = p->train_mfu_source;
    }
    if (r.train_mfu <= 0 && !f.train_mfu_inherits.empty()) {
      const FamilyFactors* m = &families_.at(f.train_mfu_inherits);
      for (int hops = 0; m->train_mfu <= 0 && !m->inherits.empty() && hops < 8; ++hops) m = &families_.at(m->inherits);
      r.train_mfu = m->train_mfu;
      r.train_mfu_source = m->train_mfu_source;
    }
    resolved_[k] = r;
  }
}

const FamilyFactors& Efficiency::family(const std::string& name) const {
  auto it = resolved_.find(name);
  if (it == resolved_.end()) {
    throw Error(fmt::format("{}: no efficiency factors for accelerator family '{}'", path, name));
  }
  return it->second;
}

const StackFactors& Efficiency::stack(const std::string& name) const {
  auto it = stacks_.find(name);
  if (it == stacks_.end()) throw Error(fmt::format("{}: unknown serving stack '{}'", path, name));
  return it->second;
}

const std::string& Efficiency::default_stack(const Accelerator& a) const {
  return a.is_neuron() ? neuron_stack_ : gpu_stack_;
}

void Efficiency::use_gpu_stack(const std::string& name) {
  if (!stacks_.count(name)) {
    std::string known;
    for (const auto& [k, s] : stacks_) {
      if (k != neuron_stack_) known += (known.empty() ? "" : ", ") + k;
    }
    throw Error(fmt::format("unknown serving stack '{}' (expected one of: {})", name, known));
  }
  if (name == neuron_stack_) {
    throw Error(fmt::format("'{}' is the Neuron stack, assumed on Inferentia/Trainium already; "
                            "this picks the engine on NVIDIA GPUs", name));
  }
  gpu_stack_ = name;
}

std::string Efficiency::to_toml() const {
  std::ostringstream o;
  o << "# Efficiency factors of frugal's performance model.\n"
       "# mem_eff/compute_eff per accelerator family and the per-stack overheads are fitted by\n"
       "#   frugal perf calibrate data/perf/measured.csv --write\n"
       "# (least absolute log error over every row; see docs/perf-model.md). Do not edit them by hand.\n"
       "# train_mfu values are published measurements, cited per family.\n";
  o << fmt::format("fit_note = {}\n\n", toml_quote(fit_note));
  o << fmt::format("[defaults]\ngpu_stack = \"{}\"\nneuron_stack = \"{}\"\n\n", gpu_stack_, neuron_stack_);
  o << fmt::format(
      "[memory]\nusable_fraction = {}\nruntime_reserve_gib = {}\ntraining_bytes_per_param = {}\n"
      "max_prefill_tokens = {}\nsource = {}\n\n",
      memory_.usable_fraction, memory_.runtime_reserve_gib, memory_.training_bytes_per_param,
      memory_.max_prefill_tokens, toml_quote(memory_.source));
  for (const auto& [k, f] : families_) {
    o << fmt::format("[family.{}]\n", k);
    if (!f.similar.empty()) o << fmt::format("similar = \"{}\"\n", f.similar);
    if (!f.inherits.empty()) {
      o << fmt::format("inherits = \"{}\"  # no measurements of this family: uncalibrated\n", f.inherits);
    } else {
      o << fmt::format(
          "mem_eff = {:.4f}\ncompute_eff = {:.4f}\nattn_eff = {:.4f}\nlink_eff = {:.4f}\ncalibrated = {}\n",
          f.mem_eff, f.compute_eff, f.attn_eff, f.link_eff, f.calibrated ? "true" : "false");
    }
    if (f.train_mfu > 0) {
      o << fmt::format("train_mfu = {}\ntrain_mfu_source = {}\n", f.train_mfu,
                       toml_quote(f.train_mfu_source));
    }
    if (!f.train_mfu_inherits.empty()) o << fmt::format("train_mfu_inherits = \"{}\"\n", f.train_mfu_inherits);
    o << "\n";
  }
  for (const auto& [k, s] : stacks_) {
    o << fmt::format("[stack.{}]\ndescription = {}\n", k, toml_quote(s.description));
    if (!s.shares_overheads.empty()) {
      o << fmt::format("shares_overheads = \"{}\"\nshares_overheads_source = {}\n", s.shares_overheads,
                       toml_quote(s.shares_overheads_source));
    } else {
      o << fmt::format(
          "step_overhead_ms = {:.4f}\nprefill_overhead_ms = {:.4f}\nallreduce_latency_us = {:.3f}\ntp_step_overhead_ms = {:.4f}\n"
          "seq_overhead_us = {:.4f}\nactivation_scale = {:.3f}\n",
          s.step_overhead_s * 1e3, s.prefill_overhead_s * 1e3, s.allreduce_latency_s * 1e6, s.tp_step_overhead_s * 1e3,
          s.seq_overhead_s * 1e6, s.activation_scale);
    }
    o << fmt::format("w4_compute_eff = {:.4f}\nmoe_eff = {:.4f}\n", s.w4_compute_eff, s.moe_eff);
    if (!s.unsupported_precisions.empty()) {
      o << "unsupported_precisions = [";
      for (std::size_t i = 0; i < s.unsupported_precisions.size(); ++i) {
        o << (i ? ", " : "") << '"' << s.unsupported_precisions[i] << '"';
      }
      o << "]\n";
    }
    auto list = [&](const char* key, const std::vector<std::string>& v) {
      if (v.empty()) return;
      o << key << " = [";
      for (std::size_t i = 0; i < v.size(); ++i) o << (i ? ", " : "") << toml_quote(v[i]);
      o << "]\n";
    };
    list("source_keywords", s.source_keywords);
    if (!s.peer_allreduce_links.empty()) {
      list("peer_allreduce_links", s.peer_allreduce_links);
      o << "peer_allreduce_max_bytes = {";
      for (std::size_t i = 0; i < s.peer_allreduce_max_bytes.size(); ++i) {
        o << fmt::format("{} {} = {}", i ? "," : "", s.peer_allreduce_max_bytes[i].first, s.peer_allreduce_max_bytes[i].second);
      }
      o << fmt::format(" }}\npeer_allreduce_source = {}\n", toml_quote(s.peer_allreduce_source));
    }
    if (s.decode_context_buckets) {
      o << fmt::format("decode_context_buckets = true\ndecode_context_buckets_source = {}\n",
                       toml_quote(s.decode_context_buckets_source));
    }
    if (s.pads_heads) o << fmt::format("pads_heads = true\npads_heads_source = {}\n", toml_quote(s.pads_heads_source));
    o << fmt::format("chunked_prefill = {}\nmax_batch = {}\n", s.chunked_prefill ? "true" : "false", s.max_batch);
    if (s.max_num_tokens > 0) o << fmt::format("max_num_tokens = {}\n", s.max_num_tokens);
    if (s.kv_free_fraction > 0) o << fmt::format("kv_free_fraction = {}\n", s.kv_free_fraction);
    if (!s.limits_source.empty()) o << fmt::format("limits_source = {}\n", toml_quote(s.limits_source));
    if (s.w4_dequant_min_tokens > 0) o << fmt::format("w4_dequant_min_tokens = {}\n", s.w4_dequant_min_tokens);
    if (s.w4_direct_mem_eff < 1) o << fmt::format("w4_direct_mem_eff = {}\n", s.w4_direct_mem_eff);
    if (s.w4_dequant_min_tokens > 0 || s.w4_direct_mem_eff < 1) {
      o << fmt::format("w4_kernel_source = {}\n", toml_quote(s.w4_kernel_source));
    }
    if (s.step_overhead_max_s > 0) {
      o << fmt::format("step_overhead_max_ms = {}\nstep_overhead_max_source = {}\n", s.step_overhead_max_s * 1e3,
                       toml_quote(s.step_overhead_max_source));
    }
    o << "\n";
  }
  return o.str();
}

}  // namespace frugal
