// One `advise` over the full catalog: every accelerated instance type x all precisions x all TP
// degrees x batch search x purchase options. `make bench` runs it.
#include <benchmark/benchmark.h>

#include "advise/advisor.h"

namespace {

struct Env {
  frugal::Catalog cat = frugal::Catalog::load(FRUGAL_BENCH_DATA_DIR);
  frugal::Efficiency eff = frugal::Efficiency::load(std::string(FRUGAL_BENCH_DATA_DIR) + "/perf/efficiency.toml");
  frugal::AdviseDefaults def = frugal::AdviseDefaults::load(std::string(FRUGAL_BENCH_DATA_DIR) + "/advise/defaults.toml");
};

Env& env() {
  static Env e;
  return e;
}

void BM_AdviseServeAllPrecisions(benchmark::State& state, const char* model) {
  frugal::Workload w;
  w.model = model;
  w.prompt_tokens = 512;
  w.output_tokens = 256;
  w.rate_rps = 5;
  w.tpot_slo_s = 0.1;
  w.ttft_slo_s = 2;
  w.precisions = {"all"};
  frugal::AdvisorContext ctx{&env().cat, &env().eff, &env().def};
  int evaluated = 0;
  for (auto _ : state) {
    auto a = frugal::advise(w, ctx);
    evaluated = a.configurations_evaluated;
    benchmark::DoNotOptimize(a.ranked.data());
  }
  state.counters["configs"] = evaluated;
}

void BM_AdviseTrain(benchmark::State& state) {
  frugal::Workload w;
  w.model = "llama-2-70b";
  w.task = frugal::Task::kTrain;
  w.train_tokens = 2e9;
  w.deadline_s = 7 * 86400;
  frugal::AdvisorContext ctx{&env().cat, &env().eff, &env().def};
  for (auto _ : state) benchmark::DoNotOptimize(frugal::advise(w, ctx).ranked.data());
}

}  // namespace

BENCHMARK_CAPTURE(BM_AdviseServeAllPrecisions, deepseek_llm_67b, "deepseek-llm-67b")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AdviseServeAllPrecisions, llama_2_7b, "llama-2-7b")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AdviseTrain)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
