// Jobs in SQLite (WAL, synchronous=FULL): the daemon's only state. Every method is one
// transaction and is thread-safe (the HTTP threads submit while the scheduler loop runs).
#pragma once

#include <mutex>
#include <unordered_map>
#include <optional>
#include <string>
#include <vector>

#include "core/sqlite.h"
#include "schedd/job.h"

namespace frugal::schedd {

class JobStore {
 public:
  explicit JobStore(const std::string& path);
  // Adds a job; returns its id.
  std::int64_t insert(const JobSpec& spec, double now, State state, double next_fire = 0, std::int64_t parent = 0);
  std::optional<Job> get(std::int64_t id);
  // Newest first; `states` empty = all.
  std::vector<Job> list(const std::vector<State>& states = {}, int limit = 1000);
  // Jobs the scheduler acts on (queued, running, stopping, cron), oldest first.
  std::vector<Job> active();
  // Writes a job's mutable fields (state, attempts, pid, devices, times, notes).
  void update(const Job& j);
  // Several updates in one transaction (a scheduling pass commits its decisions together).
  void update_all(const std::vector<Job>& jobs);
  long long count(State s);
  // A cron template's firing, atomically: a queued copy (no cron) and the template's next time.
  std::int64_t fire_cron(const Job& cron_template, double now, double next_fire);

 private:
  void write(const Job& j);
  Job read(SqliteStmt& st);
  std::mutex mu_;
  SqliteDb db_;
  std::unordered_map<std::int64_t, JobSpec> specs_;  // specs never change: parsed once
};

}  // namespace frugal::schedd
