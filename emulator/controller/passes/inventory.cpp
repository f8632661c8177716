#include "emulator/controller/passes/inventory.h"

#include <algorithm>
#include <utility>

#include "emulator/controller/passes/util.h"

namespace azlb::controller::passes {

namespace {

void addSubnets(const model::VirtualNetwork& v, Inventory& inv) {
  const std::string vid = toLower(v.id);
  inv.vnetNames[vid] = v.name;
  for (const auto& s : v.subnets) {
    auto pre = netns_model::parseIpv4Prefix(s.addressPrefix);
    for (const auto& p : s.addressPrefixes)  // dual-stack: the IPv4 one, among IPv6 ones
      if (!pre) pre = netns_model::parseIpv4Prefix(p);
    if (!pre) continue;
    SubnetInfo info{toLower(s.id),      vid,         v.name,
                    pre->address.value, pre->length, s.defaultOutboundAccess};
    inv.subnets[info.id] = info;
    inv.subnetsOfVnet[vid].push_back(info);
  }
}

void placeInSubnet(VmPlan& vm, const SubnetInfo& s) {
  vm.vnet = s.vnet;
  vm.vnetName = s.vnetName;
  vm.prefixLength = s.length;
  vm.gateway = netns_model::toString(netns_model::Ipv4Address{s.network + 1});
}

/// A NIC is a VM when one of its ipConfigurations (primary first) has an address in a known subnet.
void addNic(const model::NetworkInterface& nic, Inventory& inv,
            std::map<std::pair<std::string, std::string>, std::size_t>& byVnetIp) {
  VmPlan vm;
  VmOrigin origin;
  vm.id = nic.id;
  vm.name = nic.name;
  std::vector<const model::IpConfiguration*> cfgs;
  for (const auto& c : nic.ipConfigurations) cfgs.push_back(&c);
  std::stable_sort(cfgs.begin(), cfgs.end(),
                   [](auto* a, auto* b) { return a->primary > b->primary; });
  for (const auto* c : cfgs) {
    auto s = inv.subnets.find(toLower(c->subnetId));
    if (c->privateIpAddress.empty() || s == inv.subnets.end()) continue;
    if (vm.ips.empty()) {
      placeInSubnet(vm, s->second);
      origin = {s->second.id, toLower(c->publicIpAddressId)};
    }
    vm.ips.push_back(c->privateIpAddress);
    inv.ipOfConfig[toLower(c->id)] = c->privateIpAddress;
  }
  if (vm.ips.empty()) return;
  for (const auto& c : nic.ipConfigurations) inv.vmByConfig[toLower(c.id)] = inv.vms.size();
  for (const auto& ip : vm.ips) byVnetIp[{vm.vnet, ip}] = inv.vms.size();
  inv.vms.push_back(std::move(vm));
  inv.origins.push_back(std::move(origin));
}

const SubnetInfo* subnetHolding(const Inventory& inv, const std::string& vnet,
                                const std::string& ip) {
  auto list = inv.subnetsOfVnet.find(vnet);
  if (list == inv.subnetsOfVnet.end()) return nullptr;
  const std::uint32_t ipv = addr(ip).value;
  const SubnetInfo* home = nullptr;
  for (const auto& s : list->second) {
    std::uint32_t mask = s.length == 0 ? 0 : ~std::uint32_t{0} << (32 - s.length);
    if ((ipv & mask) == s.network) home = &s;
  }
  return home;
}

/// An IP-based pool address is the NIC VM with that address in its VNet, else a VM of its own.
void addPoolAddress(const model::LoadBalancer& lb, const model::BackendAddress& a, Inventory& inv,
                    std::map<std::pair<std::string, std::string>, std::size_t>& byVnetIp) {
  std::string vid = toLower(a.virtualNetworkId);
  if (vid.empty()) vid = toLower(model::virtualNetworkOfSubnet(a.subnetId));
  if (a.ipAddress.empty() || vid.empty()) return;
  if (auto known = byVnetIp.find({vid, a.ipAddress}); known != byVnetIp.end()) {
    inv.vmByAddress[toLower(a.id)] = known->second;
    return;
  }
  const SubnetInfo* home = subnetHolding(inv, vid, a.ipAddress);
  if (!home) {
    inv.errors[lb.id] =
        "backend address " + a.id + " (" + a.ipAddress +
        ") is in no subnet of its virtual network, so azlb cannot give it a gateway";
    return;
  }
  VmPlan vm;
  vm.id = a.id;
  vm.name = a.name;
  placeInSubnet(vm, *home);
  vm.vnet = vid;
  vm.ips = {a.ipAddress};
  inv.vmByAddress[toLower(a.id)] = inv.vms.size();
  byVnetIp[{vid, a.ipAddress}] = inv.vms.size();
  inv.vms.push_back(std::move(vm));
  inv.origins.push_back({home->id, ""});
}

}  // namespace

Inventory inventory(const model::Resources& resources) {
  Inventory inv;
  for (const auto& v : resources.virtualNetworks) addSubnets(v, inv);
  std::map<std::pair<std::string, std::string>, std::size_t>
      byVnetIp;  // (lower VNet id, ip) -> vms index
  for (const auto& nic : resources.networkInterfaces) addNic(nic, inv, byVnetIp);
  for (const auto& lb : resources.loadBalancers)
    for (const auto& pool : lb.backendAddressPools)
      for (const auto& a : pool.loadBalancerBackendAddresses) addPoolAddress(lb, a, inv, byVnetIp);
  return inv;
}

}  // namespace azlb::controller::passes
