// `frugal simulate`: placement policies on the Alibaba GPU trace, the FGD paper's experiment.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "cli/common.h"
#include "cli/progress.h"
#include "core/csv.h"
#include "core/data_dir.h"
#include "core/error.h"
#include "core/stats.h"
#include "cli/simulate_html.h"
#include "sim/parallel.h"
#include "sim/replay.h"
#include "sim/simulator.h"

namespace frugal::cli {
namespace {

struct SimulateOptions {
  std::string trace = "default", policy = "all", seeds = "42-51", curves, html;
  std::string nodes;  // a node-list CSV of the user's own cluster; empty: the bundled Alibaba one
  int threads = 0;
  double compress = 1;
  bool list = false, latency = false, replay = false;
};

std::vector<std::uint64_t> parse_seeds(const std::string& s) {
  std::vector<std::uint64_t> out;
  std::stringstream ss(s);
  std::string part;
  auto num = [&](const std::string& x) {
    auto v = parse_double(x);
    if (!v || *v < 0 || *v != static_cast<double>(static_cast<std::uint64_t>(*v))) {
      throw Error(fmt::format("--seeds: expected seeds like 42-51 or 1,2,3, got '{}'", s));
    }
    return static_cast<std::uint64_t>(*v);
  };
  while (std::getline(ss, part, ',')) {
    auto dash = part.find('-');
    if (dash == std::string::npos) {
      out.push_back(num(part));
    } else {
      auto a = num(part.substr(0, dash)), b = num(part.substr(dash + 1));
      if (b < a || b - a > 10000) throw Error(fmt::format("--seeds: bad range '{}'", part));
      for (auto x = a; x <= b; ++x) out.push_back(x);
    }
  }
  if (out.empty()) throw Error("--seeds: expected at least one seed");
  return out;
}

// A bundled variant by name, a pod-list file by its stem (full paths would make wide columns).
std::string trace_label(const std::string& trace) {
  if (trace.find('/') == std::string::npos && !trace.ends_with(".csv")) return trace;
  return std::filesystem::path(trace).stem().string();
}

std::string nodes_file(const std::string& dir, const SimulateOptions& o) {
  return o.nodes.empty() ? sim::nodes_path(dir) : o.nodes;
}

}  // namespace

void run_replay(const GlobalOptions& g, const SimulateOptions& o, const std::vector<std::string>& policies,
                std::uint64_t seed) {
  const std::string dir = resolve_data_dir(g.data_dir);
  sched::Cluster cluster = sim::load_nodes(nodes_file(dir, o));
  const auto trace = sim::load_tasks(sim::trace_path(dir, o.trace), cluster);
  std::vector<sim::ReplayResult> results(policies.size());
  sim::parallel_for(policies.size(), o.threads,
                    [&](std::size_t i) { results[i] = sim::replay(cluster, trace, policies[i], seed, o.compress); });
  Table t;
  t.title = fmt::format("Replay of trace '{}' with its own arrival and run times{} ({} tasks, {} nodes, {} GPUs, {:.1f} days)",
                        o.trace, o.compress > 1 ? fmt::format(", arrivals {:g}x faster", o.compress) : "",
                        results.front().tasks, results.front().nodes, results.front().gpus, results.front().span_s / 86400);
  t.columns = {{"policy", "policy"},
               {"avg_allocated_pct", "avg GPU alloc %", true},
               {"peak_allocated_pct", "peak %", true},
               {"avg_busy_nodes", "avg busy nodes", true},
               {"avg_releasable_nodes", "releasable nodes", true},
               {"avg_releasable_gpus", "releasable GPUs", true},
               {"mean_wait_s", "mean wait", true},
               {"p95_wait_s", "p95 wait", true},
               {"never_started", "never started", true}};
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : results) {
    t.rows.push_back({Cell(r.policy), Cell(fmt::format("{:.1f}", r.avg_allocated_pct), r.avg_allocated_pct),
                      Cell(fmt::format("{:.1f}", r.peak_allocated_pct), r.peak_allocated_pct),
                      Cell(fmt::format("{:.0f}", r.avg_busy_nodes), r.avg_busy_nodes),
                      Cell(fmt::format("{:.0f}", r.avg_idle_gpu_nodes), r.avg_idle_gpu_nodes),
                      Cell(fmt::format("{:.0f}", r.avg_releasable_gpus), r.avg_releasable_gpus),
                      Cell(fmt::format("{:.0f} s", r.mean_wait_s), r.mean_wait_s),
                      Cell(fmt::format("{:.0f} s", r.p95_wait_s), r.p95_wait_s),
                      Cell(std::to_string(r.never_started), r.never_started)});
    j.push_back(t.to_json()["rows"].back());
  }
  t.notes.push_back("releasable: GPU nodes holding no GPU task, time-averaged: capacity a sharing-aware scheduler "
                    "frees for scale-in. Waiting tasks start in arrival order as capacity frees (backfilling).");
  emit(g, {t}, {{"replay", j}});
}

