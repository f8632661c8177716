#include "emulator/runtime/nsg_hits.h"

namespace azlb::runtime {

std::uint32_t NsgHitTable::slotFor(const std::string& group, bool inbound, const std::string& rule) {
  const char* direction = inbound ? "Inbound" : "Outbound";
  std::lock_guard lock(mu_);
  auto [it, added] = slots_.emplace(group + "|" + direction + "|" + rule, dataplane::NsgRule::kNoSlot);
  if (added && names_.size() < kCapacity) {
    it->second = static_cast<std::uint32_t>(names_.size());
    names_.push_back({group, direction, rule, 0});
  }
  return it->second;
}

std::vector<NsgHitTable::Row> NsgHitTable::rows() const {
  std::lock_guard lock(mu_);
  std::vector<Row> out = names_;
  for (std::size_t i = 0; i < out.size(); ++i) out[i].hits = counters_[i].value();
  return out;
}

std::string NsgHitTable::name(std::uint32_t slot) const {
  std::lock_guard lock(mu_);
  if (slot >= names_.size()) return "";
  const std::string& group = names_[slot].group;
  return group.substr(group.rfind('/') + 1) + "/" + names_[slot].rule;
}

}  // namespace azlb::runtime
