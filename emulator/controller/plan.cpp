#include "emulator/controller/plan.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace azlb::controller {

namespace {

using netns_model::Ipv4Prefix;
using netns_model::Naming;
using netns_model::Nexthop;
using netns_model::Role;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::uint64_t fnv(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

const json& arr(const json& obj, const char* key) {
  static const json kEmpty = json::array();
  auto it = obj.find(key);
  return it != obj.end() && it->is_array() ? *it : kEmpty;
}

const json& props(const json& obj) {
  static const json kEmpty = json::object();
  auto it = obj.find("properties");
  return it != obj.end() && it->is_object() ? *it : kEmpty;
}

std::string refId(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) return {};
  return it->value("id", "");
}

/// The VNet id of a subnet id (…/virtualNetworks/v/subnets/s → …/virtualNetworks/v).
std::string vnetOfSubnet(const std::string& subnetId) {
  auto pos = lower(subnetId).rfind("/subnets/");
  return pos == std::string::npos ? std::string() : subnetId.substr(0, pos);
}

std::string name(const Naming& n, Role r, std::uint32_t i = 0) {
  auto s = n.name(r, i);
  return s ? *s : std::string();
}

/// An ARM idleTimeoutInMinutes times the plan's scale, at least 1 ms.
std::chrono::milliseconds scaledIdleTimeout(int minutes, double scale) {
  const double ms = static_cast<double>(minutes) * 60000.0 * scale;
  return std::chrono::milliseconds(ms < 1.0 ? 1 : static_cast<std::int64_t>(ms));
}

std::string ip4(std::uint8_t a, std::uint8_t b, std::uint32_t c, std::uint32_t d) {
  return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." + std::to_string(d);
}

Ipv4Prefix prefix(const std::string& text) { return netns_model::parseIpv4Prefix(text).value_or(Ipv4Prefix{}); }

netns_model::Ipv4Address addr(const std::string& text) {
  return netns_model::parseIpv4(text).value_or(netns_model::Ipv4Address{});
}

struct SubnetInfo {
  std::string id, vnet, vnetName;
  std::uint32_t network = 0;
  std::uint8_t length = 0;
};

/// Picks a free number near hash(id) in [lo, hi], honouring a previous choice.
std::uint32_t pick(const std::string& id, std::uint32_t lo, std::uint32_t hi, std::set<std::uint32_t>& used,
                   const std::map<std::string, std::uint32_t>& previous) {
  auto it = previous.find(id);
  if (it != previous.end() && it->second >= lo && it->second <= hi && !used.count(it->second)) {
    used.insert(it->second);
    return it->second;
  }
  std::uint32_t span = hi - lo + 1;
  std::uint32_t start = static_cast<std::uint32_t>(fnv(id) % span);
  for (std::uint32_t k = 0; k < span; ++k) {
    std::uint32_t v = lo + (start + k) % span;
    if (!used.count(v)) {
      used.insert(v);
      return v;
    }
  }
  return 0;  // full: caller reports
}

}  // namespace

std::string routerNamespace(const PlanOptions& o) {
  return name(Naming::create(o.prefix, o.instance).value(), Role::Router);
}
std::string muxNamespace(const PlanOptions& o, std::uint32_t i) {
  return name(Naming::create(o.prefix, o.instance).value(), Role::Mux, i);
}
std::string hostNamespace(const PlanOptions& o, std::uint32_t j) {
  return name(Naming::create(o.prefix, o.instance).value(), Role::Host, j);
}