void run_simulate(const GlobalOptions& g, const SimulateOptions& o) {
  const std::string dir = resolve_data_dir(g.data_dir);
  if (o.list) {
    Table t;
    t.title = "Trace variants (data/sched/alibaba-gpu-v2023)";
    t.columns = {{"variant", "variant"}};
    for (const auto& v : sim::trace_variants(dir)) t.rows.push_back({Cell(v)});
    return emit(g, {t}, t.to_json());
  }
  std::vector<std::string> policies;
  if (o.policy == "all") policies = sched::policy_names();
  else {
    std::stringstream ss(o.policy);
    std::string p;
    while (std::getline(ss, p, ',')) {
      sched::make_policy(p, {});  // validates the name
      policies.push_back(p);
    }
  }
  const auto seeds = parse_seeds(o.seeds);
  if (o.replay) return run_replay(g, o, policies, seeds.front());
  std::vector<std::string> variants = o.trace == "all" ? sim::trace_variants(dir) : std::vector<std::string>{o.trace};

  std::map<std::string, double> paper;
  {
    auto t = CsvTable::load(dir + "/sched/fgd_paper.csv");
    for (std::size_t i = 0; i < t.size(); ++i) paper[t.row(i).get("policy")] = t.row(i).number("unallocated_pct_at_100");
  }

  Table t;
  t.title = o.nodes.empty()
                ? fmt::format("GPU-sharing placement on the Alibaba trace (medians of {} seeds)", seeds.size())
                : fmt::format("GPU-sharing placement on the cluster in {} (medians of {} seeds)", o.nodes, seeds.size());
  t.columns = {{"trace", "trace"},
               {"policy", "policy"},
               {"unallocated_pct_at_100", "unallocated % @100% arrived", true},
               {"paper_pct", "paper", true},
               {"allocated_pct_at_130", "allocated % @130%", true},
               {"frag_pct_at_90", "frag % @90%", true},
               {"pending_tasks", "pending @130%", true}};
  if (o.latency) {
    t.columns.push_back({"decision_us_p50", "decision p50 us", true});
    t.columns.push_back({"decision_us_p99", "decision p99 us", true});
  }
  nlohmann::json runs = nlohmann::json::array();
  std::ostringstream curves;
  std::map<std::string, std::map<std::string, std::vector<sim::CurvePoint>>> medians;
  curves << "trace,policy,seed,arrived_pct,allocated_pct,frag_pct,frag_rate_pct\n";
  for (const auto& variant : variants) {
    sched::Cluster cluster = sim::load_nodes(nodes_file(dir, o));
    const auto trace = sim::load_tasks(sim::trace_path(dir, variant), cluster);
    std::vector<std::pair<std::string, std::uint64_t>> jobs;
    for (const auto& p : policies)
      for (auto s : seeds) jobs.emplace_back(p, s);
    std::vector<sim::SimResult> results(jobs.size());
    sim::SimOptions so;
    so.record_latency = o.latency;
    TerminalProgress display(fmt::format("simulate {}", variant));
    std::atomic<std::size_t> finished{0};
    sim::parallel_for(jobs.size(), o.threads, [&](std::size_t i) {
      results[i] = sim::simulate(cluster, trace, jobs[i].first, jobs[i].second, so);
      display.update(static_cast<double>(++finished), static_cast<double>(jobs.size()), fmt::format("{} seed {}", jobs[i].first, jobs[i].second));
    });
    for (const auto& p : policies) {
      std::vector<double> un, al, fr, pend, lat;
      std::vector<const sim::SimResult*> mine;
      for (const auto& r : results) {
        if (r.policy != p) continue;
        mine.push_back(&r);
        un.push_back(r.unallocated_at_100);
        al.push_back(r.allocated_at_130);
        fr.push_back(r.frag_at_90);
        pend.push_back(r.pending);
        lat.insert(lat.end(), r.decision_us.begin(), r.decision_us.end());
        for (const auto& c : r.curve) {
          curves << fmt::format("{},{},{},{},{:.4f},{:.4f},{:.4f}\n", variant, p, r.seed, c.arrived_pct, c.allocated_pct,
                                c.frag_pct, c.frag_rate_pct);
        }
        runs.push_back({{"trace", variant}, {"policy", p}, {"seed", r.seed}, {"unallocated_pct_at_100", r.unallocated_at_100},
                        {"allocated_pct_at_130", r.allocated_at_130}, {"frag_pct_at_90", r.frag_at_90},
                        {"placed", r.placed}, {"pending", r.pending}});
      }
      medians[variant][p] = sim::median_curve(mine);
      const bool has_paper = variant == "default" && o.nodes.empty() && paper.count(p);
      t.rows.push_back({Cell(trace_label(variant)), Cell(p), Cell(fmt::format("{:.2f}", median(un)), median(un)),
                        has_paper ? Cell(fmt::format("{:.2f}", paper[p]), paper[p]) : Cell("", nullptr),
                        Cell(fmt::format("{:.2f}", median(al)), median(al)), Cell(fmt::format("{:.2f}", median(fr)), median(fr)),
                        Cell(fmt::format("{:.0f}", median(pend)), median(pend))});
      if (o.latency && !lat.empty()) {
        std::sort(lat.begin(), lat.end());
        const double p50 = lat[lat.size() / 2], p99 = lat[static_cast<std::size_t>(lat.size() * 0.99)];
        t.rows.back().push_back(Cell(fmt::format("{:.1f}", p50), p50));
        t.rows.back().push_back(Cell(fmt::format("{:.1f}", p99), p99));
      }
    }
  }
  t.notes.push_back(std::string("unallocated %: share of cluster GPU capacity left unallocated when the arrived GPU "
                                "request equals the capacity") +
                    (o.nodes.empty() ? "; paper: Weng et al. ATC'23 (default trace)." : "."));
  if (!o.curves.empty()) {
    write_file_atomic(o.curves, curves.str());
    t.notes.push_back("curves written to " + o.curves);
  }
  if (!o.html.empty()) {
    write_file_atomic(o.html, simulate_html(medians, o.seeds));
    t.notes.push_back("report written to " + o.html);
  }
  emit(g, {t}, {{"summary", t.to_json()["rows"]}, {"runs", runs}});
}

