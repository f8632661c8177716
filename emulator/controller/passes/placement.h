// Pass 2, placement: VMs -> hosts, and the stable numbers that name them. Each VNet gets a small
// number, each VM a host (by hash of its id), an index (its namespace and link names) and an
// underlay address (PA) in its host's range. Numbers in `previous` are kept, so adding a VM never
// renumbers another. Pure.
#pragma once

#include <vector>

#include "emulator/controller/passes/inventory.h"
#include "emulator/controller/plan.h"

namespace azlb::controller::passes {

struct Placement {
  std::vector<VmPlan> vms;  // the inventory's VMs, same order, every field filled
  Assignments assignments;  // what the next plan must keep
};

Placement placement(const Inventory& inventory, const PlanOptions& options,
                    const Assignments& previous);

}  // namespace azlb::controller::passes
