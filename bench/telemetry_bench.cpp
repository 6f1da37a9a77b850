// Agent cost with 8 fake GPUs (tests/fake_nvml loaded through the real dlopen path): CPU time of
// one sampling cycle (NVML calls, accounting, both renderings), with and without the SQLite
// history, and of one /metrics scrape over loopback HTTP.
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "telemetry/agent.h"
#include "telemetry/nvml.h"
#include "telemetry/server.h"

using namespace frugal::telemetry;

namespace {

std::unique_ptr<NvmlSource> eight_gpus() {
  setenv("FAKE_NVML_SCENARIO", FRUGAL_BENCH_SCENARIO, 1);
  std::string why;
  auto src = NvmlSource::open(&why, FAKE_NVML_LIB);
  if (!src) std::abort();
  return src;
}

void BM_AgentCycle(benchmark::State& state) {
  auto src = eight_gpus();
  CostAccountant acct(IdlePolicy{0.1, 300, 60}, 12.29);
  const bool with_history = state.range(0) != 0;
  const std::string db = std::filesystem::temp_directory_path() / ("frugal_bench_" + std::to_string(getpid()) + ".db");
  std::filesystem::remove(db);
  std::unique_ptr<HistoryStore> history;
  if (with_history) history = std::make_unique<HistoryStore>(db, Retention{86400, 2592000, 31536000});
  Agent agent(*src, acct, history.get(), nullptr, AgentOptions{});
  double t = 1.7e9;
  for (auto _ : state) agent.cycle(t += 1);
  state.SetLabel(with_history ? "8 GPUs, SQLite history" : "8 GPUs, no history");
  std::filesystem::remove(db);
}
BENCHMARK(BM_AgentCycle)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_Scrape(benchmark::State& state) {
  auto src = eight_gpus();
  CostAccountant acct(IdlePolicy{0.1, 300, 60}, 12.29);
  Agent agent(*src, acct, nullptr, nullptr, AgentOptions{});
  agent.cycle(1.7e9);
  MetricsServer server(agent, "127.0.0.1:0", 1);
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_keep_alive(false);
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto res = cli.Get("/metrics");
    if (!res || res->status != 200) state.SkipWithError("scrape failed");
    bytes = res->body.size();
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
// Real time: the work happens on the server thread, outside this thread's CPU clock.
BENCHMARK(BM_Scrape)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
