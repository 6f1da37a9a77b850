#include "schedd/store.h"

#include <fmt/format.h>

namespace frugal::schedd {

namespace {
constexpr const char* kColumns =
    "id, spec, state, attempts, stop_reason, stop_then, pid, pid_start, gpu_indices, devices, exit_code, submitted, "
    "started, finished, stop_sent, next_fire, parent, note, crashes, not_before";
}

JobStore::JobStore(const std::string& path) : db_(path) {
  // FULL: a committed change survives power loss too, not only a daemon crash.
  db_.exec("PRAGMA synchronous=FULL;");
  db_.exec(
      "CREATE TABLE IF NOT EXISTS jobs("
      " id INTEGER PRIMARY KEY AUTOINCREMENT, spec TEXT NOT NULL, state TEXT NOT NULL, priority INTEGER NOT NULL,"
      " attempts INTEGER NOT NULL DEFAULT 0, stop_reason TEXT NOT NULL DEFAULT '', stop_then TEXT NOT NULL DEFAULT '',"
      " pid INTEGER NOT NULL DEFAULT 0, pid_start INTEGER NOT NULL DEFAULT 0, gpu_indices TEXT NOT NULL DEFAULT '[]',"
      " devices TEXT NOT NULL DEFAULT '[]', exit_code INTEGER NOT NULL DEFAULT 0, submitted REAL NOT NULL DEFAULT 0,"
      " started REAL NOT NULL DEFAULT 0, finished REAL NOT NULL DEFAULT 0, stop_sent REAL NOT NULL DEFAULT 0,"
      " next_fire REAL NOT NULL DEFAULT 0, parent INTEGER NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT '');"
      "CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);");
  // Columns added after the first release: a state dir from an older frugal gains them in place.
  bool has_crashes = false;
  auto cols = db_.prepare("PRAGMA table_info(jobs)");
  while (cols.step()) has_crashes |= cols.column_text(1) == "crashes";
  if (!has_crashes) {
    db_.exec("ALTER TABLE jobs ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;"
             "ALTER TABLE jobs ADD COLUMN not_before REAL NOT NULL DEFAULT 0;");
  }
}

std::int64_t JobStore::insert(const JobSpec& spec, double now, State state, double next_fire, std::int64_t parent) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("INSERT INTO jobs(spec, state, priority, submitted, next_fire, parent) VALUES(?,?,?,?,?,?)");
  st.bind(1, spec_to_json(spec).dump()).bind(2, std::string(to_string(state))).bind(3, spec.priority).bind(4, now);
  st.bind(5, next_fire).bind(6, parent);
  st.run();
  auto id = db_.prepare("SELECT last_insert_rowid()");
  id.step();
  return id.column_int(0);
}

Job JobStore::read(SqliteStmt& st) {
  Job j;
  j.id = st.column_int(0);
  auto cached = specs_.find(j.id);
  if (cached == specs_.end()) cached = specs_.emplace(j.id, spec_from_json(nlohmann::json::parse(st.column_text(1)))).first;
  j.spec = cached->second;
  j.state = state_from(st.column_text(2));
  j.attempts = static_cast<int>(st.column_int(3));
  j.stop_reason = st.column_text(4);
  j.stop_then = st.column_text(5);
  j.pid = st.column_int(6);
  j.pid_start = st.column_int(7);
  j.gpu_indices = nlohmann::json::parse(st.column_text(8)).get<std::vector<int>>();
  j.devices = nlohmann::json::parse(st.column_text(9)).get<std::vector<std::string>>();
  j.exit_code = static_cast<int>(st.column_int(10));
  j.submitted = st.column_double(11);
  j.started = st.column_double(12);
  j.finished = st.column_double(13);
  j.stop_sent = st.column_double(14);
  j.next_fire = st.column_double(15);
  j.parent = st.column_int(16);
  j.note = st.column_text(17);
  j.crashes = static_cast<int>(st.column_int(18));
  j.not_before = st.column_double(19);
  return j;
}

std::optional<Job> JobStore::get(std::int64_t id) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(fmt::format("SELECT {} FROM jobs WHERE id = ?", kColumns));
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return read(st);
}

std::vector<Job> JobStore::list(const std::vector<State>& states, int limit) {
  std::lock_guard lock(mu_);
  std::string where;
  for (const auto s : states) where += fmt::format("{}'{}'", where.empty() ? " WHERE state IN (" : ",", to_string(s));
  if (!where.empty()) where += ")";
  auto st = db_.prepare(fmt::format("SELECT {} FROM jobs{} ORDER BY id DESC LIMIT {}", kColumns, where, limit));
  std::vector<Job> out;
  while (st.step()) out.push_back(read(st));
  return out;
}

std::vector<Job> JobStore::active() {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(
      fmt::format("SELECT {} FROM jobs WHERE state IN ('queued','running','stopping','cron') ORDER BY id", kColumns));
  std::vector<Job> out;
  while (st.step()) out.push_back(read(st));
  return out;
}

void JobStore::write(const Job& j) {
  auto st = db_.prepare(
      "UPDATE jobs SET state=?, attempts=?, stop_reason=?, stop_then=?, pid=?, pid_start=?, gpu_indices=?, devices=?,"
      " exit_code=?, started=?, finished=?, stop_sent=?, next_fire=?, note=?, crashes=?, not_before=? WHERE id=?");
  st.bind(1, std::string(to_string(j.state))).bind(2, j.attempts).bind(3, j.stop_reason).bind(4, j.stop_then);
  st.bind(5, j.pid).bind(6, j.pid_start).bind(7, nlohmann::json(j.gpu_indices).dump()).bind(8, nlohmann::json(j.devices).dump());
  st.bind(9, j.exit_code).bind(10, j.started).bind(11, j.finished).bind(12, j.stop_sent).bind(13, j.next_fire);
  st.bind(14, j.note).bind(15, j.crashes).bind(16, j.not_before).bind(17, j.id);
  st.run();
}

void JobStore::update(const Job& j) {
  std::lock_guard lock(mu_);
  write(j);
}

void JobStore::update_all(const std::vector<Job>& jobs) {
  if (jobs.empty()) return;
  std::lock_guard lock(mu_);
  SqliteTransaction tx(db_);
  for (const auto& j : jobs) write(j);
  tx.commit();
}

std::int64_t JobStore::fire_cron(const Job& t, double now, double next_fire) {
  std::lock_guard lock(mu_);
  SqliteTransaction tx(db_);
  JobSpec copy = t.spec;
  copy.cron.clear();
  auto st = db_.prepare("INSERT INTO jobs(spec, state, priority, submitted, parent) VALUES(?,?,?,?,?)");
  st.bind(1, spec_to_json(copy).dump()).bind(2, std::string(to_string(State::kQueued))).bind(3, copy.priority);
  st.bind(4, now).bind(5, t.id);
  st.run();
  auto id = db_.prepare("SELECT last_insert_rowid()");
  id.step();
  const std::int64_t new_id = id.column_int(0);
  Job updated = t;
  updated.next_fire = next_fire;
  write(updated);
  tx.commit();
  return new_id;
}

long long JobStore::count(State s) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("SELECT COUNT(*) FROM jobs WHERE state = ?");
  st.bind(1, std::string(to_string(s)));
  st.step();
  return st.column_int(0);
}

}  // namespace frugal::schedd
