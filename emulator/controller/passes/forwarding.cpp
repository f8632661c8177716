#include "emulator/controller/passes/forwarding.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "emulator/controller/passes/util.h"

namespace azlb::controller::passes {

namespace {

using model::AdminState;

/// State shared by every load balancer of one pass.
struct Context {
  const Inventory& inv;
  const std::vector<VmPlan>& vms;
  const std::map<std::string, bool>& probeUp;
  const PlanOptions& o;
  std::map<std::string, std::string> pipAddress;   // lower public IP id -> address
  std::map<std::string, std::size_t> vmOfBackend;  // lower backend id -> vms index
  Forwarding out;

  dataplane::BackendSpec backend(const std::string& id, std::size_t vmIndex,
                                 const std::string& ip) {
    vmOfBackend[toLower(id)] = vmIndex;
    dataplane::BackendSpec b;
    b.id = id;
    b.ip = *dataplane::Ipv4Address::parse(ip);
    b.hostIp = *dataplane::Ipv4Address::parse(vms[vmIndex].underlay);
    return b;
  }
};

/// One load balancer's lookups: frontends, pool members in Azure's order, admin states, probes.
struct Balancer {
  const model::LoadBalancer& lb;
  std::map<std::string, const model::Probe*> probeById;                // lower id
  std::map<std::string, std::string> feIp, feVnet;                     // lower frontend id
  std::map<std::string, std::vector<dataplane::BackendSpec>> members;  // lower pool id
  std::map<std::string, AdminState> adminOf;                           // lower pool-address id
};

dataplane::RuleProtocol protocolOf(model::TransportProtocol p) {
  switch (p) {
    case model::TransportProtocol::Udp:
      return dataplane::RuleProtocol::Udp;
    case model::TransportProtocol::All:
      return dataplane::RuleProtocol::All;
    case model::TransportProtocol::Tcp:
      break;
  }
  return dataplane::RuleProtocol::Tcp;
}

dataplane::LoadDistribution distributionOf(model::LoadDistribution d) {
  switch (d) {
    case model::LoadDistribution::SourceIP:
      return dataplane::LoadDistribution::SourceIP;
    case model::LoadDistribution::SourceIPProtocol:
      return dataplane::LoadDistribution::SourceIPProtocol;
    case model::LoadDistribution::Default:
      break;
  }
  return dataplane::LoadDistribution::Default;
}

Balancer lookups(const model::LoadBalancer& lb, Context& c) {
  Balancer b{lb, {}, {}, {}, {}, {}};
  for (const auto& pr : lb.probes) b.probeById[toLower(pr.id)] = &pr;
  for (const auto& fe : lb.frontendIpConfigurations) {
    const std::string ip =
        fe.publicIpAddressId ? c.pipAddress[toLower(*fe.publicIpAddressId)] : fe.privateIpAddress;
    if (!ip.empty() && dataplane::Ipv4Address::parse(ip)) b.feIp[toLower(fe.id)] = ip;
    // An internal frontend belongs to its subnet's VNet: only that VNet's VMs reach it.
    if (!fe.publicIpAddressId && !fe.subnetId.empty())
      b.feVnet[toLower(fe.id)] = toLower(model::virtualNetworkOfSubnet(fe.subnetId));
  }
  // Pool members in Azure's order: IP-based addresses as listed, then NIC ipConfigurations by id.
  for (const auto& pool : lb.backendAddressPools) {
    auto& list = b.members[toLower(pool.id)];
    for (const auto& a : pool.loadBalancerBackendAddresses) {
      auto v = c.inv.vmByAddress.find(toLower(a.id));
      if (v != c.inv.vmByAddress.end()) list.push_back(c.backend(a.id, v->second, a.ipAddress));
      b.adminOf[toLower(a.id)] = a.adminState;
    }
    std::vector<std::string> cfgIds = pool.backendIpConfigurationIds;
    std::sort(cfgIds.begin(), cfgIds.end());
    for (const auto& cid : cfgIds) {
      auto v = c.inv.vmByConfig.find(toLower(cid));
      auto ip = c.inv.ipOfConfig.find(toLower(cid));
      if (v != c.inv.vmByConfig.end() && ip != c.inv.ipOfConfig.end())
        list.push_back(c.backend(cid, v->second, ip->second));
    }
  }
  return b;
}

/// A probed rule: a backend is in rotation once its host agent reports the probe up, unless its
/// pool address's adminState says otherwise (Up: always; Down and Drain: never, established TCP
/// flows stay, as with a failed probe). Azure applies admin state to probed rules only.
RuleHealthPlan probeRule(dataplane::RuleSpec& r, const model::Probe& probe, const Balancer& b,
                         Context& c) {
  RuleHealthPlan health;
  health.rule = r.name;
  health.probe = probe.id;
  health.protocol = model::toString(probe.protocol);
  bool anyUp = false;
  for (auto& be : r.backends) {
    ProbePlan pl;
    pl.key = toLower(probe.id) + "|" + toLower(be.id);
    auto up = c.probeUp.find(pl.key);
    const bool probedUp = up != c.probeUp.end() && up->second;
    auto admin = b.adminOf.find(toLower(be.id));
    const bool poolAddress = admin != b.adminOf.end();  // else a NIC ipConfiguration
    const AdminState state = poolAddress ? admin->second : AdminState::None;
    const bool adminOut =
        state == AdminState::Down || state == AdminState::Drain;  // Drain: no new flows either
    be.healthy = state == AdminState::Up || (!adminOut && probedUp);
    anyUp = anyUp || be.healthy;
    health.backends.push_back(
        {pl.key, be.id, be.ip.toString(), !poolAddress, model::toString(state), be.healthy});
    if (c.out.probes.count(pl.key)) continue;
    const VmPlan& vm = c.vms[c.vmOfBackend[toLower(be.id)]];
    pl.loadBalancer = b.lb.id;
    pl.probe = probe.id;
    pl.backend = be.id;
    pl.ip = be.ip.toString();
    pl.host = vm.host;
    pl.up = probedUp;
    // The host agent's probe policy reads the ARM probe itself (the snapshot carries it as is).
    c.out.probeEntries[vm.host].push_back(
        {pl.key, vm.hostNs, be.ip, nlohmann::json::parse(probe.armProperties, nullptr, false)});
    c.out.probes.emplace(pl.key, std::move(pl));
  }
  // noHealthyBackendsBehavior (api 2024-01-01+): AllProbedUp sends new flows to every backend
  // when all of them are probed down (an admin-Down backend stays out).
  if (!anyUp && probe.noHealthyBackendsBehavior == model::NoHealthyBackendsBehavior::AllProbedUp) {
    health.allDownIsUp = true;
    for (std::size_t i = 0; i < r.backends.size(); ++i)
      if (health.backends[i].admin == model::toString(AdminState::None))
        r.backends[i].healthy = health.backends[i].inRotation = true;
  }
  return health;
}

void loadBalancingRules(const Balancer& b, Context& c, std::vector<dataplane::RuleSpec>& rules,
                        std::vector<RuleHealthPlan>& healthOfRules) {
  for (const auto& rule : b.lb.loadBalancingRules) {
    auto fe = b.feIp.find(toLower(rule.frontendIpConfigurationId));
    if (fe == b.feIp.end()) continue;
    dataplane::RuleSpec r;
    r.name = rule.id;
    r.kind = dataplane::RuleKind::LoadBalancingRule;
    r.frontendIp = *dataplane::Ipv4Address::parse(fe->second);
    if (auto v = b.feVnet.find(fe->first); v != b.feVnet.end()) r.vnet = v->second;
    r.protocol = protocolOf(rule.protocol);
    r.frontendPort = static_cast<std::uint16_t>(rule.frontendPort);
    r.backendPort = static_cast<std::uint16_t>(rule.backendPort);
    r.loadDistribution = distributionOf(rule.loadDistribution);
    r.idleTimeout = scaledIdleTimeout(rule.idleTimeoutInMinutes, c.o.idleTimeoutScale);
    r.floatingIp = rule.enableFloatingIp;
    r.tcpReset = rule.enableTcpReset;
    r.keepTcpFlowsWhenAllDown = b.lb.sku != model::Sku::Basic;
    r.standard = b.lb.sku != model::Sku::Basic;
    r.answersPing = b.lb.sku != model::Sku::Basic && r.vnet.empty();
    for (const auto& poolId : rule.backendAddressPoolIds) {
      auto m = b.members.find(toLower(poolId));
      if (m != b.members.end())
        r.backends.insert(r.backends.end(), m->second.begin(), m->second.end());
    }
    // A rule without a probe keeps every backend in rotation.
    if (auto probe = b.probeById.find(toLower(rule.probeId)); probe != b.probeById.end()) {
      RuleHealthPlan health = probeRule(r, *probe->second, b, c);
      if (!r.backends.empty()) healthOfRules.push_back(std::move(health));
    }
    // Draining members: in the rule (their established flows stay) but never chosen anew.
    for (const auto& poolId : rule.drainingPoolIds)
      if (auto m = b.members.find(toLower(poolId)); m != b.members.end())
        for (auto be : m->second) {
          be.healthy = false;
          r.backends.push_back(std::move(be));
        }
    if (!r.backends.empty()) rules.push_back(std::move(r));
  }
}

void inboundNatRules(const Balancer& b, Context& c, std::vector<dataplane::RuleSpec>& rules) {
  for (const auto& nat : b.lb.inboundNatRules) {
    auto fe = b.feIp.find(toLower(nat.frontendIpConfigurationId));
    if (fe == b.feIp.end()) continue;
    dataplane::RuleSpec r;
    r.kind = dataplane::RuleKind::InboundNatRule;
    r.frontendIp = *dataplane::Ipv4Address::parse(fe->second);
    if (auto v = b.feVnet.find(fe->first); v != b.feVnet.end()) r.vnet = v->second;
    r.protocol = protocolOf(nat.protocol);
    r.backendPort = static_cast<std::uint16_t>(nat.backendPort);
    r.idleTimeout = scaledIdleTimeout(nat.idleTimeoutInMinutes, c.o.idleTimeoutScale);
    r.floatingIp = nat.enableFloatingIp;
    r.tcpReset = nat.enableTcpReset;
    r.standard = b.lb.sku != model::Sku::Basic;
    r.answersPing = b.lb.sku != model::Sku::Basic && r.vnet.empty();
    if (nat.frontendPortRangeStart) {  // ports start..end map to the pool's members in order
      auto m = b.members.find(toLower(nat.backendAddressPoolId));
      if (m == b.members.end()) continue;
      const int start = *nat.frontendPortRangeStart, end = nat.frontendPortRangeEnd.value_or(0);
      for (std::size_t i = 0; i < m->second.size() && start + static_cast<int>(i) <= end; ++i) {
        dataplane::RuleSpec one = r;
        one.name = nat.id + "#" + std::to_string(start + static_cast<int>(i));
        one.frontendPort = static_cast<std::uint16_t>(start + static_cast<int>(i));
        one.backends = {m->second[i]};
        rules.push_back(std::move(one));
      }
      continue;
    }
    const std::string& cid = nat.backendIpConfigurationId;
    auto v = c.inv.vmByConfig.find(toLower(cid));
    auto ip = c.inv.ipOfConfig.find(toLower(cid));
    if (v == c.inv.vmByConfig.end() || ip == c.inv.ipOfConfig.end()) continue;
    r.name = nat.id;
    r.frontendPort = static_cast<std::uint16_t>(nat.frontendPort);
    r.backends = {c.backend(cid, v->second, ip->second)};
    rules.push_back(std::move(r));
  }
}

}  // namespace

Forwarding forwarding(const model::Resources& resources, const Inventory& inv,
                      const std::vector<VmPlan>& vms, const std::map<std::string, bool>& probeUp,
                      const PlanOptions& o) {
  Context c{inv, vms, probeUp, o, {}, {}, {}};
  for (const auto& pip : resources.publicIpAddresses) c.pipAddress[toLower(pip.id)] = pip.ipAddress;
  for (const auto& lb : resources.loadBalancers) {
    const Balancer b = lookups(lb, c);
    std::vector<dataplane::RuleSpec> rules;
    std::vector<RuleHealthPlan> healthOfRules;
    loadBalancingRules(b, c, rules, healthOfRules);
    inboundNatRules(b, c, rules);
    // A load balancer whose rules the data plane refuses is reported, and the others still run.
    dataplane::ForwardingConfigSpec trial;
    trial.rules = rules;
    if (auto built = dataplane::ForwardingConfig::build(trial); !built) {
      c.out.errors[lb.id] = built.error().message();
      continue;
    }
    for (auto& r : rules) c.out.rules.push_back(std::move(r));
    for (auto& h : healthOfRules) c.out.ruleHealth.push_back(std::move(h));
  }
  return std::move(c.out);
}

}  // namespace azlb::controller::passes
