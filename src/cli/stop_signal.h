// The long-running commands (agent, top) stop cleanly on SIGINT/SIGTERM: the handler only sets a
// flag, and their loops sleep in short steps so they see it promptly.
#pragma once

#include <atomic>

namespace frugal::cli {

// Installs the SIGINT/SIGTERM handlers and returns the flag they set (also settable by the caller).
std::atomic<bool>& stop_on_signals();
// Sleeps up to `seconds`, returning early once `stop` is set. Returns !stop.
bool sleep_unless_stopped(const std::atomic<bool>& stop, double seconds);

}  // namespace frugal::cli
