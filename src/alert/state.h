// Durable state of `frugal alert run` in SQLite: which alerts fire, and the notifications not yet
// delivered (an outbox). A run's state changes and the notifications they cause are written in one
// transaction, so a crash never loses a notification or sends one for a change not recorded; a
// notification is deleted only once delivered (at least once: a crash between sending and the
// delete resends it on the next run). One run at a time: a lock file beside the database.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "alert/evaluate.h"
#include "core/sqlite.h"

namespace frugal::alert {

struct StoredAlert {
  std::string rule, kind, key, severity, summary, description;
  double value_usd = 0;
  std::string labels_json;  // {"date": ...}
  double started = 0;       // when it began firing (unix seconds)
  double ended = 0;         // when it resolved; 0 while firing
};

struct OutboxEntry {
  std::int64_t id = 0;
  std::string notifier;
  std::string event;  // "firing" or "resolved"
  StoredAlert alert;
  double created = 0;
  int attempts = 0;
  std::string last_error;
};

struct Transition {
  std::string event;  // "firing" (new) or "resolved"
  StoredAlert alert;
};

// Holds an exclusive flock(2) on `path` (created) for its lifetime; throws Error naming the file
// when another process holds it.
class RunLock {
 public:
  explicit RunLock(const std::string& path);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

class AlertState {
 public:
  explicit AlertState(const std::string& path);

  // What fires now (from earlier runs).
  std::vector<StoredAlert> firing();
  // Compares one run's findings with what fires: new findings fire, firing alerts without a
  // finding resolve, the rest are refreshed (value, summary). Each transition is queued for every
  // notifier in `notifiers`. With `dry_run`, nothing is written and the transitions are returned.
  std::vector<Transition> apply(const std::vector<Finding>& findings, const std::vector<std::string>& notifiers, double now, bool dry_run);
  // Undelivered notifications, oldest first.
  std::vector<OutboxEntry> pending();
  void delivered(std::int64_t id);
  void failed(std::int64_t id, const std::string& error);

 private:
  SqliteDb db_;
};

// Default state file: $XDG_STATE_HOME/frugal/alerts.db or ~/.local/state/frugal/alerts.db.
std::string default_alert_state_path();

}  // namespace frugal::alert
