// A thin RAII layer over SQLite: one connection, prepared statements, errors as frugal::Error
// naming the database file. State that must survive a crash lives in SQLite (WAL mode).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace frugal {

class SqliteStmt;

class SqliteDb {
 public:
  // Opens (creating) `path`, creating missing parent folders, in WAL mode with a busy timeout so
  // a reader in another process does not make a writer fail.
  explicit SqliteDb(const std::string& path);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  void exec(std::string_view sql);  // one or more statements, no results
  SqliteStmt prepare(std::string_view sql);
  int changes();  // rows changed by the last statement
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }
  [[noreturn]] void fail(std::string_view what);

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement. bind() is 1-based like SQLite; step() returns true while rows come.
class SqliteStmt {
 public:
  SqliteStmt(SqliteDb& db, sqlite3_stmt* st) : db_(&db), st_(st) {}
  ~SqliteStmt();
  SqliteStmt(SqliteStmt&& o) noexcept : db_(o.db_), st_(o.st_) { o.st_ = nullptr; }
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  SqliteStmt& bind(int i, double v);
  SqliteStmt& bind(int i, std::int64_t v);
  SqliteStmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  SqliteStmt& bind(int i, const std::string& v);
  SqliteStmt& bind_null(int i);
  bool step();
  void run();    // step to completion, then reset for reuse
  void reset();  // clear the previous execution (bindings stay)
  double column_double(int i);
  std::int64_t column_int(int i);
  std::string column_text(int i);
  bool column_null(int i);

 private:
  SqliteDb* db_;
  sqlite3_stmt* st_;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back when destroyed without commit().
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db);
  ~SqliteTransaction();
  void commit();

 private:
  SqliteDb& db_;
  bool done_ = false;
};

}  // namespace frugal
