// Pass 5, outbound: who reaches the internet, and from which public address and ports
// (ARCHITECTURE §3, Outbound). Per VM (its primary ip configuration), Azure's precedence: an
// instance-level public IP (1:1); else the outbound rule of a Standard load balancer whose pool
// holds it; else SNAT through the frontend of a load-balancing rule over its pool (Basic always,
// Standard unless disableOutboundSnat); else default outbound access when its subnet allows it
// (defaultOutboundAccess, absent = allowed), through the address azlb keeps for it (the last
// before the public range's broadcast); else none. SNAT ports are handed out in 8-port blocks of
// 64,000 per public address (1024 and up), never a block holding an inbound rule's frontend
// port; a VM's frontends are used one after the other. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "emulator/controller/passes/inventory.h"
#include "emulator/controller/plan.h"
#include "emulator/dataplane/snat.h"
#include "emulator/model/parse.h"

namespace azlb::controller::passes {

/// Azure's default SNAT ports per VM for a pool of `poolSize` (per frontend IP): 1–50 → 1024,
/// 51–100 → 512, 101–200 → 256, 201–400 → 128, 401–800 → 64, 801–1000 → 32 (and 16 above).
std::uint32_t defaultSnatPorts(std::size_t poolSize);

struct Outbound {
  std::vector<dataplane::SnatSpec> specs;  // one per VM with outbound
  /// One per VM, with or without; a VM whose grant found too few free ports has none, and the
  /// reason says so.
  std::vector<OutboundPlan> decisions;
};

/// `vms` are the placed inventory VMs (same order as inventory.vms).
Outbound outbound(const model::Resources& resources, const Inventory& inventory,
                  const std::vector<VmPlan>& vms, const PlanOptions& options);

}  // namespace azlb::controller::passes