Plan compile(const Inputs& in, const PlanOptions& o, const Assignments& previous, std::uint64_t version) {
  Plan plan;
  const Naming naming = Naming::create(o.prefix, o.instance).value();
  const std::uint8_t u1 = o.underlayHigh, u2 = o.underlayLow;
  const std::uint32_t hosts = std::max<std::uint32_t>(1, std::min<std::uint32_t>(o.hosts, 60));
  const std::uint32_t muxes = std::max<std::uint32_t>(1, std::min<std::uint32_t>(o.muxes, 60));

  // --- subnets and VNets ---
  std::map<std::string, SubnetInfo> subnets;  // lower-case id
  std::map<std::string, std::vector<SubnetInfo>> subnetsOfVnet;
  std::map<std::string, std::string> vnetNames;
  for (const auto& v : in.virtualNetworks) {
    std::string vid = lower(v.value("id", ""));
    vnetNames[vid] = v.value("name", "");
    for (const auto& s : arr(props(v), "subnets")) {
      auto pre = netns_model::parseIpv4Prefix(props(s).value("addressPrefix", ""));
      if (!pre && !arr(props(s), "addressPrefixes").empty())
        pre = netns_model::parseIpv4Prefix(arr(props(s), "addressPrefixes")[0].get<std::string>());
      if (!pre) continue;
      SubnetInfo info{lower(s.value("id", "")), vid, v.value("name", ""), pre->address.value, pre->length};
      subnets[info.id] = info;
      subnetsOfVnet[vid].push_back(info);
    }
  }
  std::set<std::uint32_t> usedVnet;
  for (const auto& [vid, _] : vnetNames)
    plan.assignments.vnetIndex[vid] = pick(vid, 0, 99, usedVnet, previous.vnetIndex);

  // --- VMs: one per NIC, plus one per IP-based backend address not already a NIC's ---
  struct Pending {
    VmPlan vm;
  };
  std::vector<VmPlan> vms;
  std::map<std::string, size_t> vmByConfig;           // lower ipconfig id -> vm
  std::map<std::string, std::string> ipOfConfig;      // lower ipconfig id -> ip
  std::map<std::pair<std::string, std::string>, size_t> vmByVnetIp;
  for (const auto& nic : in.networkInterfaces) {
    VmPlan vm;
    vm.id = nic.value("id", "");
    vm.name = nic.value("name", "");
    std::vector<std::pair<bool, const json*>> cfgs;
    for (const auto& c : arr(props(nic), "ipConfigurations")) cfgs.emplace_back(props(c).value("primary", false), &c);
    std::stable_sort(cfgs.begin(), cfgs.end(), [](auto& a, auto& b) { return a.first > b.first; });
    for (const auto& [primary, c] : cfgs) {
      const json& p = props(*c);
      std::string ip = p.value("privateIPAddress", "");
      std::string sid = lower(refId(p, "subnet"));
      auto s = subnets.find(sid);
      if (ip.empty() || s == subnets.end()) continue;
      if (vm.ips.empty()) {
        vm.vnet = s->second.vnet;
        vm.vnetName = s->second.vnetName;
        vm.prefixLength = s->second.length;
        vm.gateway = netns_model::toString(netns_model::Ipv4Address{s->second.network + 1});
      }
      vm.ips.push_back(ip);
      ipOfConfig[lower(c->value("id", ""))] = ip;
    }
    if (vm.ips.empty()) continue;
    for (const auto& c : arr(props(nic), "ipConfigurations")) vmByConfig[lower(c.value("id", ""))] = vms.size();
    for (const auto& ip : vm.ips) vmByVnetIp[{vm.vnet, ip}] = vms.size();
    vms.push_back(std::move(vm));
  }
  std::map<std::string, size_t> vmByAddress;  // lower backend-address id -> vm
  for (const auto& lb : in.loadBalancers)
    for (const auto& pool : arr(props(lb), "backendAddressPools"))
      for (const auto& a : arr(props(pool), "loadBalancerBackendAddresses")) {
        const json& p = props(a);
        std::string ip = p.value("ipAddress", "");
        std::string vid = lower(refId(p, "virtualNetwork"));
        if (vid.empty()) vid = lower(vnetOfSubnet(refId(p, "subnet")));
        std::string aid = pool.value("id", "") + "/loadBalancerBackendAddresses/" + a.value("name", "");
        if (ip.empty() || vid.empty()) continue;
        auto known = vmByVnetIp.find({vid, ip});
        if (known != vmByVnetIp.end()) {
          vmByAddress[lower(aid)] = known->second;
          continue;
        }
        auto ipv = addr(ip).value;
        const SubnetInfo* home = nullptr;
        for (const auto& s : subnetsOfVnet[vid]) {
          std::uint32_t mask = s.length == 0 ? 0 : ~std::uint32_t{0} << (32 - s.length);
          if ((ipv & mask) == s.network) home = &s;
        }
        if (!home) {
          plan.loadBalancerErrors[lb.value("id", "")] =
              "backend address " + aid + " (" + ip + ") is in no subnet of its virtual network, so azlb cannot give it a gateway";
          continue;
        }
        VmPlan vm;
        vm.id = aid;
        vm.name = a.value("name", "");
        vm.vnet = vid;
        vm.vnetName = home->vnetName;
        vm.ips = {ip};
        vm.prefixLength = home->length;
        vm.gateway = netns_model::toString(netns_model::Ipv4Address{home->network + 1});
        vmByAddress[lower(aid)] = vms.size();
        vmByVnetIp[{vid, ip}] = vms.size();
        vms.push_back(std::move(vm));
      }

  // --- placement, numbers, addresses ---
  std::set<std::uint32_t> usedIndex;
  std::vector<std::set<std::uint32_t>> usedPa(hosts);
  std::vector<size_t> order(vms.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Previously numbered VMs first, so a newcomer never takes an existing VM's number.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    bool pa = previous.vmIndex.count(vms[a].id) > 0, pb = previous.vmIndex.count(vms[b].id) > 0;
    if (pa != pb) return pa;
    return vms[a].id < vms[b].id;
  });
  for (size_t k : order) {
    VmPlan& vm = vms[k];
    vm.host = static_cast<std::uint32_t>(fnv(lower(vm.id)) % hosts);
    vm.index = pick(vm.id, 1, 9999, usedIndex, previous.vmIndex);
    std::uint32_t pa = pick(vm.id, 1, 254, usedPa[vm.host], previous.vmPa);
    plan.assignments.vmIndex[vm.id] = vm.index;
    plan.assignments.vmPa[vm.id] = pa;
    vm.underlay = ip4(u1, u2, 16 + vm.host, pa);
    vm.ns = name(naming, Role::Vm, vm.index);
    vm.hostNs = name(naming, Role::HostVnet, vm.host * 100 + plan.assignments.vnetIndex[vm.vnet]);
    vm.hostLink = "v" + std::to_string(vm.index);
    char mac[18];
    std::snprintf(mac, sizeof mac, "02:00:%02x:%02x:%02x:%02x", unsigned{u1}, unsigned{u2}, 16 + vm.host, pa);
    vm.mac = mac;
  }

  // --- topology ---
  auto& topo = plan.topology;
  const std::string router = name(naming, Role::Router);
  const std::vector<netns_model::Sysctl> forwarding = {{"net.ipv4.ip_forward", "1"},
                                                       {"net.ipv4.conf.all.rp_filter", "0"},
                                                       {"net.ipv4.conf.default.rp_filter", "0"}};
  auto routerSysctls = forwarding;
  routerSysctls.push_back({"net.ipv4.fib_multipath_hash_policy", "1"});  // per-flow (L4) ECMP
  topo.namespaces.push_back({router, routerSysctls});
  plan.rootLink = name(naming, Role::Root);
  plan.rootAddress = ip4(u1, u2, 255, 1);
  plan.routerAddress = ip4(u1, u2, 255, 2);
  topo.veths.push_back({{netns_model::kRootNamespace, plan.rootLink, {prefix(plan.rootAddress + "/30")}, ""},
                        {router, "root", {prefix(plan.routerAddress + "/30")}, ""}, 0});
  Ipv4Prefix publicPrefix = prefix(o.publicPrefix);
  topo.routes.push_back({netns_model::kRootNamespace, publicPrefix,
                         {Nexthop{addr(plan.routerAddress), plan.rootLink, false, 1}}, 0});
  std::vector<Nexthop> muxHops;
  for (std::uint32_t i = 0; i < muxes; ++i) {
    std::string ns = name(naming, Role::Mux, i);
    std::string rside = ip4(u1, u2, 1, 4 * i + 1), mside = ip4(u1, u2, 1, 4 * i + 2);
    topo.namespaces.push_back({ns, forwarding});
    topo.veths.push_back({{router, "mux" + std::to_string(i), {prefix(rside + "/30")}, ""}, {ns, "eth0", {prefix(mside + "/30")}, ""}, kUnderlayMtu});
    topo.routes.push_back({ns, prefix("0.0.0.0/0"), {Nexthop{addr(rside), "eth0", false, 1}}, 0});
    if (!o.muxesDown.count(i)) muxHops.push_back(Nexthop{addr(mside), "mux" + std::to_string(i), false, 1});
    plan.muxUnderlays.push_back(ip4(u1, u2, 4, i + 1));
  }
  if (!muxHops.empty()) topo.routes.push_back({router, publicPrefix, muxHops, 0});
  // Interfaces take rp_filter from the namespace's default when created; MUX outer sources have no
  // route back, so every router interface gets it off explicitly.
  for (auto& ns : topo.namespaces)
    if (ns.name == router) {
      ns.sysctls.push_back({"net.ipv4.conf.root.rp_filter", "0"});
      for (std::uint32_t i = 0; i < muxes; ++i) ns.sysctls.push_back({"net.ipv4.conf.mux" + std::to_string(i) + ".rp_filter", "0"});
      for (std::uint32_t j = 0; j < hosts; ++j) ns.sysctls.push_back({"net.ipv4.conf.host" + std::to_string(j) + ".rp_filter", "0"});
    }
  for (std::uint32_t j = 0; j < hosts; ++j) {
    std::string ns = name(naming, Role::Host, j);
    std::string rside = ip4(u1, u2, 2, 4 * j + 1), hside = ip4(u1, u2, 2, 4 * j + 2);
    topo.namespaces.push_back({ns, forwarding});
    topo.veths.push_back({{router, "host" + std::to_string(j), {prefix(rside + "/30")}, ""}, {ns, "eth0", {prefix(hside + "/30")}, ""}, kUnderlayMtu});
    topo.routes.push_back({ns, prefix("0.0.0.0/0"), {Nexthop{addr(rside), "eth0", false, 1}}, 0});
    topo.routes.push_back({router, prefix(ip4(u1, u2, 16 + j, 0) + "/24"), {Nexthop{addr(hside), "host" + std::to_string(j), false, 1}}, 0});
  }
  std::map<std::string, std::vector<netns_model::Sysctl>> hostVnetSysctls;
  std::map<std::string, std::pair<std::uint32_t, std::string>> hostVnetOf;  // ns -> (host, vnet)
  for (const auto& vm : vms) {
    auto& sys = hostVnetSysctls[vm.hostNs];
    if (sys.empty()) {
      sys = forwarding;
      // The agent's probes come from Azure's probe address (issue 4); replies to it stay here.
    }
    sys.push_back({"net.ipv4.conf." + vm.hostLink + ".proxy_arp", "1"});
    sys.push_back({"net.ipv4.neigh." + vm.hostLink + ".proxy_delay", "0"});  // answer ARP at once, not after up to 0.8 s
    hostVnetOf[vm.hostNs] = {vm.host, vm.vnet};
  }
  for (const auto& [ns, sys] : hostVnetSysctls) topo.namespaces.push_back({ns, sys});
  for (const auto& vm : vms) {
    std::vector<Ipv4Prefix> addrs;
    for (const auto& ip : vm.ips) addrs.push_back(prefix(ip + "/" + std::to_string(vm.prefixLength)));
    topo.namespaces.push_back({vm.ns, {}});
    topo.veths.push_back({{vm.hostNs, vm.hostLink, {}, ""}, {vm.ns, "eth0", addrs, vm.mac}, 0});
    topo.routes.push_back({vm.ns, prefix("0.0.0.0/0"), {Nexthop{addr(vm.gateway), "eth0", true, 1}}, 0});
    for (const auto& ip : vm.ips) topo.routes.push_back({vm.hostNs, prefix(ip + "/32"), {Nexthop{std::nullopt, vm.hostLink, false, 1}}, 0});
  }

  // --- forwarding rules ---
  std::map<std::string, std::string> pipAddress;  // lower pip id -> address
  for (const auto& pip : in.publicIpAddresses)
    pipAddress[lower(pip.value("id", ""))] = props(pip).value("ipAddress", "");
  runtime::Snapshot base;
  base.version = version;
  base.forwarding.version = version;
  for (const auto& m : plan.muxUnderlays) base.muxUnderlays.push_back(*dataplane::Ipv4Address::parse(m));
  for (const auto& vm : vms)
    for (const auto& ip : vm.ips)
      base.vms.push_back({vm.id, vm.vnet, *dataplane::Ipv4Address::parse(ip), *dataplane::Ipv4Address::parse(vm.underlay),
                          vm.host, vm.hostNs, vm.hostLink, vm.mac});

  std::map<std::string, size_t> vmOfBackend;  // lower backend id -> vms index
  auto backendOf = [&](const std::string& id, size_t vmIndex, const std::string& ip) {
    vmOfBackend[lower(id)] = vmIndex;
    dataplane::BackendSpec b;
    b.id = id;
    b.ip = *dataplane::Ipv4Address::parse(ip);
    b.hostIp = *dataplane::Ipv4Address::parse(vms[vmIndex].underlay);
    return b;
  };
  std::map<std::string, ProbePlan> probePlans;                     // by key
  std::map<std::uint32_t, std::vector<runtime::ProbeEntry>> probeEntries;  // by host
  for (const auto& lb : in.loadBalancers) {
    const std::string lbId = lb.value("id", "");
    const json& lp = props(lb);
    const bool basicSku = lower(lb.contains("sku") ? lb["sku"].value("name", "") : std::string()) == "basic";
    std::map<std::string, const json*> probeById;
    for (const auto& pr : arr(lp, "probes")) probeById[lower(pr.value("id", ""))] = &pr;
    std::map<std::string, std::string> feIp, feVnet;
    for (const auto& fe : arr(lp, "frontendIPConfigurations")) {
      const json& p = props(fe);
      std::string ip = p.contains("publicIPAddress") ? pipAddress[lower(refId(p, "publicIPAddress"))]
                                                     : p.value("privateIPAddress", "");
      if (!ip.empty() && dataplane::Ipv4Address::parse(ip)) feIp[lower(fe.value("id", ""))] = ip;
      // An internal frontend belongs to its subnet's VNet: only that VNet's VMs reach it.
      if (!p.contains("publicIPAddress") && p.contains("subnet"))
        feVnet[lower(fe.value("id", ""))] = lower(vnetOfSubnet(refId(p, "subnet")));
    }
    // Pool members in Azure's order: IP-based addresses as listed, then NIC ipConfigurations by id.
    std::map<std::string, std::vector<dataplane::BackendSpec>> members;
    std::map<std::string, std::string> adminOf;  // lower pool-address id -> adminState
    for (const auto& pool : arr(lp, "backendAddressPools")) {
      auto& list = members[lower(pool.value("id", ""))];
      for (const auto& a : arr(props(pool), "loadBalancerBackendAddresses")) {
        std::string aid = pool.value("id", "") + "/loadBalancerBackendAddresses/" + a.value("name", "");
        auto v = vmByAddress.find(lower(aid));
        if (v != vmByAddress.end()) list.push_back(backendOf(aid, v->second, props(a).value("ipAddress", "")));
        adminOf[lower(aid)] = props(a).value("adminState", "None");
      }
      std::vector<std::string> cfgIds;
      for (const auto& c : arr(props(pool), "backendIPConfigurations")) cfgIds.push_back(c.value("id", ""));
      std::sort(cfgIds.begin(), cfgIds.end());
      for (const auto& cid : cfgIds) {
        auto v = vmByConfig.find(lower(cid));
        if (v != vmByConfig.end() && ipOfConfig.count(lower(cid))) list.push_back(backendOf(cid, v->second, ipOfConfig[lower(cid)]));
      }
    }
    std::vector<dataplane::RuleSpec> rules;
    std::vector<RuleHealthPlan> healthOfRules;
    auto protocolOf = [](const std::string& p) {
      return p == "Udp" ? dataplane::RuleProtocol::Udp : p == "All" ? dataplane::RuleProtocol::All : dataplane::RuleProtocol::Tcp;
    };
    auto distributionOf = [](const std::string& d) {
      return d == "SourceIP" ? dataplane::LoadDistribution::SourceIP
             : d == "SourceIPProtocol" ? dataplane::LoadDistribution::SourceIPProtocol
                                       : dataplane::LoadDistribution::Default;
    };
    for (const auto& rule : arr(lp, "loadBalancingRules")) {
      const json& p = props(rule);
      auto fe = feIp.find(lower(refId(p, "frontendIPConfiguration")));
      if (fe == feIp.end()) continue;
      dataplane::RuleSpec r;
      r.name = rule.value("id", "");
      r.kind = dataplane::RuleKind::LoadBalancingRule;
      r.frontendIp = *dataplane::Ipv4Address::parse(fe->second);
      if (auto v = feVnet.find(fe->first); v != feVnet.end()) r.vnet = v->second;
      r.protocol = protocolOf(p.value("protocol", "Tcp"));
      r.frontendPort = static_cast<std::uint16_t>(p.value("frontendPort", 0));
      r.backendPort = static_cast<std::uint16_t>(p.value("backendPort", 0));
      r.loadDistribution = distributionOf(p.value("loadDistribution", "Default"));
      r.idleTimeout = scaledIdleTimeout(p.value("idleTimeoutInMinutes", 4), o.idleTimeoutScale);
      r.floatingIp = p.value("enableFloatingIP", false);
      r.tcpReset = p.value("enableTcpReset", false);
      r.keepTcpFlowsWhenAllDown = !basicSku;
      for (const auto& poolRef : arr(p, "backendAddressPools")) {
        auto m = members.find(lower(poolRef.value("id", "")));
        if (m != members.end()) r.backends.insert(r.backends.end(), m->second.begin(), m->second.end());
      }
      // Health: a rule without a probe keeps every backend in rotation; with one, a backend is in
      // rotation once its host agent reports the probe up, unless its pool address's adminState
      // says otherwise (Up: always in rotation; Down and Drain: never, established TCP flows stay,
      // as with a failed probe). Azure applies admin state to probed rules only.
      auto probe = probeById.find(lower(refId(p, "probe")));
      if (probe != probeById.end()) {
        const json& pp = props(*probe->second);
        RuleHealthPlan health;
        health.rule = r.name;
        health.probe = probe->second->value("id", "");
        health.protocol = pp.value("protocol", "Tcp");
        bool anyUp = false;
        for (auto& b : r.backends) {
          ProbePlan pl;
          pl.key = lower(probe->second->value("id", "")) + "|" + lower(b.id);
          auto up = in.probeUp.find(pl.key);
          const bool probedUp = up != in.probeUp.end() && up->second;
          auto admin = adminOf.find(lower(b.id));
          const bool poolAddress = admin != adminOf.end();  // else a NIC ipConfiguration
          const std::string adminState = poolAddress ? admin->second : "None";
          const bool adminOut = adminState == "Down" || adminState == "Drain";  // Drain: no new flows either
          b.healthy = adminState == "Up" || (!adminOut && probedUp);
          anyUp = anyUp || b.healthy;
          health.backends.push_back({pl.key, b.id, b.ip.toString(), !poolAddress, adminState, b.healthy});
          if (probePlans.count(pl.key)) continue;
          const VmPlan& vm = vms[vmOfBackend[lower(b.id)]];
          pl.loadBalancer = lbId;
          pl.probe = probe->second->value("id", "");
          pl.backend = b.id;
          pl.ip = b.ip.toString();
          pl.host = vm.host;
          pl.up = probedUp;
          probeEntries[vm.host].push_back({pl.key, vm.hostNs, b.ip, pp});
          probePlans.emplace(pl.key, std::move(pl));
        }
        // noHealthyBackendsBehavior (api 2024-01-01+): AllProbedUp sends new flows to every
        // backend when all of them are probed down (an admin-Down backend stays out).
        if (!anyUp && lower(pp.value("noHealthyBackendsBehavior", "")) == "allprobedup") {
          health.allDownIsUp = true;
          for (size_t i = 0; i < r.backends.size(); ++i)
            if (health.backends[i].admin == "None") r.backends[i].healthy = health.backends[i].inRotation = true;
        }
        if (!r.backends.empty()) healthOfRules.push_back(std::move(health));
      }
      if (!r.backends.empty()) rules.push_back(std::move(r));
    }
    for (const auto& nat : arr(lp, "inboundNatRules")) {
      const json& p = props(nat);
      auto fe = feIp.find(lower(refId(p, "frontendIPConfiguration")));
      if (fe == feIp.end()) continue;
      dataplane::RuleSpec r;
      r.kind = dataplane::RuleKind::InboundNatRule;
      r.frontendIp = *dataplane::Ipv4Address::parse(fe->second);
      if (auto v = feVnet.find(fe->first); v != feVnet.end()) r.vnet = v->second;
      r.protocol = protocolOf(p.value("protocol", "Tcp"));
      r.backendPort = static_cast<std::uint16_t>(p.value("backendPort", 0));
      r.idleTimeout = scaledIdleTimeout(p.value("idleTimeoutInMinutes", 4), o.idleTimeoutScale);
      r.floatingIp = p.value("enableFloatingIP", false);
      r.tcpReset = p.value("enableTcpReset", false);
      if (p.contains("frontendPortRangeStart")) {
        auto m = members.find(lower(refId(p, "backendAddressPool")));
        if (m == members.end()) continue;
        int start = p.value("frontendPortRangeStart", 0), end = p.value("frontendPortRangeEnd", 0);
        for (size_t i = 0; i < m->second.size() && start + static_cast<int>(i) <= end; ++i) {
          dataplane::RuleSpec one = r;
          one.name = nat.value("id", "") + "#" + std::to_string(start + static_cast<int>(i));
          one.frontendPort = static_cast<std::uint16_t>(start + static_cast<int>(i));
          one.backends = {m->second[i]};
          rules.push_back(std::move(one));
        }
      } else {
        std::string cid = refId(p, "backendIPConfiguration");
        auto v = vmByConfig.find(lower(cid));
        if (v == vmByConfig.end() || !ipOfConfig.count(lower(cid))) continue;
        r.name = nat.value("id", "");
        r.frontendPort = static_cast<std::uint16_t>(p.value("frontendPort", 0));
        r.backends = {backendOf(cid, v->second, ipOfConfig[lower(cid)])};
        rules.push_back(std::move(r));
      }
    }
    // A load balancer whose rules the data plane refuses is reported, and the others still run.
    dataplane::ForwardingConfigSpec trial;
    trial.rules = rules;
    if (auto built = dataplane::ForwardingConfig::build(trial); !built) {
      plan.loadBalancerErrors[lbId] = built.error().message();
      continue;
    }
    for (auto& r : rules) base.forwarding.rules.push_back(std::move(r));
    for (auto& h : healthOfRules) plan.ruleHealth.push_back(std::move(h));
  }

  base.probeTimeScale = o.probeTimeScale;
  for (auto& [key, pl] : probePlans) plan.probes.push_back(std::move(pl));
  for (std::uint32_t i = 0; i < muxes; ++i) plan.muxSnapshots.push_back(base);
  for (std::uint32_t j = 0; j < hosts; ++j) {
    runtime::Snapshot s = base;
    s.host.index = j;
    s.host.underlayRange = ip4(u1, u2, 16 + j, 0) + "/24";
    for (const auto& [ns, hv] : hostVnetOf)
      if (hv.first == j) s.host.vnetNamespaces.push_back({ns, hv.second, "tun0"});
    if (auto e = probeEntries.find(j); e != probeEntries.end()) s.host.probes = e->second;
    plan.hostSnapshots.push_back(std::move(s));
  }
  plan.vms = std::move(vms);
  return plan;
}

}  // namespace azlb::controller
