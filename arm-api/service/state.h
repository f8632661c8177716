// Internal: the in-memory resource state (the store's mirror) and the write transaction that
// validation reads through. Not part of the public API.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "arm-api/store/store.h"

namespace azlb::armservice {

using json = nlohmann::json;

struct Resource {
  std::string id;    // canonical
  std::string type;  // canonical, e.g. Microsoft.Network/loadBalancers
  json body;         // stored body (no computed back-references)
};

class State {
 public:
  const Resource* find(const std::string& key) const {
    auto it = byKey_.find(key);
    return it == byKey_.end() ? nullptr : &it->second;
  }
  void put(const std::string& key, Resource r) { byKey_[key] = std::move(r); }
  void erase(const std::string& key) { byKey_.erase(key); }
  const std::map<std::string, Resource>& all() const { return byKey_; }

 private:
  std::map<std::string, Resource> byKey_;
};

/// Reads see the transaction's own writes over the committed state. Nothing reaches the state
/// or the store until the service commits the transaction.
class Txn {
 public:
  explicit Txn(const State& base) : base_(base) {}

  const Resource* find(const std::string& key) const {
    auto it = writes_.find(key);
    if (it != writes_.end()) return it->second ? &*it->second : nullptr;
    return base_.find(key);
  }
  void put(const std::string& key, Resource r) { writes_[key] = std::move(r); }
  void erase(const std::string& key) { writes_[key] = std::nullopt; }

  /// Calls fn(key, resource) for every resource of the (case-insensitive, lower-cased) type.
  void forEachOfType(const std::string& lowerType,
                     const std::function<void(const std::string&, const Resource&)>& fn) const;
  /// Calls fn(key, resource) for every resource whose key starts with prefix.
  void forEachWithPrefix(const std::string& prefix,
                         const std::function<void(const std::string&, const Resource&)>& fn) const;

  armstore::Batch toBatch() const;
  void applyTo(State& state) const;
  bool empty() const { return writes_.empty(); }
  const std::map<std::string, std::optional<Resource>>& writes() const { return writes_; }

 private:
  const State& base_;
  std::map<std::string, std::optional<Resource>> writes_;
};

}  // namespace azlb::armservice
