#include "telemetry/history.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

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
CREATE TABLE IF NOT EXISTS samples(ts REAL, uuid TEXT, seconds REAL, util REAL, util_known INTEGER,
  idle_seconds REAL, cost REAL, idle_cost REAL, memory_used REAL, power REAL);
CREATE INDEX IF NOT EXISTS samples_ts ON samples(ts);
CREATE TABLE IF NOT EXISTS minutes(ts INTEGER, uuid TEXT, seconds REAL, util_seconds REAL, known_seconds REAL,
  idle_seconds REAL, cost REAL, idle_cost REAL, PRIMARY KEY(ts, uuid));
CREATE TABLE IF NOT EXISTS hours(ts INTEGER, uuid TEXT, seconds REAL, util_seconds REAL, known_seconds REAL,
  idle_seconds REAL, cost REAL, idle_cost REAL, PRIMARY KEY(ts, uuid));
)sql";

std::string rollup_sql(const char* table) {
  return fmt::format(
      "INSERT INTO {0}(ts, uuid, seconds, util_seconds, known_seconds, idle_seconds, cost, idle_cost) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(ts, uuid) DO UPDATE SET "
      "seconds = seconds + ?3, util_seconds = util_seconds + ?4, known_seconds = known_seconds + ?5, "
      "idle_seconds = idle_seconds + ?6, cost = cost + ?7, idle_cost = idle_cost + ?8",
      table);
}

}  // namespace

struct HistoryStore::Statements {
  SqliteStmt gpu, raw, minute, hour;
  explicit Statements(SqliteDb& db)
      : gpu(db.prepare("INSERT INTO gpus(uuid, idx, name) VALUES(?1, ?2, ?3) "
                       "ON CONFLICT(uuid) DO UPDATE SET idx = ?2, name = ?3")),
        raw(db.prepare("INSERT INTO samples VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")),
        minute(db.prepare(rollup_sql("minutes"))),
        hour(db.prepare(rollup_sql("hours"))) {}
};

HistoryStore::HistoryStore(const std::string& path, Retention retention) : db_(path), retention_(retention) {
  db_.exec(kSchema);
  st_ = std::make_unique<Statements>(db_);
}

HistoryStore::~HistoryStore() = default;

void HistoryStore::record(const Snapshot& snap, const std::vector<AccountStep>& steps) {
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
  tx.commit();
  for (auto& [uuid, identity] : new_identities) written_gpus_[uuid] = std::move(identity);
}

int HistoryStore::prune(double now) {
  SqliteTransaction tx(db_);
  int deleted = 0;
  for (auto [table, keep] : {std::pair{"samples", retention_.raw_s}, std::pair{"minutes", retention_.minute_s},
                             std::pair{"hours", retention_.hour_s}}) {
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

}  // namespace frugal::telemetry
