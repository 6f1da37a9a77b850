// Running a job's command, and knowing afterwards what became of it even across a daemon crash.
//
// Each attempt is run by a supervisor (`frugal sched supervise`, a fresh exec of this binary in
// its own session) that starts the command in its own process group, logs its output, and
// writes the exit status to a file when it ends. The daemon takes an exclusive flock on the
// attempt's lock file *before* forking; the supervisor inherits it and holds it for its whole life.
// So, with no race: lock busy = the attempt is still running (re-adopt it); lock free + exit file
// = it finished (with that status); lock free and no exit file = it vanished (never started, or
// killed with its supervisor). A reused pid cannot fool this, and signals are only sent after the
// pid's start time (from /proc) matches the one recorded at launch.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "schedd/job.h"

namespace frugal::schedd {

struct Launched {
  std::int64_t pid = 0, pid_start = 0;  // the supervisor
};

enum class Fate { kRunning, kExited, kVanished };
struct Probe {
  Fate fate = Fate::kVanished;
  int exit_code = 0;  // kExited: >= 0 status, < 0 -signal
  std::string reason; // kExited: why the command could not be started ("" when it ran)
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  // Starts attempt `job.attempts` of `job` with `env` added to the daemon's environment. Throws
  // Error with the reason when the attempt cannot even start (fork, or exec refused: E2BIG when
  // the command line and environment pass the kernel's limit), so the job fails once instead of
  // vanishing and being requeued.
  virtual Launched launch(const Job& job, const std::map<std::string, std::string>& env) = 0;
  virtual Probe probe(const Job& job) = 0;
  // Sends `sig` to the job's command (its process group); false when it is not running.
  virtual bool signal(const Job& job, int sig) = 0;
  // Collects exited supervisor processes (zombies) of this daemon.
  virtual void reap() = 0;
  // The job's log file (stdout and stderr of every attempt).
  virtual std::string log_path(std::int64_t job_id) const = 0;
};

class PosixLauncher : public Launcher {
 public:
  // `state_dir`/jobs/<id>/ holds each job's log and attempt files; `self` is this executable.
  PosixLauncher(std::string state_dir, std::string self);
  Launched launch(const Job& job, const std::map<std::string, std::string>& env) override;
  Probe probe(const Job& job) override;
  bool signal(const Job& job, int sig) override;
  void reap() override;
  std::string log_path(std::int64_t job_id) const override;

 private:
  std::string attempt_file(const Job& job, const char* what) const;
  std::string dir_, self_;
};

// /proc/<pid>/stat start time (clock ticks after boot); 0 when the process does not exist.
std::int64_t process_start_time(std::int64_t pid);

// Why exec refused `argv`+`envp`, for a person: the errno's name and what to do about it.
std::string exec_failure(int err, const std::string& what, std::size_t bytes);

// `frugal sched supervise`: runs in the supervisor process. Returns its exit status. When the
// command cannot be started (not found, not executable, not a program, too big, no such user or
// directory) it writes the reason to `error_file`, and the exit file says 127 (or 126).
struct SuperviseArgs {
  int lock_fd = -1;
  std::string exit_file, pid_file, log_file, error_file, cwd, user;
  std::int64_t max_memory_mib = 0;
  int attempt = 0;
  std::vector<std::string> argv;
};
int supervise(const SuperviseArgs& a);

}  // namespace frugal::schedd
