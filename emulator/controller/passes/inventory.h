// Pass 1, inventory: what exists. From the typed model: every subnet with its VNet, and every VM —
// one per NIC with an address in a known subnet, plus one per IP-based pool address that is not
// already a NIC's — with its addresses and gateway, and how to find a VM from a NIC
// ipConfiguration or a pool address. Pure: no numbers or placement yet (see placement.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "emulator/controller/plan.h"
#include "emulator/model/parse.h"

namespace azlb::controller::passes {

struct SubnetInfo {
  std::string id, vnet, vnetName;  // lower-case ids
  std::uint32_t network = 0;
  std::uint8_t length = 0;
  bool defaultOutboundAccess = true;
};

/// Where a VM's primary address comes from, for the outbound pass.
struct VmOrigin {
  std::string subnet;    // lower subnet id ("" when unknown)
  std::string publicIp;  // lower id of its primary ip configuration's public IP ("" when none)
};

struct Inventory {
  std::map<std::string, SubnetInfo> subnets;                     // lower subnet id
  std::map<std::string, std::vector<SubnetInfo>> subnetsOfVnet;  // lower VNet id
  std::map<std::string, std::string> vnetNames;                  // lower VNet id -> name
  /// Identity, VNet, addresses, prefix length and gateway filled; placement fills the rest.
  std::vector<VmPlan> vms;
  std::vector<VmOrigin> origins;                   // [i] for vms[i]
  std::map<std::string, std::size_t> vmByConfig;   // lower NIC ipConfiguration id -> vms index
  std::map<std::string, std::string> ipOfConfig;   // lower NIC ipConfiguration id -> its address
  std::map<std::string, std::size_t> vmByAddress;  // lower pool-address id -> vms index
  std::map<std::string, std::string> errors;       // lb id -> why part of its pool has no VM
};

Inventory inventory(const model::Resources& resources);

}  // namespace azlb::controller::passes
