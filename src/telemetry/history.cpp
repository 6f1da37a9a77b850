#include "telemetry/history.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "core/error.h"
#include "core/toml_util.h"

namespace frugal::telemetry {

Retention load_retention(const std::string& data_dir) {
  const std::string file = data_dir + "/telemetry/defaults.toml";
  const toml::table t = load_toml_file(file);
  return {require_number(t, "raw_retention_seconds", file), require_number(t, "minute_retention_seconds", file),
          require_number(t, "hour_retention_seconds", file)};
}

std::string default_history_path() {
  if (const char* s = std::getenv("XDG_STATE_HOME"); s && *s) return std::string(s) + "/frugal/telemetry.db";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/state/frugal/telemetry.db";
}

namespace {

// One schema for the three tiers: `ts` is the sample time (raw) or the bucket start.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS gpus(uuid TEXT PRIMARY KEY, idx INTEGER, name TEXT);
CREATE TABLE IF NOT EXISTS host(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS samples(ts REAL, uuid TEXT, seconds REAL, util REAL, util_known INTEGER,
  idle_seconds REAL, cost REAL, idle_cost REAL, memory_used REAL, power REAL);
CREATE INDEX IF NOT EXISTS samples_ts ON samples(ts);
CREATE TABLE IF NOT EXISTS minutes(ts INTEGER, uuid TEXT, seconds REAL, util_seconds REAL, known_seconds REAL,
  idle_seconds REAL, cost REAL, idle_cost REAL, PRIMARY KEY(ts, uuid));
CREATE TABLE IF NOT EXISTS hours(ts INTEGER, uuid TEXT, seconds REAL, util_seconds REAL, known_seconds REAL,
  idle_seconds REAL, cost REAL, idle_cost REAL, PRIMARY KEY(ts, uuid));
CREATE TABLE IF NOT EXISTS workloads(id TEXT PRIMARY KEY, kind TEXT, user TEXT, job TEXT, account TEXT,
  partition TEXT, namespace TEXT, pod TEXT, unit TEXT);
CREATE TABLE IF NOT EXISTS workload_minutes(ts INTEGER, workload TEXT, uuid TEXT, gpu_seconds REAL,
  busy_seconds REAL, known_seconds REAL, cost REAL, idle_cost REAL, energy REAL, max_memory REAL,
  PRIMARY KEY(ts, workload, uuid));
CREATE TABLE IF NOT EXISTS workload_hours(ts INTEGER, workload TEXT, uuid TEXT, gpu_seconds REAL,
  busy_seconds REAL, known_seconds REAL, cost REAL, idle_cost REAL, energy REAL, max_memory REAL,
  PRIMARY KEY(ts, workload, uuid));
)sql";

std::string workload_rollup_sql(const char* table) {
  return fmt::format(
      "INSERT INTO {0}(ts, workload, uuid, gpu_seconds, busy_seconds, known_seconds, cost, idle_cost, energy, "
      "max_memory) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT(ts, workload, uuid) DO UPDATE SET "
      "gpu_seconds = gpu_seconds + ?4, busy_seconds = busy_seconds + ?5, known_seconds = known_seconds + ?6, "
      "cost = cost + ?7, idle_cost = idle_cost + ?8, energy = energy + ?9, max_memory = MAX(max_memory, ?10)",
      table);
}

std::string rollup_sql(const char* table) {
  return fmt::format(
      "INSERT INTO {0}(ts, uuid, seconds, util_seconds, known_seconds, idle_seconds, cost, idle_cost) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(ts, uuid) DO UPDATE SET "
      "seconds = seconds + ?3, util_seconds = util_seconds + ?4, known_seconds = known_seconds + ?5, "
      "idle_seconds = idle_seconds + ?6, cost = cost + ?7, idle_cost = idle_cost + ?8",
      table);
}

}  // namespace

const std::vector<std::string>& workload_groupings() {
  static const std::vector<std::string> g = {"workload", "job", "pod", "namespace", "user", "unit", "account", "partition"};
  return g;
}

struct HistoryStore::Statements {
  SqliteStmt gpu, raw, minute, hour, workload, workload_minute, workload_hour;
  explicit Statements(SqliteDb& db)
      : gpu(db.prepare("INSERT INTO gpus(uuid, idx, name) VALUES(?1, ?2, ?3) "
                       "ON CONFLICT(uuid) DO UPDATE SET idx = ?2, name = ?3")),
        raw(db.prepare("INSERT INTO samples VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")),
        minute(db.prepare(rollup_sql("minutes"))),
        hour(db.prepare(rollup_sql("hours"))),
        workload(db.prepare("INSERT INTO workloads VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(id) DO UPDATE "
                            "SET kind = ?2, user = ?3, job = ?4, account = ?5, partition = ?6, namespace = ?7, "
                            "pod = ?8, unit = ?9")),
        workload_minute(db.prepare(workload_rollup_sql("workload_minutes"))),
        workload_hour(db.prepare(workload_rollup_sql("workload_hours"))) {}
};

HistoryStore::HistoryStore(const std::string& path, Retention retention) : db_(path), retention_(retention) {
  db_.exec(kSchema);
  st_ = std::make_unique<Statements>(db_);
}

HistoryStore::~HistoryStore() = default;

void HistoryStore::set_host(const std::map<std::string, std::string>& facts) {
  SqliteTransaction tx(db_);
  auto st = db_.prepare("INSERT INTO host(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
  for (const auto& [k, v] : facts) {
    if (v.empty()) continue;
    st.bind(1, k).bind(2, v);
    st.run();
  }
  tx.commit();
}

std::map<std::string, std::string> HistoryStore::host() {
  std::map<std::string, std::string> out;
  auto st = db_.prepare("SELECT key, value FROM host");
  while (st.step()) out[st.column_text(0)] = st.column_text(1);
  return out;
}

void HistoryStore::record(const Snapshot& snap, const std::vector<AccountStep>& steps,
                          const std::vector<WorkloadStep>& workload_steps) {
  SqliteTransaction tx(db_);
  std::vector<std::pair<std::string, std::string>> new_identities;  // remembered once committed
  for (const auto& s : steps) {
    const GpuSample* g = nullptr;
    for (const auto& x : snap.gpus) {
      if (x.index == s.index) g = &x;
    }
    const std::string name = g ? g->name : std::string();
    if (std::string identity = std::to_string(s.index) + " " + name; written_gpus_[s.uuid] != identity) {
      st_->gpu.bind(1, s.uuid).bind(2, static_cast<std::int64_t>(s.index)).bind(3, name);
      st_->gpu.run();
      new_identities.emplace_back(s.uuid, std::move(identity));
    }
    st_->raw.bind(1, snap.time).bind(2, s.uuid).bind(3, s.seconds).bind(4, s.utilization).bind(5, s.utilization_known ? 1 : 0);
    st_->raw.bind(6, s.idle_seconds).bind(7, s.cost).bind(8, s.idle_cost);
    if (g && g->memory_used_bytes) {
      st_->raw.bind(9, static_cast<double>(*g->memory_used_bytes));
    } else {
      st_->raw.bind_null(9);
    }
    if (g && g->power_watts) {
      st_->raw.bind(10, *g->power_watts);
    } else {
      st_->raw.bind_null(10);
    }
    st_->raw.run();
    const double known = s.utilization_known ? s.seconds : 0;
    for (auto [stmt, bucket] : {std::pair{&st_->minute, 60.0}, std::pair{&st_->hour, 3600.0}}) {
      const auto start = static_cast<std::int64_t>(std::floor(snap.time / bucket) * bucket);
      stmt->bind(1, start).bind(2, s.uuid).bind(3, s.seconds).bind(4, s.utilization * known).bind(5, known);
      stmt->bind(6, s.idle_seconds).bind(7, s.cost).bind(8, s.idle_cost);
      stmt->run();
    }
  }
  std::vector<std::pair<std::string, std::string>> new_workloads;
  for (const auto& w : workload_steps) {
    const std::string id = w.workload.id();
    std::string labels;
    for (const auto& [k, v] : w.workload.labels()) labels += k + "=" + v + ";";
    if (written_workloads_[id] != labels) {
      const Workload& x = w.workload;
      st_->workload.bind(1, id).bind(2, std::string(kind_name(x.kind))).bind(3, x.user).bind(4, x.job).bind(5, x.account);
      st_->workload.bind(6, x.partition).bind(7, x.namespace_).bind(8, x.pod).bind(9, x.unit);
      st_->workload.run();
      new_workloads.emplace_back(id, std::move(labels));
    }
    for (auto [stmt, bucket] : {std::pair{&st_->workload_minute, 60.0}, std::pair{&st_->workload_hour, 3600.0}}) {
      const auto start = static_cast<std::int64_t>(std::floor(snap.time / bucket) * bucket);
      stmt->bind(1, start).bind(2, id).bind(3, w.gpu_uuid).bind(4, w.gpu_seconds).bind(5, w.busy_seconds);
      stmt->bind(6, w.utilization_known ? w.gpu_seconds : 0.0).bind(7, w.cost).bind(8, w.idle_cost);
      stmt->bind(9, w.energy_joules).bind(10, w.memory_bytes);
      stmt->run();
    }
  }
  tx.commit();
  for (auto& [uuid, identity] : new_identities) written_gpus_[uuid] = std::move(identity);
  for (auto& [id, labels] : new_workloads) written_workloads_[id] = std::move(labels);
}

int HistoryStore::prune(double now) {
  SqliteTransaction tx(db_);
  int deleted = 0;
  for (auto [table, keep] : {std::pair{"samples", retention_.raw_s}, std::pair{"minutes", retention_.minute_s},
                             std::pair{"hours", retention_.hour_s}, std::pair{"workload_minutes", retention_.minute_s},
                             std::pair{"workload_hours", retention_.hour_s}}) {
    auto st = db_.prepare(fmt::format("DELETE FROM {} WHERE ts < ?1", table));
    st.bind(1, now - keep);
    st.step();
    deleted += db_.changes();
  }
  tx.commit();
  return deleted;
}

std::string HistoryStore::tier_for(double since, double now) const {
  if (since >= now - retention_.raw_s) return "raw";
  if (since >= now - retention_.minute_s) return "minute";
  return "hour";
}

std::vector<GpuUsage> HistoryStore::usage(double since, double until) {
  const std::string tier = tier_for(since, until);
  std::string sql;
  if (tier == "raw") {
    sql =
        "SELECT s.uuid, g.idx, g.name, SUM(seconds), SUM(util * seconds * util_known), SUM(seconds * util_known), "
        "SUM(idle_seconds), SUM(cost), SUM(idle_cost), MIN(ts), MAX(ts) FROM samples s JOIN gpus g USING(uuid) "
        "WHERE ts >= ?1 AND ts < ?2 GROUP BY s.uuid ORDER BY g.idx";
  } else {
    // A bucket is in the range when it starts inside it; the partial first bucket is included.
    const double bucket = tier == "minute" ? 60 : 3600;
    since = std::floor(since / bucket) * bucket;
    sql = fmt::format(
        "SELECT s.uuid, g.idx, g.name, SUM(seconds), SUM(util_seconds), SUM(known_seconds), SUM(idle_seconds), "
        "SUM(cost), SUM(idle_cost), MIN(ts), MAX(ts) FROM {} s JOIN gpus g USING(uuid) "
        "WHERE ts >= ?1 AND ts < ?2 GROUP BY s.uuid ORDER BY g.idx",
        tier == "minute" ? "minutes" : "hours");
  }
  auto st = db_.prepare(sql);
  st.bind(1, since).bind(2, until);
  std::vector<GpuUsage> out;
  while (st.step()) {
    GpuUsage u;
    u.uuid = st.column_text(0);
    u.index = static_cast<unsigned>(st.column_int(1));
    u.name = st.column_text(2);
    u.seconds = st.column_double(3);
    const double known = st.column_double(5);
    u.mean_utilization = known > 0 ? st.column_double(4) / known : 0;
    u.idle_seconds = st.column_double(6);
    u.cost = st.column_double(7);
    u.idle_cost = st.column_double(8);
    u.first_time = st.column_double(9);
    u.last_time = st.column_double(10);
    out.push_back(std::move(u));
  }
  return out;
}

std::vector<WorkloadUsage> HistoryStore::workload_usage(double since, double until, const std::string& by) {
  // The group expression per grouping; columns come from the `workloads` table (w).
  std::string group;
  if (by == "workload") group = "w.id";
  else if (by == "pod") group = "CASE WHEN w.kind = 'pod' THEN (CASE WHEN w.pod <> '' THEN w.namespace || '/' || w.pod ELSE w.id END) ELSE '' END";
  else if (by == "job") group = "CASE WHEN w.kind = 'slurm' THEN w.job ELSE '' END";
  else if (by == "namespace" || by == "user" || by == "unit" || by == "account" || by == "partition") group = "w." + by;
  else throw Error(fmt::format("--by {}: expected one of workload, job, pod, namespace, user, unit, account, partition", by));
  const bool hours = since < until - retention_.minute_s;
  const double bucket = hours ? 3600 : 60;
  since = std::floor(since / bucket) * bucket;
  const std::string sql = fmt::format(
      "SELECT g, GROUP_CONCAT(DISTINCT kind), GROUP_CONCAT(DISTINCT user), COUNT(DISTINCT workload), "
      "COUNT(DISTINCT uuid), SUM(gpu_seconds), SUM(busy_seconds), SUM(known_seconds), SUM(cost), SUM(idle_cost), "
      "SUM(energy), MAX(max_memory), MIN(ts), MAX(ts) FROM (SELECT {0} AS g, w.kind AS kind, w.user AS user, r.* "
      "FROM {1} r JOIN workloads w ON w.id = r.workload WHERE r.ts >= ?1 AND r.ts < ?2) GROUP BY g "
      "ORDER BY SUM(cost) DESC, g",
      group, hours ? "workload_hours" : "workload_minutes");
  auto st = db_.prepare(sql);
  st.bind(1, since).bind(2, until);
  std::vector<WorkloadUsage> out;
  while (st.step()) {
    WorkloadUsage u;
    u.key = st.column_text(0);
    u.kinds = st.column_text(1);
    u.users = st.column_text(2);
    u.workloads = static_cast<int>(st.column_int(3));
    u.gpus = static_cast<int>(st.column_int(4));
    u.gpu_seconds = st.column_double(5);
    u.busy_seconds = st.column_double(6);
    u.known_seconds = st.column_double(7);
    u.cost = st.column_double(8);
    u.idle_cost = st.column_double(9);
    u.energy_joules = st.column_double(10);
    u.max_memory_bytes = st.column_double(11);
    u.first_time = st.column_double(12);
    u.last_time = st.column_double(13);
    out.push_back(std::move(u));
  }
  return out;
}

}  // namespace frugal::telemetry
