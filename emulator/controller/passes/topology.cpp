#include "emulator/controller/passes/topology.h"

#include "emulator/controller/passes/util.h"
#include "emulator/controller/plan.h"

namespace azlb::controller::passes {

namespace {

using netns_model::Nexthop;
using netns_model::Role;

const std::vector<netns_model::Sysctl> kForwarding = {{"net.ipv4.ip_forward", "1"},
                                                      {"net.ipv4.conf.all.rp_filter", "0"},
                                                      {"net.ipv4.conf.default.rp_filter", "0"}};

/// The router namespace and the root <-> router link; the public prefix is routed to the router.
void addRouter(Fabric& f, const std::string& router, const PlanOptions& o,
               const netns_model::Naming& n) {
  auto sysctls = kForwarding;
  // Per-flow ECMP on the 5-tuple itself (policy 3, custom fields: addresses, protocol, ports).
  // Policy 1 would reuse a packet's socket hash when it has one (a flow from your shell carries
  // its socket's random hash, re-drawn after a retransmission timeout): neither a router's
  // behaviour nor something `azlb trace` could ask the kernel about.
  sysctls.push_back({"net.ipv4.fib_multipath_hash_policy", "3"});
  sysctls.push_back({"net.ipv4.fib_multipath_hash_fields", "0x0037"});
  // Interfaces take rp_filter from the namespace's default when created; MUX outer sources have
  // no route back, so every router interface gets it off explicitly.
  sysctls.push_back({"net.ipv4.conf.root.rp_filter", "0"});
  for (std::uint32_t i = 0; i < muxCount(o); ++i)
    sysctls.push_back({"net.ipv4.conf.mux" + std::to_string(i) + ".rp_filter", "0"});
  for (std::uint32_t j = 0; j < hostCount(o); ++j)
    sysctls.push_back({"net.ipv4.conf.host" + std::to_string(j) + ".rp_filter", "0"});
  sysctls.push_back({"net.ipv4.conf.inet.rp_filter", "0"});
  f.topology.namespaces.push_back({router, sysctls});
  f.rootLink = name(n, Role::Root);
  f.rootAddress = ip4(o.underlayHigh, o.underlayLow, 255, 1);
  f.routerAddress = routerAddress(o);
  f.topology.veths.push_back(
      {{netns_model::kRootNamespace, f.rootLink, {prefix(f.rootAddress + "/30")}, ""},
       {router, "root", {prefix(f.routerAddress + "/30")}, ""},
       0});
  f.topology.routes.push_back({netns_model::kRootNamespace,
                               prefix(o.publicPrefix),
                               {Nexthop{addr(f.routerAddress), f.rootLink, false, 1}},
                               0});
}

/// One underlay namespace (MUX or host) with its /30 link to the router and a default route back.
/// Returns the address of its end of the link.
std::string addUnderlayNode(Fabric& f, const std::string& router, const std::string& ns,
                            const std::string& routerSide, std::uint32_t third, std::uint32_t k,
                            const PlanOptions& o) {
  const std::string rside = ip4(o.underlayHigh, o.underlayLow, third, 4 * k + 1);
  const std::string nside = ip4(o.underlayHigh, o.underlayLow, third, 4 * k + 2);
  f.topology.namespaces.push_back({ns, kForwarding});
  f.topology.veths.push_back({{router, routerSide, {prefix(rside + "/30")}, ""},
                              {ns, "eth0", {prefix(nside + "/30")}, ""},
                              kUnderlayMtu});
  f.topology.routes.push_back(
      {ns, prefix("0.0.0.0/0"), {Nexthop{addr(rside), "eth0", false, 1}}, 0});
  return nside;
}

/// "The internet": a namespace behind the router whose loopback owns the whole internet prefix,
/// so a server bound to 0.0.0.0 there answers at every address of it. Its replies go back to the
/// router (public frontends: to the MUXes).
void addInternet(Fabric& f, const std::string& router, const PlanOptions& o,
                 const netns_model::Naming& n) {
  const std::string rside = ip4(o.underlayHigh, o.underlayLow, 3, 1);
  const std::string iside = ip4(o.underlayHigh, o.underlayLow, 3, 2);
  const netns_model::Ipv4Prefix range = prefix(o.internetPrefix);
  f.internetNamespace = name(n, Role::Internet);
  f.topology.namespaces.push_back(
      {f.internetNamespace,
       {{"net.ipv4.conf.all.rp_filter", "0"}, {"net.ipv4.conf.default.rp_filter", "0"}},
       {netns_model::Ipv4Prefix{netns_model::Ipv4Address{range.address.value + 1}, range.length}}});
  f.topology.veths.push_back({{router, "inet", {prefix(rside + "/30")}, ""},
                              {f.internetNamespace, "eth0", {prefix(iside + "/30")}, ""},
                              kUnderlayMtu});
  f.topology.routes.push_back(
      {f.internetNamespace, prefix("0.0.0.0/0"), {Nexthop{addr(rside), "eth0", false, 1}}, 0});
  f.topology.routes.push_back({router, range, {Nexthop{addr(iside), "inet", false, 1}}, 0});
}

void addUnderlay(Fabric& f, const PlanOptions& o, const netns_model::Naming& n) {
  const std::string router = name(n, Role::Router);
  addRouter(f, router, o, n);
  addInternet(f, router, o, n);
  std::vector<Nexthop> muxHops;
  for (std::uint32_t i = 0; i < muxCount(o); ++i) {
    const std::string link = "mux" + std::to_string(i);
    const std::string mside = addUnderlayNode(f, router, name(n, Role::Mux, i), link, 1, i, o);
    if (!o.muxesDown.count(i)) muxHops.push_back(Nexthop{addr(mside), link, false, 1});
    f.muxUnderlays.push_back(ip4(o.underlayHigh, o.underlayLow, 4, i + 1));
  }
  if (!o.bgp && !muxHops.empty())
    f.topology.routes.push_back({router, prefix(o.publicPrefix), muxHops, 0});
  for (std::uint32_t j = 0; j < hostCount(o); ++j) {
    const std::string link = "host" + std::to_string(j);
    const std::string hside = addUnderlayNode(f, router, name(n, Role::Host, j), link, 2, j, o);
    f.topology.routes.push_back({router,
                                 prefix(ip4(o.underlayHigh, o.underlayLow, 16 + j, 0) + "/24"),
                                 {Nexthop{addr(hside), link, false, 1}},
                                 0});
  }
}

/// Per VM: its (host, VNet) namespace (proxy ARP for its link), its own namespace and the link.
void addVms(Fabric& f, const std::vector<VmPlan>& vms) {
  std::map<std::string, std::vector<netns_model::Sysctl>> hostVnetSysctls;
  for (const auto& vm : vms) {
    auto& sys = hostVnetSysctls[vm.hostNs];
    if (sys.empty())
      sys = kForwarding;  // the agent's probes come from Azure's probe address (issue 4)
    sys.push_back({"net.ipv4.conf." + vm.hostLink + ".proxy_arp", "1"});
    sys.push_back({"net.ipv4.neigh." + vm.hostLink + ".proxy_delay",
                   "0"});  // answer ARP at once, not after up to 0.8 s
    f.hostVnets[vm.hostNs] = {vm.host, vm.vnet};
  }
  for (const auto& [ns, sys] : hostVnetSysctls) f.topology.namespaces.push_back({ns, sys});
  for (const auto& vm : vms) {
    std::vector<netns_model::Ipv4Prefix> addrs;
    for (const auto& ip : vm.ips)
      addrs.push_back(prefix(ip + "/" + std::to_string(vm.prefixLength)));
    f.topology.namespaces.push_back({vm.ns, {}});
    f.topology.veths.push_back(
        {{vm.hostNs, vm.hostLink, {}, ""}, {vm.ns, "eth0", addrs, vm.mac}, 0});
    f.topology.routes.push_back(
        {vm.ns, prefix("0.0.0.0/0"), {Nexthop{addr(vm.gateway), "eth0", true, 1}}, 0});
    for (const auto& ip : vm.ips)
      f.topology.routes.push_back(
          {vm.hostNs, prefix(ip + "/32"), {Nexthop{std::nullopt, vm.hostLink, false, 1}}, 0});
  }
}

}  // namespace

Fabric topology(const std::vector<VmPlan>& vms, const PlanOptions& o) {
  Fabric f;
  const netns_model::Naming n = naming(o);
  addUnderlay(f, o, n);
  addVms(f, vms);
  return f;
}

}  // namespace azlb::controller::passes
