// Who runs a GPU process: user name and command line read from /proc. The proc root is a
// parameter so tests can point it at a folder they built.
#pragma once

#include <string>

namespace frugal::telemetry {

struct ProcessOwner {
  std::string user = "?";     // "?" when the pid is not visible (another PID namespace, gone)
  std::string name = "?";     // /proc/PID/comm: the executable's name, at most 15 bytes
  std::string command = "?";  // argv joined with spaces, at most 200 bytes
};

ProcessOwner lookup_process(unsigned pid, const std::string& proc_root = "/proc");

}  // namespace frugal::telemetry
