// A job of `frugal sched`: what to run, what it needs, when it may run, and where it is in its
// life. Jobs live in SQLite (store.h); every change of state is committed before it is acted on.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace frugal::schedd {

// queued -> running -> done | failed; running -> stopping (preempted, window closed, cancelled)
// -> queued | cancelled | failed; queued -> cancelled. `held`: a cron template (it never runs
// itself; each firing makes a queued copy).
enum class State { kQueued, kRunning, kStopping, kDone, kFailed, kCancelled, kCron };
const char* to_string(State s);
State state_from(const std::string& s);  // throws Error on an unknown name
bool is_final(State s);

struct JobSpec {
  std::string name;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::string cwd;
  std::string user;             // run as this user (the daemon must be root for another user)
  double gpus = 0;              // < 1: a share of one GPU (MPS); >= 1: whole GPUs (integer)
  std::int64_t gpu_mem_mib = 0; // MPS pinned memory limit (0: the share of the GPU's memory)
  std::string mig;              // MIG profile ("1g.10gb"); exclusive with gpus
  int priority = 0;             // higher runs first and may preempt lower preemptible jobs
  bool preemptible = false;
  std::string window;           // "02:00-06:00" local time; empty = any time
  bool window_finish = false;   // let a job still running at the window's end finish
  std::string cron;             // "0 * * * *": a template that enqueues a copy at each firing
  std::int64_t deadline = 0;    // epoch seconds; a job not started by then fails (0 = none)
  int checkpoint_signal = 15;   // sent first on preemption / window close / cancel
  double grace_s = 30;          // then SIGKILL of the process group
  bool requeue_on_crash = true; // a job whose process vanished (daemon crash) goes back to the queue
  std::int64_t max_memory_mib = 0;  // RLIMIT_AS; 0 = none
  double max_runtime_s = 0;         // killed (failed) after this long; 0 = none
};

struct Job {
  std::int64_t id = 0;
  JobSpec spec;
  State state = State::kQueued;
  int attempts = 0;                // launches so far
  int crashes = 0;                 // attempts that vanished (requeued while under the limit)
  double not_before = 0;           // a requeued job waits until then (crash backoff)
  std::string stop_reason;         // "preempted by 12", "window closed", "cancelled"
  std::string stop_then;           // state after stopping: queued / cancelled / failed
  std::int64_t pid = 0;            // the supervisor (frugal sched supervise) of the running attempt
  std::int64_t pid_start = 0;      // its start time (clock ticks since boot), against pid reuse
  std::vector<int> gpu_indices;    // where it runs
  std::vector<std::string> devices;  // CUDA_VISIBLE_DEVICES entries (GPU or MIG UUIDs)
  int exit_code = 0;               // >= 0 exit status, < 0 -signal
  double submitted = 0, started = 0, finished = 0, stop_sent = 0, next_fire = 0;
  std::int64_t parent = 0;         // the cron template a firing came from
  std::string note;                // last event, for `frugal show`
};

nlohmann::json to_json(const Job& j);
// Parses a submit request; throws Error naming the offending field ("gpus: must be > 0").
JobSpec spec_from_json(const nlohmann::json& j);
nlohmann::json spec_to_json(const JobSpec& s);

}  // namespace frugal::schedd
