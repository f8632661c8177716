// The one Topology realiser: makes the kernel match a netns_model::Topology, incrementally. It
// creates what is missing, replaces what changed, removes what an earlier apply made and is no
// longer wanted, and removes namespaces of this azlb instance that nobody wants (leftovers of a
// crash; processes inside are ended first). Objects that already exist under the wanted names
// are adopted, so a restarted manager does not disturb the running data plane.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "netns/namespace.h"
#include "netns/naming.h"
#include "netns/topology.h"
#include "netns/tun.h"

namespace azlb::netns {

/// Not RAII: what apply() makes outlives this object (forwarding processes keep running across a
/// manager restart); teardown() removes it. Not thread-safe: one thread calls every method.
class TopologyRealizer {
 public:
  explicit TopologyRealizer(netns_model::Naming naming) : naming_(std::move(naming)) {}

  /// Validates (EINVAL before touching the kernel), then, in this order: namespaces (loopback up),
  /// veth pairs (MTU, MAC, addresses, up), TUN devices (opened and kept by this object; MTU,
  /// addresses, up), sysctls, routes. Runs from the calling thread's namespace, which is what
  /// kRootNamespace ("") means. On failure the error names the object, and the namespaces this
  /// call created are removed again (with the links in them); what existed before stays, and the
  /// next apply diffs against the last successful one. Needs CAP_SYS_ADMIN + CAP_NET_ADMIN.
  Result<void> apply(const netns_model::Topology& desired);
  /// Removes every namespace and root link of this Naming's instance (processes inside are
  /// ended, TUN devices closed), whoever made them.
  Result<void> teardown();

  /// A namespace of the last successful apply; nullptr for any other name.
  const NetNamespace* findNamespace(const std::string& name) const;
  /// A TUN device of the last successful apply (namespace `ns`); nullptr when absent.
  TunDevice* findTun(const std::string& ns, const std::string& name);

 private:
  struct Run;  // what one apply() created, for rolling back

  Result<void> applySteps(const netns_model::Topology& desired, Run& run);
  Result<void> syncNamespaces(const netns_model::Topology& desired, Run& run);
  Result<void> syncTuns(const netns_model::Topology& desired, Run& run);
  void rollBack(Run& run);
  /// Closes what this object holds in a namespace, so removing its name frees it.
  void forget(const std::string& ns);

  netns_model::Naming naming_;
  std::optional<netns_model::Topology> applied_;
  mutable std::map<std::string, NetNamespace> opened_;  // findNamespace() handles (not owned)
  std::map<std::pair<std::string, std::string>, TunDevice> tuns_;  // (namespace, name)
};

}  // namespace azlb::netns
