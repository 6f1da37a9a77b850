#include "cli/stop_signal.h"

#include <chrono>
#include <csignal>
#include <thread>

namespace frugal::cli {

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }
}  // namespace

std::atomic<bool>& stop_on_signals() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  return g_stop;
}

bool sleep_unless_stopped(const std::atomic<bool>& stop, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!stop.load() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return !stop.load();
}

}  // namespace frugal::cli
