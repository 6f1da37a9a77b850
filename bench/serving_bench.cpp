// One load estimate for the v0.14 Triton configuration (Llama-3.1-70B BF16, TP 4 on H100, 467/256):
// an endless open-loop rate (closed-form queueing) against finite runs of 500 requests, which are
// stepped through (perf/serving.h). Calibration and cross-validation pay this per finite-rate row
// and per evaluation. `make bench` runs it.
#include <benchmark/benchmark.h>

#include "catalog/catalog.h"
#include "perf/efficiency.h"
#include "perf/serving.h"

namespace {

frugal::LlmConfig triton_70b() {
  static const frugal::Catalog cat = frugal::Catalog::load(FRUGAL_BENCH_DATA_DIR);
  static const frugal::Efficiency eff =
      frugal::Efficiency::load(std::string(FRUGAL_BENCH_DATA_DIR) + "/perf/efficiency.toml");
  const frugal::InstanceType* it = cat.find_instance("p5.48xlarge");
  return {cat.find_model("llama-3.1-70b"), cat.find_precision("bf16"),
          frugal::make_device(eff, *it->accelerator, it->device_memory_gib, it->device_fraction, "trtllm-triton"), 4};
}

// Arg 0: requests/s; arg 1: requests in the run (0: endless).
void BM_EstimateRate(benchmark::State& state) {
  const auto c = triton_70b();
  frugal::Load load = frugal::Load::rate(static_cast<double>(state.range(0)));
  load.requests = static_cast<double>(state.range(1));
  for (auto _ : state) benchmark::DoNotOptimize(frugal::estimate_load(c, load, 467, 256).tpot_s);
}

}  // namespace

BENCHMARK(BM_EstimateRate)
    ->Args({2, 0})
    ->Args({2, 500})
    ->Args({16, 0})
    ->Args({16, 500})
    ->Args({32, 500})
    ->Unit(benchmark::kMicrosecond);
