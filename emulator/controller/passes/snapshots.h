// Last step, snapshots: the earlier passes' output as what each process forwards with. Every MUX
// and host agent gets the same rules, MUX underlays and VM table; a host agent's snapshot adds its
// own part (its underlay range, its (host, VNet) namespaces, the probes of its VMs, the traffic
// filters it enforces for its VMs' new flows) and every VM's network security groups. Every process
// gets every VM's outbound SNAT (MUXes route return traffic by it). Pure.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "emulator/controller/passes/forwarding.h"
#include "emulator/controller/passes/topology.h"
#include "emulator/controller/plan.h"

namespace azlb::controller::passes {

struct Snapshots {
  std::vector<runtime::Snapshot> mux;   // [i] for MUX i
  std::vector<runtime::Snapshot> host;  // [j] for host j
};

Snapshots snapshots(const Forwarding& forwarding, const Fabric& fabric,
                    const std::vector<VmPlan>& vms, const PlanOptions& options,
                    std::uint64_t version,
                    const std::vector<runtime::TrafficFilter>& trafficFilters = {},
                    const std::vector<dataplane::SnatSpec>& outbound = {},
                    const std::map<std::string, VmSecurity>& security = {});

/// Every VM's network security groups for the host agents: each compiled group once per VNet.
runtime::HostSecurity hostSecurity(const std::vector<VmPlan>& vms,
                                   const std::map<std::string, VmSecurity>& security,
                                   runtime::NsgMode mode);

}  // namespace azlb::controller::passes
