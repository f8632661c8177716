#include "emulator/controller/passes/placement.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "emulator/controller/passes/util.h"

namespace azlb::controller::passes {

namespace {

/// Previously numbered VMs first, so a newcomer never takes an existing VM's number.
std::vector<std::size_t> numberingOrder(const std::vector<VmPlan>& vms,
                                        const Assignments& previous) {
  std::vector<std::size_t> order(vms.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    bool pa = previous.vmIndex.count(vms[a].id) > 0, pb = previous.vmIndex.count(vms[b].id) > 0;
    if (pa != pb) return pa;
    return vms[a].id < vms[b].id;
  });
  return order;
}

/// Names and addresses that follow from a VM's host, index and PA octet.
void nameVm(VmPlan& vm, std::uint32_t pa, std::uint32_t vnetIndex, const PlanOptions& o,
            const netns_model::Naming& n) {
  const std::uint8_t u1 = o.underlayHigh, u2 = o.underlayLow;
  vm.underlay = ip4(u1, u2, 16 + vm.host, pa);
  vm.ns = name(n, netns_model::Role::Vm, vm.index);
  vm.hostNs = name(n, netns_model::Role::HostVnet, vm.host * 100 + vnetIndex);
  vm.hostLink = "v" + std::to_string(vm.index);
  char mac[18];
  std::snprintf(mac, sizeof mac, "02:00:%02x:%02x:%02x:%02x", unsigned{u1}, unsigned{u2},
                16 + vm.host, pa);
  vm.mac = mac;  // 02:00 + the PA: unique and stable
}

}  // namespace

Placement placement(const Inventory& inv, const PlanOptions& o, const Assignments& previous) {
  Placement out;
  out.vms = inv.vms;
  std::set<std::uint32_t> usedVnet;
  for (const auto& [vid, _] : inv.vnetNames)
    out.assignments.vnetIndex[vid] = pick(vid, 0, 99, usedVnet, previous.vnetIndex);

  const std::uint32_t hosts = hostCount(o);
  const netns_model::Naming n = naming(o);
  std::set<std::uint32_t> usedIndex;
  std::vector<std::set<std::uint32_t>> usedPa(hosts);
  for (std::size_t k : numberingOrder(out.vms, previous)) {
    VmPlan& vm = out.vms[k];
    vm.host = static_cast<std::uint32_t>(fnv(toLower(vm.id)) % hosts);
    vm.index = pick(vm.id, 1, 9999, usedIndex, previous.vmIndex);
    const std::uint32_t pa = pick(vm.id, 1, 254, usedPa[vm.host], previous.vmPa);
    out.assignments.vmIndex[vm.id] = vm.index;
    out.assignments.vmPa[vm.id] = pa;
    nameVm(vm, pa, out.assignments.vnetIndex[vm.vnet], o, n);
  }
  return out;
}

}  // namespace azlb::controller::passes