void register_simulate(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<SimulateOptions>();
  auto* c = app.add_subcommand("simulate", "Replay the Alibaba GPU trace under each placement policy (FGD paper's experiment)");
  c->add_option("--trace", o->trace, "Trace variant (default, gpushare40, multigpu20, ...), 'all', or a pod-list CSV path");
  c->add_option("--policy", o->policy, "all, or a comma list of random,dot-product,clustering,packing,best-fit,fgd,frugal");
  c->add_option("--seeds", o->seeds, "Seeds, e.g. 42-51 or 1,2,3");
  c->add_option("--curves", o->curves, "Write the per-1% curves of every run to this CSV");
  c->add_option("--html", o->html, "Write a self-contained HTML report with the curves (inline SVG)");
  c->add_option("--nodes", o->nodes,
                "Node-list CSV of your own cluster (sn,cpu_milli,memory_mib,gpu,model) instead of Alibaba's");
  c->add_option("--threads", o->threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 256));
  c->add_flag("--list", o->list, "List the bundled trace variants");
  c->add_flag("--replay", o->replay, "Replay the trace's own arrival and departure times (tasks leave) instead");
  c->add_option("--compress", o->compress, "With --replay: divide arrival times by this factor (run times unchanged)");
  c->add_flag("--latency", o->latency, "Also report placement decision latency (median, p99)");
  c->callback([&g, o] { run_simulate(g, *o); });
}

}  // namespace frugal::cli
