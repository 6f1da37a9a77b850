// `frugal top`: a live terminal view of the GPUs with the dollars attached (nvitop/gpustat
// spirit). `--once` prints one screen; `--format json` prints the same data for scripts.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "cli/common.h"
#include "cli/stop_signal.h"
#include "cli/telemetry_setup.h"
#include "core/error.h"
#include "core/time_util.h"
#include "telemetry/agent.h"
#include "telemetry/history.h"
#include "telemetry/top.h"

namespace frugal::cli {
namespace {


struct TopCmd {
  TelemetryOptions t;
  bool once = false;
  int iterations = 0;  // 0 = until Ctrl-C
};

int terminal_width() {
  struct winsize w {};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0) return w.ws_col;
  return 120;
}

void run_top(const GlobalOptions& g, const TopCmd& o) {
  TelemetrySetup s = setup_telemetry(g, o.t);
  if (!s.source) {
    if (g.format == "json") {
      std::cout << nlohmann::json{{"gpus", nlohmann::json::array()}, {"error", s.why}}.dump(2) << "\n";
    }
    throw Error(s.why);
  }
  telemetry::CostAccountant acct(s.policy, s.price.per_gpu_hour);
  telemetry::AgentOptions ao;
  ao.context = {s.price.instance_type, s.price.purchase};
  ao.expose_cmdline = true;  // a local view on the caller's terminal, like top(1); nothing is served
  telemetry::Agent agent(*s.source, acct, nullptr, nullptr, ao);

  telemetry::TopView view;
  view.instance_type = s.price.instance_type;
  view.purchase = s.price.purchase;
  view.price_per_gpu_hour = s.price.per_gpu_hour;
  if (s.price.per_gpu_hour <= 0) view.price_note = s.price.note;
  view.color = isatty(STDOUT_FILENO) && g.output.empty() && std::getenv("NO_COLOR") == nullptr;
  auto today = [&]() -> std::optional<std::vector<telemetry::GpuUsage>> {
    if (!std::filesystem::exists(s.db_path)) return std::nullopt;
    try {
      telemetry::HistoryStore h(s.db_path, telemetry::load_retention(s.data_dir));
      const double now = now_epoch_seconds();
      return h.usage(std::floor(now / 86400) * 86400, now + 1);
    } catch (const Error&) {
      return std::nullopt;  // a history written by a newer agent, or locked: show the session only
    }
  };

  if (o.once || g.format == "json" || !g.output.empty()) {
    agent.cycle(now_epoch_seconds());
    auto p = agent.latest();
    if (g.format == "json") {
      nlohmann::json j = telemetry::published_json(*p);
      j["instance_type"] = s.price.instance_type;
      j["price_per_gpu_hour"] = s.price.per_gpu_hour;
      j["price_note"] = s.price.note;
      emit(g, {}, j);
      return;
    }
    view.width = terminal_width();
    view.color = false;
    view.today = today();
    const std::string screen = telemetry::render_top(*p, view);
    if (g.output.empty()) {
      std::cout << screen;
    } else {
      write_file_atomic(g.output, screen);
    }
    return;
  }
  std::atomic<bool>& stop = stop_on_signals();
  int n = 0;
  double last_history = -1e18;
  while (!stop.load()) {
    const double now = now_epoch_seconds();
    agent.cycle(now);
    if (now - last_history > 10) {  // the history query is cheap, but not every frame
      view.today = today();
      last_history = now;
    }
    view.width = terminal_width();
    // Home the cursor and clear: a full repaint per frame, like top(1) in a dumb terminal.
    std::cout << "\x1b[H\x1b[2J" << telemetry::render_top(*agent.latest(), view) << "\n(Ctrl-C to quit)" << std::flush;
    if (o.iterations > 0 && ++n >= o.iterations) break;
    sleep_unless_stopped(stop, s.interval_s);
  }
  std::cout << "\n";
}

}  // namespace

void register_top(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<TopCmd>();
  auto* t = app.add_subcommand("top", "Live GPU view: utilization, memory, processes, $/hour and idle dollars");
  add_telemetry_options(t, o->t);
  t->add_flag("--once", o->once, "Print one screen and exit");
  t->add_option("--iterations", o->iterations, "Stop after N screens (default: until Ctrl-C)");
  t->callback([&g, o] { run_top(g, *o); });
}

}  // namespace frugal::cli
