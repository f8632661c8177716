// The Topology realiser: builds a netns_model::Topology (namespaces, veth pairs, TUN devices,
// addresses, routes, sysctls) and owns the result, RAII, mininet style. It creates; it does not
// diff (the controller's plan decides what to add or remove).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "emulator/common/result.h"
#include "netns/namespace.h"
#include "netns/topology.h"
#include "netns/tun.h"

namespace azlb::netns {

/// What realize() made. Destruction removes it: the root-namespace veth ends first, then the
/// TUN fds, then the namespaces (which takes their links with them).
class RealizedTopology {
 public:
  RealizedTopology() = default;
  RealizedTopology(RealizedTopology&&) noexcept = default;
  RealizedTopology& operator=(RealizedTopology&&) noexcept;
  RealizedTopology(const RealizedTopology&) = delete;
  RealizedTopology& operator=(const RealizedTopology&) = delete;
  ~RealizedTopology();

  /// The namespace called `name`; nullptr when realize() did not create it.
  const NetNamespace* findNamespace(const std::string& name) const;
  /// The TUN device called `name` in namespace `ns`; nullptr when absent.
  TunDevice* findTun(const std::string& ns, const std::string& name);

  /// Removes everything now; reports the first failure but keeps going.
  Result<void> destroy();
  /// Keeps everything alive past this object (namespaces stay named; TUN fds are closed, so
  /// TUN devices go away).
  void release();

 private:
  friend Result<RealizedTopology> realize(const netns_model::Topology& topology);

  std::vector<std::string> rootLinks_;           // veth ends realize() put in the root netns
  std::map<std::string, std::vector<TunDevice>> tuns_;  // by namespace name
  std::vector<NetNamespace> namespaces_;
};

/// Validates, then creates in this order: namespaces (loopback up), veth pairs (MTU, addresses,
/// up), TUN devices (MTU, addresses, up), sysctls, routes. Runs from the calling thread's
/// namespace, which is what kRootNamespace ("") means. On failure, everything made so far is
/// removed and the error names the object that failed. Needs CAP_SYS_ADMIN + CAP_NET_ADMIN.
Result<RealizedTopology> realize(const netns_model::Topology& topology);

}  // namespace azlb::netns
