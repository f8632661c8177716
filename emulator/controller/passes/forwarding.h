// Pass 4, forwarding: load balancers -> data-plane rules. Per load balancer: its frontends'
// addresses, its pools' members (placed VMs, in Azure's order), its load-balancing rules with
// their probes and each backend's rotation (probe result, adminState, noHealthyBackendsBehavior),
// and its inbound NAT rules (single port, or a port range over a pool). A load balancer whose
// rules the data plane refuses is reported and left out; the others still run. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "emulator/controller/passes/inventory.h"
#include "emulator/controller/plan.h"
#include "emulator/model/parse.h"

namespace azlb::controller::passes {

struct Forwarding {
  std::vector<dataplane::RuleSpec> rules;   // every built load balancer's rules
  std::vector<RuleHealthPlan> ruleHealth;   // one per probed rule with backends
  std::map<std::string, ProbePlan> probes;  // every (probe, backend) pair, by key
  std::map<std::uint32_t, std::vector<runtime::ProbeEntry>>
      probeEntries;                           // host -> what its agent probes
  std::map<std::string, std::string> errors;  // lb id -> why its data plane is not built
};

/// `vms` are the placed inventory VMs (same order as inventory.vms); `probeUp` as in Inputs.
Forwarding forwarding(const model::Resources& resources, const Inventory& inventory,
                      const std::vector<VmPlan>& vms, const std::map<std::string, bool>& probeUp,
                      const PlanOptions& options);

}  // namespace azlb::controller::passes
