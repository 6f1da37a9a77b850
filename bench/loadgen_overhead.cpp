// The cost of `frugal bench`'s generator itself (issue 15's aim: >= 2,000 streamed tokens/s per
// core, and <= 1 ms of inter-token-latency distortion at p99). The scripted streaming server runs
// in this process on its own threads (first token after 20 ms, then one every 2 ms); the
// generator runs on the main thread, so that thread's CPU time (RUSAGE_THREAD) is the generator's
// alone. Distortion: the client's measured ITL percentiles minus the gaps the server actually
// achieved between sends (its own scheduling jitter), over the same streams.
//   build/release/bench/frugal_loadgen_overhead [CONCURRENCY [REQUESTS [TOKENS]]]
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>

#include "loadgen/runner.h"
#include "loadgen/scripted_server.h"
#include "loadgen/summary.h"

using namespace frugal::loadgen;

namespace {
double thread_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
}  // namespace

int main(int argc, char** argv) {
  const int concurrency = argc > 1 ? std::atoi(argv[1]) : 64;
  const int requests = argc > 2 ? std::atoi(argv[2]) : 256;
  const int tokens = argc > 3 ? std::atoi(argv[3]) : 256;
  frugal::testing::StreamScript script;
  script.ttft_s = 0.020;
  script.itl_s = 0.002;
  frugal::testing::ScriptedServer server(script);
  Load load;
  load.value = concurrency;
  load.requests = requests;
  const double cpu0 = thread_cpu_s();
  const auto level = run_level({server.url(), Api::kCompletions, {}, 60}, {"m", 64, tokens}, load);
  const double cpu = thread_cpu_s() - cpu0;
  const auto s = summarize(level, 0);
  const auto server_gaps = percentiles(server.send_gaps());
  const double streamed = s.mean_output_tokens * s.ok;
  std::printf("frugal bench generator vs the scripted server (ITL 2 ms), concurrency %d, %d requests of %d tokens (%d failed)\n",
              concurrency, s.requests, tokens, s.errors);
  std::printf("  %.0f tokens in %.2f s (%.0f tokens/s); generator thread CPU %.3f s: %.0f streamed tokens/s per core\n", streamed,
              level.wall_s, s.output_tokens_per_s, cpu, streamed / cpu);
  std::printf("  ITL measured p50 %.3f / p99 %.3f ms; server's own send gaps p50 %.3f / p99 %.3f ms; distortion p50 %+.3f / p99 %+.3f ms\n",
              s.itl_s.p50 * 1e3, s.itl_s.p99 * 1e3, server_gaps.p50 * 1e3, server_gaps.p99 * 1e3,
              (s.itl_s.p50 - server_gaps.p50) * 1e3, (s.itl_s.p99 - server_gaps.p99) * 1e3);
  std::printf("  TTFT p50 %.2f ms (script 20 ms), TPOT p50 %.3f ms (script 2 ms)\n", s.ttft_s.p50 * 1e3, s.tpot_s.p50 * 1e3);
  return s.errors == 0 ? 0 : 1;
}
