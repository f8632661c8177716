#include "emulator/dataplane/nsg.h"

#include <algorithm>

namespace azlb::dataplane {

namespace {

template <typename Range, typename Value>
bool anyContains(const std::vector<Range>& ranges, Value v) {
  if (ranges.empty()) return true;
  for (const auto& r : ranges)
    if (r.contains(v)) return true;
  return false;
}

}  // namespace

bool NsgRule::matches(const FlowKey& flow) const {
  // Ports apply to TCP and UDP; other protocols match on addresses only.
  const bool ports = flow.protocol == 6 || flow.protocol == 17;
  return (protocol == 0 || protocol == flow.protocol) && anyContains(sources, flow.srcIp) &&
         anyContains(destinations, flow.dstIp) &&
         (!ports || (anyContains(sourcePorts, flow.srcPort) &&
                     anyContains(destinationPorts, flow.dstPort)));
}

const NsgRule* NsgRules::decide(const FlowKey& flow) const {
  for (const auto& rule : rules)
    if (rule.matches(flow)) return &rule;
  return nullptr;
}

NsgVerdict evaluateNsg(const NsgRules* first, const NsgRules* second, const FlowKey& flow) {
  NsgVerdict verdict;
  for (const NsgRules* level : {first, second}) {
    if (level == nullptr) continue;
    const NsgRule* rule = level->decide(flow);
    verdict = {rule != nullptr && rule->access == NsgAccess::Allow, level, rule};
    if (!verdict.allowed) return verdict;
  }
  return verdict;
}

void sortByPriority(NsgRules& group) {
  std::stable_sort(group.rules.begin(), group.rules.end(),
                   [](const NsgRule& a, const NsgRule& b) { return a.priority < b.priority; });
}

}  // namespace azlb::dataplane
