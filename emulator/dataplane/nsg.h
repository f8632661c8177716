// Network security groups on the wire, Azure's model: a VM's inbound flow must be allowed by its
// subnet's group and then by its NIC's group, an outbound flow by the NIC's and then the
// subnet's; in each group the rule with the lowest priority number that matches decides; a
// level without a group allows. Stateful: only a flow's first packet is evaluated (the caller
// keeps the flow), so replies of an allowed flow pass. Service tags, application security
// groups and "*" are resolved into address ranges by the controller before they get here.
// Pure and allocation-free per evaluation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emulator/dataplane/flow_key.h"

namespace azlb::dataplane {

struct PortRange {
  std::uint16_t first = 0, last = 65535;
  constexpr bool contains(std::uint16_t p) const { return p >= first && p <= last; }
};

struct AddressRange {
  std::uint32_t first = 0, last = 0xffffffff;  // inclusive, host order
  constexpr bool contains(Ipv4Address a) const { return a.value >= first && a.value <= last; }
};

enum class NsgAccess : std::uint8_t { Allow, Deny };

/// One security rule, compiled: empty lists match anything.
struct NsgRule {
  std::string name;  // for verdicts, logs and counters
  std::uint32_t priority = 0;
  NsgAccess access = NsgAccess::Deny;
  std::uint8_t protocol = 0;  // 0: any ("*"); else the IP protocol number (6, 17, 1, 50, 51)
  std::vector<AddressRange> sources, destinations;
  std::vector<PortRange> sourcePorts, destinationPorts;
  /// The host agent's hit counter of this rule (NsgHitTable slot); kNoSlot: not counted.
  std::uint32_t slot = kNoSlot;
  static constexpr std::uint32_t kNoSlot = 0xFFFFFFFFU;

  bool matches(const FlowKey& flow) const;
};

/// One group's rules of one direction, sorted by priority (its own rules and Azure's defaults).
struct NsgRules {
  std::string group;  // the group's id
  std::vector<NsgRule> rules;

  /// The rule that decides the flow, or nullptr when none matches (never with Azure's defaults).
  const NsgRule* decide(const FlowKey& flow) const;
};

struct NsgVerdict {
  bool allowed = true;
  const NsgRules* group = nullptr;  // the group whose rule decided; null: no group at any level
  const NsgRule* rule = nullptr;
};

/// Inbound: `first` is the subnet's group, `second` the NIC's; outbound: NIC's, then subnet's.
/// Either may be null (no group at that level). The verdict names the deciding rule: the first
/// Deny, else the last level's Allow.
NsgVerdict evaluateNsg(const NsgRules* first, const NsgRules* second, const FlowKey& flow);

/// Sorts rules by priority (ties keep their order).
void sortByPriority(NsgRules& group);

}  // namespace azlb::dataplane
