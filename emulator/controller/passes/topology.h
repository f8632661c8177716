// Pass 3, topology: the namespaces, links, addresses and routes that carry traffic. The underlay
// (root <-> router, router <-> each MUX and host, the router's ECMP route to the MUXes that are up)
// and, per placed VM, its namespace, its link into its (host, VNet) namespace and their routes.
// Pure: a netns_model::Topology the manager realises; TUNs belong to the processes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "emulator/controller/plan.h"

namespace azlb::controller::passes {

struct Fabric {
  netns_model::Topology topology;
  std::string rootLink, rootAddress, routerAddress;
  std::vector<std::string> muxUnderlays;  // outer sources MUX i encapsulates with, [i]
  std::string internetNamespace;          // "the internet" (addInternet)
  std::map<std::string, std::pair<std::uint32_t, std::string>>
      hostVnets;  // (host, VNet) ns -> (host, lower VNet id)
};

Fabric topology(const std::vector<VmPlan>& vms, const PlanOptions& options);

}  // namespace azlb::controller::passes
