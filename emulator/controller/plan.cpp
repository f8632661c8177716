#include "emulator/controller/plan.h"

#include <utility>

#include "emulator/controller/passes/cloud_services.h"
#include "emulator/controller/passes/forwarding.h"
#include "emulator/controller/passes/inventory.h"
#include "emulator/controller/passes/outbound.h"
#include "emulator/controller/passes/placement.h"
#include "emulator/controller/passes/security.h"
#include "emulator/controller/passes/snapshots.h"
#include "emulator/controller/passes/topology.h"
#include "emulator/controller/passes/util.h"
#include "emulator/model/parse.h"

namespace azlb::controller {

std::string routerNamespace(const PlanOptions& o) {
  return passes::name(passes::naming(o), netns_model::Role::Router);
}
std::string muxNamespace(const PlanOptions& o, std::uint32_t i) {
  return passes::name(passes::naming(o), netns_model::Role::Mux, i);
}
MuxLink muxLink(const PlanOptions& o, std::uint32_t i) {
  return {passes::ip4(o.underlayHigh, o.underlayLow, 1, 4 * i + 1),
          passes::ip4(o.underlayHigh, o.underlayLow, 1, 4 * i + 2)};
}
std::string routerAddress(const PlanOptions& o) {
  return passes::ip4(o.underlayHigh, o.underlayLow, 255, 2);
}
std::string hostNamespace(const PlanOptions& o, std::uint32_t j) {
  return passes::name(passes::naming(o), netns_model::Role::Host, j);
}

// The compiler: parse once into the typed model, then run the passes in order. Each pass is a
// pure function of the model and earlier passes' output (and of `previous`, so numbers stay
// stable). A new capability (outbound SNAT, security rules, cloud services) is a new pass in
// passes/ with its own output struct and one line here, not a longer existing pass.
Plan compile(const Inputs& in, const PlanOptions& o, const Assignments& previous,
             std::uint64_t version) {
  model::Resources resources =
      model::parseResources(in.virtualNetworks, in.networkInterfaces, in.loadBalancers,
                            in.publicIpAddresses, in.cloudServices, in.networkSecurityGroups);
  passes::CloudServices services = passes::cloudServices(resources);  // lowers into `resources`
  const passes::Inventory inventory = passes::inventory(resources);
  passes::Placement placed = passes::placement(inventory, o, previous);
  passes::Fabric fabric = passes::topology(placed.vms, o);
  passes::Forwarding forwarding =
      passes::forwarding(resources, inventory, placed.vms, in.probeUp, o);
  passes::Outbound outbound = passes::outbound(resources, inventory, placed.vms, o);
  passes::Security security = passes::security(resources, inventory);
  std::map<std::string, VmSecurity> byVm;
  for (std::size_t i = 0; i < inventory.vms.size() && i < security.byVm.size(); ++i)
    byVm[inventory.vms[i].id] = std::move(security.byVm[i]);
  passes::Snapshots snapshots = passes::snapshots(forwarding, fabric, placed.vms, o, version,
                                                  services.filters, outbound.specs, byVm);

  Plan plan;
  // A resource that does not parse is reported under its own id, like a load balancer whose data
  // plane cannot be built: the manager fails the operation that changed it.
  plan.loadBalancerErrors = resources.errors;
  for (auto& [id, why] : services.errors) plan.loadBalancerErrors[id] = why;
  for (auto& [id, why] : inventory.errors) plan.loadBalancerErrors[id] = why;
  for (auto& [id, why] : forwarding.errors) plan.loadBalancerErrors[id] = std::move(why);
  plan.topology = std::move(fabric.topology);
  plan.security = std::move(byVm);
  plan.rootLink = std::move(fabric.rootLink);
  plan.rootAddress = std::move(fabric.rootAddress);
  plan.routerAddress = std::move(fabric.routerAddress);
  plan.muxUnderlays = std::move(fabric.muxUnderlays);
  plan.internetNamespace = std::move(fabric.internetNamespace);
  plan.muxSnapshots = std::move(snapshots.mux);
  plan.hostSnapshots = std::move(snapshots.host);
  for (auto& [key, pl] : forwarding.probes) plan.probes.push_back(std::move(pl));
  plan.ruleHealth = std::move(forwarding.ruleHealth);
  plan.outbound = std::move(outbound.decisions);
  plan.assignments = std::move(placed.assignments);
  plan.vms = std::move(placed.vms);
  for (auto& inst : services.instances)
    for (const auto& vm : plan.vms)
      if (vm.id == inst.id) inst.ns = vm.ns;
  plan.roleInstances = std::move(services.instances);
  return plan;
}

}  // namespace azlb::controller
