#include "emulator/controller/passes/snapshots.h"

#include "emulator/controller/passes/util.h"

namespace azlb::controller::passes {

Snapshots snapshots(const Forwarding& fwd, const Fabric& fabric, const std::vector<VmPlan>& vms,
                    const PlanOptions& o, std::uint64_t version,
                    const std::vector<runtime::TrafficFilter>& trafficFilters,
                    const std::vector<dataplane::SnatSpec>& outbound,
                    const std::map<std::string, VmSecurity>& security) {
  runtime::Snapshot base;
  base.version = version;
  base.forwarding.version = version;
  base.forwarding.rules = fwd.rules;
  base.forwarding.outbound = outbound;
  base.forwarding.fastpath = o.fastpath;
  base.forwarding.fastpathIdleTimeout = scaledIdleTimeout(4, o.idleTimeoutScale);
  base.probeTimeScale = o.probeTimeScale;
  for (const auto& m : fabric.muxUnderlays)
    base.muxUnderlays.push_back(*dataplane::Ipv4Address::parse(m));
  for (const auto& vm : vms)
    for (const auto& ip : vm.ips)
      base.vms.push_back({vm.id, vm.vnet, *dataplane::Ipv4Address::parse(ip),
                          *dataplane::Ipv4Address::parse(vm.underlay), vm.host, vm.hostNs,
                          vm.hostLink, vm.mac});
  Snapshots out;
  out.mux.assign(muxCount(o), base);
  for (std::uint32_t j = 0; j < hostCount(o); ++j) {
    runtime::Snapshot s = base;
    s.host.index = j;
    s.host.underlayRange = ip4(o.underlayHigh, o.underlayLow, 16 + j, 0) + "/24";
    for (const auto& [ns, hv] : fabric.hostVnets)
      if (hv.first == j) s.host.vnetNamespaces.push_back({ns, hv.second, "tun0"});
    if (auto e = fwd.probeEntries.find(j); e != fwd.probeEntries.end()) s.host.probes = e->second;
    s.host.trafficFilters = trafficFilters;
    s.host.security = hostSecurity(vms, security, o.nsgMode);
    out.host.push_back(std::move(s));
  }
  return out;
}

runtime::HostSecurity hostSecurity(const std::vector<VmPlan>& vms,
                                   const std::map<std::string, VmSecurity>& security,
                                   runtime::NsgMode mode) {
  runtime::HostSecurity out;
  out.mode = mode;
  std::map<std::string, std::int32_t> index;  // vnet | group id -> position in out
  auto place = [&](const VmPlan& vm, const std::optional<GroupRules>& group) -> std::int32_t {
    if (!group) return -1;
    auto [it, added] = index.emplace(vm.vnet + "|" + toLower(group->inbound.group),
                                     static_cast<std::int32_t>(out.inbound.size()));
    if (added) {
      out.inbound.push_back(group->inbound);
      out.outbound.push_back(group->outbound);
    }
    return it->second;
  };
  for (const auto& vm : vms) {
    auto it = security.find(vm.id);
    if (it == security.end()) continue;
    runtime::VmGroups entry{vm.id, place(vm, it->second.subnet), place(vm, it->second.nic)};
    if (entry.subnet >= 0 || entry.nic >= 0) out.vms.push_back(std::move(entry));
  }
  return out;
}

}  // namespace azlb::controller::passes
