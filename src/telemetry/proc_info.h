// Who runs a GPU process: user name, command line and workload read from /proc. The proc root is a
// parameter so tests can point it at a folder they built.
#pragma once

#include <string>

#include "telemetry/workload.h"

namespace frugal::telemetry {

struct ProcessOwner {
  std::string user = "?";     // "?" when the pid is not visible (another PID namespace, gone)
  std::string name = "?";     // /proc/PID/comm: the executable's name, at most 15 bytes
  std::string command = "?";  // argv joined with spaces, at most 200 bytes
  Workload workload;          // from its cgroup and environment (workload.h)
  std::string start_time;     // /proc/PID/stat field 22: with the pid, identifies the process
};

// /proc/PID/stat's start time (clock ticks since boot) as text, or "" when the pid is gone. A pid
// plus its start time names one process even after pids wrap, so lookups can be cached by both.
std::string process_start_time(unsigned pid, const std::string& proc_root = "/proc");

ProcessOwner lookup_process(unsigned pid, const std::string& proc_root = "/proc");

}  // namespace frugal::telemetry
