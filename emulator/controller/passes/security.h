// Pass: network security groups compiled for the data plane. Per VM, the rules of its subnet's
// group and of its NIC's group, inbound and outbound, sorted by priority, with service tags and
// application security groups resolved into address ranges (dataplane::NsgRules, evaluated by
// dataplane::evaluateNsg). Tags: VirtualNetwork = the VM's VNet address space and 168.63.129.16 (as
// Azure expands it), Internet = every address outside it, AzureLoadBalancer = 168.63.129.16, "*" =
// any; other service tags and IPv6 prefixes match no IPv4 address, so a side made only of them
// makes its rule unmatchable (left out). Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "emulator/controller/passes/inventory.h"
#include "emulator/dataplane/nsg.h"
#include "emulator/model/parse.h"

namespace azlb::controller::passes {

struct Security {
  std::vector<VmSecurity> byVm;  // [i] for inventory.vms[i]
};

Security security(const model::Resources& resources, const Inventory& inventory);

/// One group's rules for a VNet's address space (exposed for tests and `azlb trace`).
GroupRules compileGroup(const model::NetworkSecurityGroup& group,
                        const std::vector<std::string>& vnetSpace,
                        const std::map<std::string, std::vector<std::string>>& asgMembers);

}  // namespace azlb::controller::passes
