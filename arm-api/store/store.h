// The SQLite store: the only user of sqlite3. One file in the data dir (or ":memory:"), WAL mode,
// a versioned schema with migrations, and one transaction per change batch. It stores opaque
// JSON text keyed by lower-case resource id; the service owns what the documents mean.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

struct sqlite3;

namespace azlb::armstore {

struct ResourceRow {
  std::string key;   // lower-case id
  std::string id;    // canonical id
  std::string type;  // e.g. Microsoft.Network/loadBalancers
  std::string body;  // JSON text
};

struct OperationRow {
  std::string id;
  std::string body;  // JSON text
};

/// A set of writes committed atomically by Store::apply.
struct Batch {
  std::vector<ResourceRow> puts;
  std::vector<std::string> deletes;      // keys
  std::vector<OperationRow> operations;  // upserts
  bool empty() const { return puts.empty() && deletes.empty() && operations.empty(); }
};

class Store {
 public:
  /// Opens (creating if needed) the database at path, or an in-memory one for ":memory:", and
  /// migrates the schema to the current version. Errors name the file and SQLite's message.
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  static constexpr int kSchemaVersion = 2;
  int schemaVersion() const { return version_; }

  Result<std::vector<ResourceRow>> loadResources();
  Result<std::vector<OperationRow>> loadOperations();
  /// Commits every write of the batch in one transaction, or none of them.
  Result<void> apply(const Batch& batch);
  /// Deletes the given operation records in one transaction (unknown ids are ignored). The
  /// service decides which records clients can no longer need (Service: operation retention).
  Result<void> pruneOperations(const std::vector<std::string>& operationIds);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  Result<void> migrate();
  Result<void> exec(const char* sql);
  sqlite3* db_;
  int version_ = 0;
};

}  // namespace azlb::armstore
