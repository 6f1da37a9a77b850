#include "alert/state.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include "core/error.h"

namespace frugal::alert {

RunLock::RunLock(const std::string& path) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path().empty() ? "." : std::filesystem::path(path).parent_path());
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw Error(fmt::format("{}: cannot open the lock file: {}", path, std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    ::close(fd_);
    fd_ = -1;
    if (e == EWOULDBLOCK) throw Error(fmt::format("{}: another `frugal alert run` is running with this state; this one stops", path));
    throw Error(fmt::format("{}: cannot lock: {}", path, std::strerror(e)));
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

AlertState::AlertState(const std::string& path) : db_(path) {
  db_.exec(R"SQL(
    CREATE TABLE IF NOT EXISTS alerts (
      rule TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,
      summary TEXT NOT NULL, description TEXT NOT NULL, value_usd REAL NOT NULL, labels TEXT NOT NULL,
      started REAL NOT NULL, ended REAL NOT NULL DEFAULT 0,
      PRIMARY KEY (rule, key));
    CREATE TABLE IF NOT EXISTS outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT, notifier TEXT NOT NULL, event TEXT NOT NULL,
      rule TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL,
      summary TEXT NOT NULL, description TEXT NOT NULL, value_usd REAL NOT NULL, labels TEXT NOT NULL,
      started REAL NOT NULL, ended REAL NOT NULL, created REAL NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '');
  )SQL");
}

std::vector<StoredAlert> AlertState::firing() {
  std::vector<StoredAlert> out;
  auto st = db_.prepare(
      "SELECT rule, key, kind, severity, summary, description, value_usd, labels, started FROM alerts WHERE ended = 0 ORDER BY started, rule, key");
  while (st.step()) {
    out.push_back({st.column_text(0), st.column_text(2), st.column_text(1), st.column_text(3), st.column_text(4), st.column_text(5),
                   st.column_double(6), st.column_text(7), st.column_double(8), 0});
  }
  return out;
}

namespace {

StoredAlert stored(const Finding& f, double started) {
  return {f.rule, f.kind, f.key, f.severity, f.summary, f.description, f.value_usd, nlohmann::json(f.labels).dump(), started, 0};
}

}  // namespace

std::vector<Transition> AlertState::apply(const std::vector<Finding>& findings, const std::vector<std::string>& notifiers, double now,
                                          bool dry_run) {
  std::map<std::pair<std::string, std::string>, StoredAlert> before;
  for (auto& a : firing()) before.emplace(std::make_pair(a.rule, a.key), a);
  std::vector<Transition> out;
  std::vector<StoredAlert> refreshed;
  for (const auto& f : findings) {
    auto it = before.find({f.rule, f.key});
    if (it == before.end()) {
      out.push_back({"firing", stored(f, now)});
    } else {
      refreshed.push_back(stored(f, it->second.started));
      before.erase(it);
    }
  }
  for (auto& [id, a] : before) {
    a.ended = now;
    out.push_back({"resolved", a});
  }
  if (dry_run) return out;

  SqliteTransaction tx(db_);
  auto upsert = db_.prepare(
      "INSERT INTO alerts (rule, key, kind, severity, summary, description, value_usd, labels, started, ended) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (rule, key) DO UPDATE SET kind = ?3, severity = ?4, "
      "summary = ?5, description = ?6, value_usd = ?7, labels = ?8, started = ?9, ended = ?10");
  auto put = [&](const StoredAlert& a) {
    upsert.bind(1, a.rule).bind(2, a.key).bind(3, a.kind).bind(4, a.severity).bind(5, a.summary).bind(6, a.description);
    upsert.bind(7, a.value_usd).bind(8, a.labels_json).bind(9, a.started).bind(10, a.ended);
    upsert.run();
  };
  auto enqueue = db_.prepare(
      "INSERT INTO outbox (notifier, event, rule, key, kind, severity, summary, description, value_usd, labels, started, ended, created) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  for (const auto& a : refreshed) put(a);
  for (const auto& t : out) {
    put(t.alert);
    for (const auto& n : notifiers) {
      const StoredAlert& a = t.alert;
      enqueue.bind(1, n).bind(2, t.event).bind(3, a.rule).bind(4, a.key).bind(5, a.kind).bind(6, a.severity).bind(7, a.summary);
      enqueue.bind(8, a.description).bind(9, a.value_usd).bind(10, a.labels_json).bind(11, a.started).bind(12, a.ended).bind(13, now);
      enqueue.run();
    }
  }
  tx.commit();
  return out;
}

std::vector<OutboxEntry> AlertState::pending() {
  std::vector<OutboxEntry> out;
  auto st = db_.prepare(
      "SELECT id, notifier, event, rule, key, kind, severity, summary, description, value_usd, labels, started, ended, created, attempts, "
      "last_error FROM outbox ORDER BY id");
  while (st.step()) {
    OutboxEntry e;
    e.id = st.column_int(0);
    e.notifier = st.column_text(1);
    e.event = st.column_text(2);
    e.alert = {st.column_text(3), st.column_text(5), st.column_text(4), st.column_text(6), st.column_text(7), st.column_text(8),
               st.column_double(9), st.column_text(10), st.column_double(11), st.column_double(12)};
    e.created = st.column_double(13);
    e.attempts = static_cast<int>(st.column_int(14));
    e.last_error = st.column_text(15);
    out.push_back(e);
  }
  return out;
}

void AlertState::delivered(std::int64_t id) { db_.prepare("DELETE FROM outbox WHERE id = ?1").bind(1, id).run(); }

void AlertState::failed(std::int64_t id, const std::string& error) {
  db_.prepare("UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1").bind(1, id).bind(2, error).run();
}

std::string default_alert_state_path() {
  if (const char* s = std::getenv("XDG_STATE_HOME"); s && *s) return std::string(s) + "/frugal/alerts.db";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/state/frugal/alerts.db";
}

}  // namespace frugal::alert
