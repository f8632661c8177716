#include "arm-api/service/state.h"

#include "arm-api/common/resource_id.h"

namespace azlb::armservice {

void Txn::forEachOfType(const std::string& lowerType,
                        const std::function<void(const std::string&, const Resource&)>& fn) const {
  for (const auto& [key, r] : base_.all())
    if (!writes_.count(key) && armapi::iequals(r.type, lowerType)) fn(key, r);
  for (const auto& [key, r] : writes_)
    if (r && armapi::iequals(r->type, lowerType)) fn(key, *r);
}

void Txn::forEachWithPrefix(
    const std::string& prefix,
    const std::function<void(const std::string&, const Resource&)>& fn) const {
  for (auto it = base_.all().lower_bound(prefix); it != base_.all().end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (!writes_.count(it->first)) fn(it->first, it->second);
  }
  for (const auto& [key, r] : writes_)
    if (r && key.compare(0, prefix.size(), prefix) == 0) fn(key, *r);
}

armstore::Batch Txn::toBatch() const {
  armstore::Batch b;
  for (const auto& [key, r] : writes_) {
    if (r)
      b.puts.push_back({key, r->id, r->type, r->body.dump()});
    else
      b.deletes.push_back(key);
  }
  return b;
}

void Txn::applyTo(State& state) const {
  for (const auto& [key, r] : writes_) {
    if (r)
      state.put(key, *r);
    else
      state.erase(key);
  }
}

}  // namespace azlb::armservice
