// Load benchmark of `frugal sched`: submit throughput over the real HTTP API (one keep-alive
// client, each submit committed to SQLite with synchronous=FULL before the reply), then the time
// of a scheduling pass with 10,000 queued jobs on a declared 64-GPU inventory. The launcher is a
// stand-in that starts nothing (the pass is measured, not fork/exec), everything else is real.
// Usage: frugal_sched_load [JOBS] [GPUS]
#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "core/temp_dir.h"
#include "schedd/api.h"
#include "schedd/scheduler.h"

using namespace frugal;
using namespace frugal::schedd;

namespace {
class NoProcessLauncher : public Launcher {
 public:
  Launched launch(const Job&, const std::map<std::string, std::string>&) override { return {0, 0}; }
  Probe probe(const Job&) override { return {Fate::kRunning, 0, ""}; }
  bool signal(const Job&, int) override { return true; }
  void reap() override {}
  std::string log_path(std::int64_t) const override { return "/dev/null"; }
};
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  const int jobs = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int gpus = argc > 2 ? std::atoi(argv[2]) : 64;
  const TempDir dir("frugal-sched-load-", "the benchmark");
  JobStore store((dir.path() / "jobs.db").string());
  NoProcessLauncher launcher;
  SystemClock clock;
  Scheduler sched(store, launcher, clock, declared_inventory(fmt::format("{}xH100-80GB", gpus), FRUGAL_BENCH_DATA_DIR));
  ApiServer api(sched, store, launcher, "127.0.0.1:0", "bench-token");
  httplib::Client c("127.0.0.1", api.port());
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  const httplib::Headers auth = {{"Authorization", "Bearer bench-token"}};
  const double shapes[] = {0.25, 0.5, 1, 2, 0.125, 4, 1, 0.5};
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < jobs; ++i) {
    const std::string body = fmt::format(R"({{"argv":["true"],"gpus":{},"priority":{}}})", shapes[i % 8], i % 5);
    auto r = c.Post("/v1/jobs", auth, body, "application/json");
    if (!r || r->status != 201) {
      std::cerr << "submit failed\n";
      return 1;
    }
  }
  const double submit_s = seconds_since(t0);
  // Passes: the first places what fits (and launches it), later ones only scan the queue.
  std::vector<double> passes;
  int launched = 0;
  for (int i = 0; i < 5; ++i) {
    const auto st = sched.tick();
    launched += st.launched;
    passes.push_back(st.seconds);
  }
  std::vector<double> steady(passes.begin() + 1, passes.end());
  std::sort(steady.begin(), steady.end());
  std::cout << fmt::format("sched load: {} jobs on {} declared GPUs\n", jobs, gpus);
  std::cout << fmt::format("  submit over HTTP: {:.2f} s, {:.0f} jobs/s ({:.2f} ms each, committed before the reply)\n", submit_s,
                           jobs / submit_s, 1000 * submit_s / jobs);
  std::cout << fmt::format("  first pass (placed {} jobs, committed each before launch): {:.1f} ms\n", launched, 1000 * passes[0]);
  std::cout << fmt::format("  later passes ({} queued, nothing fits): median {:.1f} ms\n", jobs - launched,
                           1000 * steady[steady.size() / 2]);
  return 0;
}
