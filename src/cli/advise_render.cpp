#include "cli/advise_render.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/units.h"

#include <set>

namespace frugal::cli {
namespace {

Cell money(double v, int digits = 2) { return Cell(fmt::format("${:.{}f}", v, digits), v); }
Cell count(int v) { return Cell(std::to_string(v), v); }
Cell dur(double s) { return Cell(human_duration(s), s); }

std::string workload_title(const Advice& a) {
  const auto& w = a.workload;
  const auto& m = *a.model;
  if (w.task == Task::kTrain) {
    return fmt::format("{}: train {} ({} params) on {} tokens{}", w.name, m.name, human_count(m.params),
                       human_count(w.train_tokens),
                       w.deadline_s ? fmt::format(" within {}", human_duration(*w.deadline_s)) : "");
  }
  std::string slo;
  if (w.tpot_slo_s) slo += fmt::format(", TPOT <= {}", human_duration(*w.tpot_slo_s));
  if (w.ttft_slo_s) slo += fmt::format(", TTFT <= {}", human_duration(*w.ttft_slo_s));
  if (w.latency_slo_s) slo += fmt::format(", latency <= {}", human_duration(*w.latency_slo_s));
  std::string rate = w.rate_rps > 0 ? fmt::format(" at {:.4g} req/s", w.rate_rps) : " (no rate: ranked by cost per token at full load)";
  if (m.kind == ModelKind::kDecoder) {
    return fmt::format("{}: serve {} ({} params), {:g} in / {:g} out tokens{}{}", w.name, m.name, human_count(m.params),
                       a.prompt_tokens, a.output_tokens, rate, slo);
  }
  return fmt::format("{}: serve {} ({} params, {}){}{}", w.name, m.name, human_count(m.params), to_string(m.kind), rate, slo);
}

}  // namespace

std::vector<Table> advice_tables(const Advice& a, int top, bool explain) {
  const auto& w = a.workload;
  const auto& m = *a.model;
  Table t;
  t.title = workload_title(a);
  if (a.regions.size() == 1) {
    t.title += fmt::format("; prices in {}{}", a.regions[0],
                           a.region_from.empty() || a.region_from == "--region" ? ""
                           : a.region_from.rfind("default", 0) == 0  ? " (" + a.region_from + ")"
                                                                     : " (region from " + a.region_from + ")");
  } else if (a.regions.size() > 1) {
    t.title += fmt::format("; {} regions compared", a.regions.size());
  }
  const bool train = w.task == Task::kTrain;
  const bool decoder = m.kind == ModelKind::kDecoder;
  if (train) {
    t.columns = {{"rank", "#", true},          {"instance", "instance"},          {"purchase", "purchase"},
                 {"instances", "instances", true}, {"devices", "devices", true},   {"run_hours", "hours", true},
                 {"cost_per_hour", "$/hour", true}, {"run_cost", "$/run", true},   {"mfu", "MFU", true},
                 {"spot_interruption", "spot risk"}, {"break_even_utilisation", "break-even", true}};
  } else if (decoder) {
    t.columns = {{"rank", "#", true},           {"instance", "instance"},        {"purchase", "purchase"},
                 {"precision", "prec"},         {"tp", "TP", true},              {"batch", "batch", true},
                 {"instances", "inst", true},   {"ttft_s", "TTFT", true},        {"tpot_s", "TPOT", true},
                 {"cost_per_hour", "$/hour", true}, {"monthly_cost", "$/month", true},
                 {"cost_per_million_tokens", "$/1M tok", true}, {"tokens_per_dollar", "tok/$", true},
                 {"spot_interruption", "spot risk"}, {"break_even_utilisation", "break-even", true}};
  } else {
    t.columns = {{"rank", "#", true},         {"instance", "instance"},       {"purchase", "purchase"},
                 {"precision", "prec"},       {"batch", "batch", true},       {"instances", "inst", true},
                 {"latency_s", "latency", true}, {"capacity_rps", "capacity req/s", true},
                 {"cost_per_hour", "$/hour", true}, {"monthly_cost", "$/month", true},
                 {"cost_per_million_requests", "$/1M req", true}, {"spot_interruption", "spot risk"},
                 {"break_even_utilisation", "break-even", true}};
  }
  std::set<std::string> regions;
  for (const auto& c : a.ranked) regions.insert(c.region);
  const bool many_regions = regions.size() > 1;
  if (many_regions) t.columns.insert(t.columns.begin() + 2, Column{"region", "region"});
  int rank = 0;
  for (const auto& c : a.ranked) {
    if (++rank > top) break;
    const std::string risk = c.spot_interruption.empty() ? "" : c.spot_interruption;
    const std::string inst = c.instance->name + (c.calibrated ? "" : "*");
    const Cell be = c.break_even_utilisation > 0
                        ? Cell(fmt::format("{:.0f}%", c.break_even_utilisation * 100), c.break_even_utilisation)
                        : Cell("", nullptr);
    const std::size_t before = t.rows.size();
    if (train) {
      t.rows.push_back({count(rank), Cell(inst, c.instance->name), Cell(c.purchase), count(c.instances),
                        count(c.instances * c.instance->devices), Cell(fmt::format("{:.1f}", c.run_hours), c.run_hours),
                        money(c.cost_per_hour), money(c.run_cost, 0), Cell(fmt::format("{:.0f}%", c.train.mfu * 100), c.train.mfu),
                        Cell(risk), be});
    } else if (decoder) {
      t.rows.push_back({count(rank), Cell(inst, c.instance->name), Cell(c.purchase), Cell(c.precision),
                        c.attention_dp ? Cell(fmt::format("{} DEP", c.tp), c.tp) : count(c.tp),
                        count(c.serve.batch), count(c.instances), dur(c.serve.ttft_s), dur(c.serve.tpot_s),
                        money(c.cost_per_hour), money(c.monthly_cost, 0), money(c.cost_per_million_tokens, 3),
                        Cell(human_count(c.tokens_per_dollar), c.tokens_per_dollar), Cell(risk), be});
    } else {
      t.rows.push_back({count(rank), Cell(inst, c.instance->name), Cell(c.purchase), Cell(c.precision), count(c.serve.batch),
                        count(c.instances), dur(c.serve.request_latency_s),
                        Cell(fmt::format("{:.0f}", c.capacity_rps), c.capacity_rps), money(c.cost_per_hour),
                        money(c.monthly_cost, 0), money(c.cost_per_million_tokens, 3), Cell(risk), be});
    }
    if (many_regions && t.rows.size() > before) t.rows.back().insert(t.rows.back().begin() + 2, Cell(c.region));
  }
  if (a.ranked.empty()) {
    std::string take;
    if (a.fewest_instances_needed > 0) {
      take = fmt::format(" The request would take at least {} x {} (the limit is {} instances per configuration: "
                         "max_instances in data/advise/defaults.toml).", human_count(a.fewest_instances_needed),
                         a.fewest_instances_type, a.max_instances);
    }
    // When something fit but had no price for what was asked, the way out is another purchase option
    // or region, not looser SLOs.
    const bool unpriced = std::any_of(a.rejected.begin(), a.rejected.end(), [](const Rejection& r) { return r.no_price; });
    t.notes.push_back(std::string("No feasible configuration: see the rejections below, or relax the SLOs") +
                      (unpriced ? "; some fit but have no price for the --purchase options asked in this region (--purchase, --region all)."
                                : ".") +
                      take);
  } else {
    const auto& best = a.ranked.front();
    if (a.baseline) {
      t.notes.push_back(fmt::format("Saves {:.0f}% against the baseline {} {} ({}).", a.savings_vs_baseline * 100,
                                    a.baseline->instance->name, a.baseline->purchase,
                                    train ? fmt::format("${:.0f} per run", a.baseline->run_cost)
                                          : fmt::format("${:.0f}/month", a.baseline->monthly_cost)));
    } else {
      t.notes.push_back(fmt::format("No baseline comparison: the baseline ({} on-demand) {}.", a.baseline_instance, a.baseline_missing));
    }
    t.notes.push_back(fmt::format("Saves {:.0f}% against the most expensive feasible option; {} configurations evaluated.",
                                  a.savings_vs_most_expensive * 100, a.configurations_evaluated));
    for (const auto& n : best.notes) t.notes.push_back("Top choice: " + n);
    bool any_commitment = false;
    for (int i = 0; i < top && i < static_cast<int>(a.ranked.size()); ++i) any_commitment |= a.ranked[i].break_even_utilisation > 0;
    if (any_commitment) {
      t.notes.push_back("break-even: the share of hours a commitment (RI, Savings Plan, Capacity Block) must be used to cost "
                        "less than on-demand; the monthly figures assume full use.");
    }
    for (const auto& p : price_source_lines(a.ranked, top)) t.notes.push_back("Prices: " + p);
    bool any_uncal = false;
    for (int i = 0; i < top && i < static_cast<int>(a.ranked.size()); ++i) any_uncal |= !a.ranked[i].calibrated;
    if (any_uncal) {
      t.notes.push_back(train ? "* accelerator family without a published training MFU: another family's is borrowed."
                              : "* accelerator family without published measurements: efficiency factors borrowed.");
    }
  }
  std::vector<Table> out{t};
  if (explain) {
    Table why;
    why.title = "Why";
    why.columns = {{"reasoning", "reasoning"}};
    for (const auto& e : a.explanation) why.rows.push_back({Cell(e)});
    for (const auto& n : a.notes) why.rows.push_back({Cell("Note: " + n)});
    out.push_back(why);
    Table rej;
    rej.title = "Rejected instance types";
    rej.columns = {{"instance", "instance"}, {"reason", "reason"}};
    for (const auto& r : a.rejected) rej.rows.push_back({Cell(r.instance), Cell(r.reason)});
    out.push_back(rej);
  }
  return out;
}

nlohmann::json advice_json(const Advice& a, int top) {
  const auto& w = a.workload;
  nlohmann::json ranked = nlohmann::json::array();
  int rank = 0;
  for (const auto& c : a.ranked) {
    if (++rank > top) break;
    nlohmann::json j = {{"rank", rank},
                        {"instance", c.instance->name},
                        {"accelerator", c.instance->accelerator->id},
                        {"purchase", c.purchase},
                        {"region", c.region},
                        {"rate", {{"label", c.rate.label}, {"usd_per_hour", c.rate.usd_per_hour}, {"as_of", c.rate.as_of}, {"source", c.rate.source}}},
                        {"precision", c.precision},
                        {"instances", c.instances},
                        {"hourly_price", c.hourly_price},
                        {"cost_per_hour", c.cost_per_hour},
                        {"monthly_cost", c.monthly_cost},
                        {"calibrated", c.calibrated},
                        {"notes", c.notes}};
    if (!c.spot_interruption.empty()) j["spot_interruption"] = c.spot_interruption;
    if (!c.commitment.empty()) {
      j["commitment"] = {{"what", c.commitment}, {"term_years", c.term_years}, {"break_even_utilisation", c.break_even_utilisation}};
      if (c.upfront_usd) j["commitment"]["upfront_usd"] = *c.upfront_usd;
    }
    if (w.task == Task::kTrain) {
      j["devices"] = c.instances * c.instance->devices;
      j["run_hours"] = c.run_hours;
      j["run_cost"] = c.run_cost;
      j["mfu"] = c.train.mfu;
      if (c.checkpoint_interval_s > 0) {
        j["spot_checkpoint_interval_s"] = c.checkpoint_interval_s;
        j["spot_restart_overhead"] = c.restart_overhead;
      }
      j["memory_per_device_bytes"] = c.train.memory_per_device;
    } else {
      j["stack"] = c.stack;
      j["tp"] = c.tp;
      j["attention_dp"] = c.attention_dp;
      j["batch"] = c.serve.batch;
      j["replicas"] = c.replicas;
      j["ttft_s"] = c.serve.ttft_s;
      j["tpot_s"] = c.serve.tpot_s;
      j["request_latency_s"] = c.serve.request_latency_s;
      j["capacity_rps"] = c.capacity_rps;
      j["cost_per_million_tokens"] = c.cost_per_million_tokens;
      j["cost_per_million_tokens_at_capacity"] = c.cost_per_million_tokens_at_capacity;
      j["tokens_per_dollar"] = c.tokens_per_dollar;
      j["memory_per_device"] = {{"weights", c.serve.memory.weights}, {"kv_cache", c.serve.memory.kv_cache},
                                {"activations", c.serve.memory.activations}, {"reserve", c.serve.memory.reserve},
                                {"capacity", c.serve.memory.capacity}};
    }
    ranked.push_back(std::move(j));
  }
  nlohmann::json rejected = nlohmann::json::array();
  for (const auto& r : a.rejected) rejected.push_back({{"instance", r.instance}, {"reason", r.reason}});
  nlohmann::json wl = {{"name", w.name}, {"model", a.model->name}, {"task", to_string(w.task)}};
  if (w.task == Task::kServe) {
    wl["prompt_tokens"] = a.prompt_tokens;
    wl["output_tokens"] = a.output_tokens;
    wl["rate_rps"] = w.rate_rps;
    if (w.tpot_slo_s) wl["tpot_slo_s"] = *w.tpot_slo_s;
    if (w.ttft_slo_s) wl["ttft_slo_s"] = *w.ttft_slo_s;
    if (w.latency_slo_s) wl["latency_slo_s"] = *w.latency_slo_s;
  } else {
    wl["tokens"] = w.train_tokens;
    if (w.deadline_s) wl["deadline_s"] = *w.deadline_s;
  }
  wl["regions"] = a.regions;
  if (!a.region_from.empty()) wl["region_from"] = a.region_from;
  nlohmann::json j = {{"workload", wl},
                      {"ranked", ranked},
                      {"rejected", rejected},
                      {"savings_vs_most_expensive", a.savings_vs_most_expensive},
                      {"configurations_evaluated", a.configurations_evaluated},
                      {"explanation", a.explanation},
                      {"notes", a.notes},
                      {"price_sources", price_source_lines(a.ranked, top)}};
  if (!a.baseline) j["baseline_missing"] = a.baseline_missing;
  if (a.baseline) {
    j["baseline"] = {{"instance", a.baseline->instance->name}, {"purchase", a.baseline->purchase},
                     {"cost_per_hour", a.baseline->cost_per_hour}, {"monthly_cost", a.baseline->monthly_cost}};
    j["savings_vs_baseline"] = a.savings_vs_baseline;
  }
  return j;
}

Table seed_table(const std::vector<SeedRow>& rows, double prompt, double output) {
  Table t;
  t.title = fmt::format("Seed comparison: batch 1, {:g} in / {:g} out tokens, on-demand, from frugal's model", prompt, output);
  t.columns = {{"model", "model"},         {"hardware", "hardware"},        {"instance", "instance"},
               {"precision", "prec"},      {"tp", "TP", true},              {"ms_per_token", "ms/token", true},
               {"ttft_ms", "TTFT ms", true}, {"cost_per_million_tokens", "$/1M tok", true},
               {"claimed_ms_per_token", "claimed ms/token", true}};
  for (const auto& r : rows) {
    if (r.tp == 0) {
      t.rows.push_back({Cell(r.model), Cell(r.hardware), Cell(r.instance), Cell(r.precision), Cell("-", nullptr),
                        Cell("does not fit", nullptr), Cell("-", nullptr), Cell("-", nullptr),
                        r.claimed_ms ? Cell(fmt::format("{:g}", *r.claimed_ms), *r.claimed_ms) : Cell("", nullptr)});
      continue;
    }
    t.rows.push_back({Cell(r.model), Cell(r.hardware), Cell(r.instance), Cell(r.precision), count(r.tp),
                      Cell(fmt::format("{:.1f}", r.ms_per_token), r.ms_per_token),
                      Cell(fmt::format("{:.0f}", r.ttft_ms), r.ttft_ms), money(r.cost_per_million_tokens),
                      r.claimed_ms ? Cell(fmt::format("{:g}", *r.claimed_ms), *r.claimed_ms) : Cell("", nullptr)});
  }
  t.notes.push_back("TP: the tensor-parallel degree with the lowest latency; $/1M tokens with the instance's other devices "
                    "running replicas at batch 1.");
  t.notes.push_back("Claimed figures state no batch, precision or parallelism; batch 1 is where they are most comparable.");
  return t;
}

nlohmann::json seed_json(const std::vector<SeedRow>& rows) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json j = {{"model", r.model}, {"hardware", r.hardware}, {"instance", r.instance}, {"precision", r.precision}};
    if (r.tp) {
      j["tp"] = r.tp;
      j["ms_per_token"] = r.ms_per_token;
      j["ttft_ms"] = r.ttft_ms;
      j["cost_per_million_tokens"] = r.cost_per_million_tokens;
    } else {
      j["note"] = r.note;
    }
    if (r.claimed_ms) {
      j["claimed_ms_per_token"] = *r.claimed_ms;
      j["claim_source"] = r.claim_source;
    }
    a.push_back(std::move(j));
  }
  return {{"seed_comparison", a}};
}

std::optional<AccuracyNote> top_choice_accuracy(const Advice& a, const Accuracy* accuracy, const IndependentCheck* check,
                                                const std::string& efficiency_path) {
  if (a.ranked.empty() || a.workload.task == Task::kTrain || !a.ranked.front().instance->accelerator) return std::nullopt;
  const auto& best = a.ranked.front();
  return describe_accuracy(accuracy, efficiency_path, best.instance->accelerator->id, best.stack, check);
}

}  // namespace frugal::cli
