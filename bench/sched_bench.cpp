// Placement decision latency on the Alibaba cluster (1,213 nodes, 6,212 GPUs) half full, and one
// whole simulation run per policy. `make bench` runs it; the full 6 policies x 10 seeds experiment
// is timed by bench/simulate.sh.
#include <benchmark/benchmark.h>

#include "sim/simulator.h"

namespace {

using namespace frugal;

struct Env {
  sched::Cluster empty;
  std::vector<sim::TraceTask> trace;
  std::vector<sched::Task> tasks;
  Env() {
    empty = sim::load_nodes(sim::nodes_path(FRUGAL_BENCH_DATA_DIR));
    trace = sim::load_tasks(sim::trace_path(FRUGAL_BENCH_DATA_DIR, "default"), empty);
    tasks = sim::inflate(trace, empty.gpu_capacity_milli(), 1.3, 42);
  }
};

Env& env() {
  static Env e;
  return e;
}

void BM_PlaceHalfFullCluster(benchmark::State& state, const char* policy) {
  auto& e = env();
  std::vector<sched::Task> all;
  for (const auto& t : e.trace) all.push_back(t.task);
  auto pol = sched::make_policy(policy, all);
  sched::Rng rng(1);
  sched::Cluster c = e.empty;
  std::size_t i = 0;
  double arrived = 0;
  while (arrived < 0.5 * c.gpu_capacity_milli() && i < e.tasks.size()) {  // fill to 50% arrived
    auto w = pol->place(c, e.tasks[i], rng);
    if (w.ok()) sched::allocate(c.nodes[w.node], e.tasks[i], w.gpus);
    arrived += e.tasks[i++].gpu_request_milli();
  }
  std::size_t k = i;
  for (auto _ : state) {  // decisions only; the cluster state stays the same
    auto w = pol->place(c, e.tasks[k], rng);
    benchmark::DoNotOptimize(w.node);
    if (++k == e.tasks.size()) k = i;
  }
}

void BM_SimulateOneRun(benchmark::State& state, const char* policy) {
  auto& e = env();
  for (auto _ : state) benchmark::DoNotOptimize(sim::simulate(e.empty, e.trace, policy, 42).unallocated_at_100);
}

}  // namespace

BENCHMARK_CAPTURE(BM_PlaceHalfFullCluster, fgd, "fgd")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PlaceHalfFullCluster, frugal, "frugal")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PlaceHalfFullCluster, best_fit, "best-fit")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_SimulateOneRun, fgd, "fgd")->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(BM_SimulateOneRun, random, "random")->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_MAIN();
