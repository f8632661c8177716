#include "arm-api/store/store.h"

#include <sqlite3.h>

#include <ctime>

namespace azlb::armstore {

namespace {
// Each entry moves the schema from version i to i+1. Never edit a shipped entry; append.
const char* const kMigrations[] = {
    // 0 -> 1: resources and long-running operations.
    "CREATE TABLE resources(key TEXT PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL,"
    " body TEXT NOT NULL);"
    "CREATE TABLE operations(id TEXT PRIMARY KEY, body TEXT NOT NULL, created INTEGER NOT NULL);",
    // 1 -> 2: list-by-type lookups.
    "CREATE INDEX resources_type ON resources(type);",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == Store::kSchemaVersion);

struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

Unexpected<Error> sqlFail(sqlite3* db, const std::string& what) {
  return fail(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}
}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    auto err = sqlFail(db, "opening database " + path);
    sqlite3_close(db);
    return err;
  }
  std::unique_ptr<Store> store(new Store(db));
  sqlite3_busy_timeout(db, 5000);
  if (path != ":memory:") {
    // WAL + NORMAL: a commit is in the OS before apply() returns, so kill -9 loses nothing
    // acknowledged (power loss may lose the last commits; documented in README).
    if (auto r = store->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !r)
      return unexpected(r.error());
  }
  if (auto r = store->migrate(); !r) return unexpected(r.error());
  return store;
}

Store::~Store() {
  sqlite3_close(db_);
}

Result<void> Store::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : "unknown error";
    sqlite3_free(msg);
    return fail(std::string("sqlite: ") + m);
  }
  return {};
}

Result<void> Store::migrate() {
  {
    Stmt st;
    if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &st.s, nullptr) != SQLITE_OK ||
        sqlite3_step(st.s) != SQLITE_ROW)
      return sqlFail(db_, "reading schema version");
    version_ = sqlite3_column_int(st.s, 0);
  }
  if (version_ > kSchemaVersion)
    return fail("database schema version " + std::to_string(version_) +
                " is newer than this azlb understands (" + std::to_string(kSchemaVersion) +
                "); upgrade azlb or use another --data-dir");
  while (version_ < kSchemaVersion) {
    std::string sql = std::string("BEGIN IMMEDIATE;") + kMigrations[version_] +
                      "PRAGMA user_version=" + std::to_string(version_ + 1) + ";COMMIT;";
    if (auto r = exec(sql.c_str()); !r) {
      (void)exec("ROLLBACK");
      return fail("migrating schema to version " + std::to_string(version_ + 1) + ": " +
                  r.error().message());
    }
    ++version_;
  }
  return {};
}

Result<std::vector<ResourceRow>> Store::loadResources() {
  Stmt st;
  if (sqlite3_prepare_v2(db_, "SELECT key,id,type,body FROM resources ORDER BY key", -1, &st.s,
                         nullptr) != SQLITE_OK)
    return sqlFail(db_, "loading resources");
  std::vector<ResourceRow> rows;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    auto col = [&](int i) {
      auto p = sqlite3_column_text(st.s, i);
      return std::string(p ? reinterpret_cast<const char*>(p) : "");
    };
    rows.push_back({col(0), col(1), col(2), col(3)});
  }
  if (rc != SQLITE_DONE) return sqlFail(db_, "loading resources");
  return rows;
}

Result<std::vector<OperationRow>> Store::loadOperations() {
  Stmt st;
  if (sqlite3_prepare_v2(db_, "SELECT id,body FROM operations ORDER BY created", -1, &st.s,
                         nullptr) != SQLITE_OK)
    return sqlFail(db_, "loading operations");
  std::vector<OperationRow> rows;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    rows.push_back({reinterpret_cast<const char*>(sqlite3_column_text(st.s, 0)),
                    reinterpret_cast<const char*>(sqlite3_column_text(st.s, 1))});
  }
  if (rc != SQLITE_DONE) return sqlFail(db_, "loading operations");
  return rows;
}

Result<void> Store::apply(const Batch& batch) {
  if (batch.empty()) return {};
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
  auto rollback = [&](Unexpected<Error> e) -> Result<void> {
    (void)exec("ROLLBACK");
    return e;
  };
  {
    Stmt put, del, op;
    if (sqlite3_prepare_v2(db_,
                           "INSERT OR REPLACE INTO resources(key,id,type,body) VALUES(?,?,?,?)", -1,
                           &put.s, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db_, "DELETE FROM resources WHERE key=?", -1, &del.s, nullptr) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db_,
                           "INSERT INTO operations(id,body,created) VALUES(?,?,?) "
                           "ON CONFLICT(id) DO UPDATE SET body=excluded.body",
                           -1, &op.s, nullptr) != SQLITE_OK)
      return rollback(sqlFail(db_, "preparing write"));
    for (const auto& key : batch.deletes) {
      sqlite3_bind_text(del.s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(del.s) != SQLITE_DONE) return rollback(sqlFail(db_, "deleting " + key));
      sqlite3_reset(del.s);
    }
    for (const auto& row : batch.puts) {
      sqlite3_bind_text(put.s, 1, row.key.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(put.s, 2, row.id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(put.s, 3, row.type.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(put.s, 4, row.body.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(put.s) != SQLITE_DONE) return rollback(sqlFail(db_, "writing " + row.id));
      sqlite3_reset(put.s);
    }
    for (const auto& row : batch.operations) {
      sqlite3_bind_text(op.s, 1, row.id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(op.s, 2, row.body.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(op.s, 3, static_cast<sqlite3_int64>(std::time(nullptr)));
      if (sqlite3_step(op.s) != SQLITE_DONE)
        return rollback(sqlFail(db_, "writing operation " + row.id));
      sqlite3_reset(op.s);
    }
  }
  if (auto r = exec("COMMIT"); !r) return rollback(unexpected(r.error()));
  return {};
}

Result<void> Store::pruneOperations(const std::vector<std::string>& operationIds) {
  if (operationIds.empty()) return {};
  if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
  {
    Stmt del;
    if (sqlite3_prepare_v2(db_, "DELETE FROM operations WHERE id=?", -1, &del.s, nullptr) !=
        SQLITE_OK) {
      auto e = sqlFail(db_, "preparing operation prune");
      (void)exec("ROLLBACK");
      return e;
    }
    for (const auto& id : operationIds) {
      sqlite3_bind_text(del.s, 1, id.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(del.s) != SQLITE_DONE) {
        auto e = sqlFail(db_, "deleting operation " + id);
        (void)exec("ROLLBACK");
        return e;
      }
      sqlite3_reset(del.s);
    }
  }
  if (auto r = exec("COMMIT"); !r) {
    (void)exec("ROLLBACK");
    return r;
  }
  return {};
}

}  // namespace azlb::armstore
