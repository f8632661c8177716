// Per-rule hit counters of the network security groups a host agent evaluates, kept for the life
// of the process: a rule keeps its slot (by group, direction and name) across snapshots, so its
// count survives every plan change. Slots are handed out on the control thread when a snapshot
// is compiled; the forwarding thread only adds (one relaxed store, no lock); rows() and name()
// read from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/dataplane/counters.h"
#include "emulator/dataplane/nsg.h"

namespace azlb::runtime {

class NsgHitTable {
 public:
  static constexpr std::size_t kCapacity = 4096;

  /// The slot of (group id, direction, rule name); NsgRule::kNoSlot once the table is full.
  std::uint32_t slotFor(const std::string& group, bool inbound, const std::string& rule);
  void hit(std::uint32_t slot) {
    if (slot < kCapacity) counters_[slot].add();
  }

  struct Row {
    std::string group;      // the group's id
    std::string direction;  // "Inbound" or "Outbound"
    std::string rule;
    std::uint64_t hits = 0;
  };
  /// Every rule that has a slot, in slot order. Allocates.
  std::vector<Row> rows() const;
  /// "group-name/rule" for log lines; "" for a slot nobody holds. Allocates.
  std::string name(std::uint32_t slot) const;

 private:
  mutable std::mutex mu_;  // slots_ and names_ (control thread writes, status threads read)
  std::map<std::string, std::uint32_t> slots_;
  std::vector<Row> names_;  // [slot]: who holds it (hits unused)
  std::array<dataplane::Counter, kCapacity> counters_{};
};

}  // namespace azlb::runtime
