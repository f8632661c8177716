// Internal: Microsoft.Network resource types — validation as Azure does it (SPEC.md §3), defaults,
// child ids, address allocation (normalize) and computed back-references (render).
#pragma once

#include <string_view>
#include <vector>

#include "arm-api/common/arm_error.h"
#include "arm-api/common/resource_id.h"
#include "arm-api/service/service.h"
#include "arm-api/service/state.h"

namespace azlb::armservice::network {

using armapi::ArmResult;
using armapi::ResourceId;

struct Ctx {
  Txn& tx;
  const ServiceConfig& cfg;
  std::string apiVersion = "";  // of the request
};

struct ChildCollection {
  const char* name;   // canonical, e.g. "backendAddressPools"
  bool putAndDelete;  // has its own PUT/DELETE endpoints
};

struct TypeInfo {
  const char* segment;  // canonical type segment, e.g. "loadBalancers"
  /// Turns a PUT body into the stored body (sku, properties, ...; the caller sets the envelope).
  /// May write other resources through ctx.tx (e.g. a Dynamic public IP gets its address).
  ArmResult<json> (*normalize)(Ctx& ctx, const ResourceId& id, const json& request,
                               const Resource* existing);
  /// The GET body: stored body plus back-references computed from the other resources.
  json (*render)(const Txn& tx, const Resource& r);
  /// Refuses the DELETE of a resource still in use (PublicIPAddressCannotBeDeleted, ...).
  ArmResult<bool> (*checkDelete)(const Txn& tx, const Resource& r);
  std::vector<ChildCollection> children;
};

/// The type for a segment ("loadbalancers" in any case), or nullptr.
const TypeInfo* findType(std::string_view segment);
const ChildCollection* findChild(const TypeInfo& type, std::string_view collection);

/// POST .../backendAddressPools/{pool}/queryInboundNatRulePortMapping
ArmResult<json> queryInboundNatRulePortMapping(const Txn& tx, const Resource& lb,
                                               std::string_view poolName, const json& request);

/// POST .../networkInterfaces/{nic}/effectiveNetworkSecurityGroups: the groups on the NIC's
/// subnet and on the NIC, each rule with its tags expanded as azlb's data plane evaluates them.
json effectiveNetworkSecurityGroups(const Txn& tx, const Resource& nic);

/// Keys of every resource a NIC or LB references, for cascading data-plane changes.
json renderResource(const Txn& tx, const Resource& r);

}  // namespace azlb::armservice::network
