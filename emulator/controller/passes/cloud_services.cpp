#include "emulator/controller/passes/cloud_services.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "emulator/cloudservice/guest_agent.h"
#include "emulator/cloudservice/ports.h"
#include "emulator/controller/passes/role_environment.h"
#include "emulator/controller/passes/util.h"

namespace azlb::controller::passes {

namespace {

using cloudservice::Endpoint;
using cloudservice::EndpointKind;
using cloudservice::EndpointProtocol;

/// Where one service's instances live: per role, its subnet id and its instances' addresses.
struct Addressing {
  std::string vnetId;
  std::vector<std::string> subnetIds;
  std::vector<std::vector<std::string>> ips;
};

/// One service being lowered.
struct Lowering {
  const model::CloudService& cs;
  const cloudservice::Deployment& d;
  std::string lbId;
  Addressing addr;
  const cloudservice::Role& role(std::size_t r) const {
    return d.definition.roles[d.roles[r].role];
  }
};

std::string groupPrefix(const std::string& id) {
  const std::string lower = toLower(id);
  const auto at = lower.find("/providers/");
  return at == std::string::npos ? lower : lower.substr(0, at);
}

/// The implicit network: a VNet of the service's own, role r in 10.0.r.0/24.
Addressing implicitNetwork(const Lowering& l, model::Resources& res, std::string& error) {
  model::VirtualNetwork vnet;
  vnet.id = l.cs.id + "/virtualNetworks/" + l.cs.name + "-vnet";
  vnet.name = l.cs.name + "-vnet";
  Addressing a;
  a.vnetId = vnet.id;
  for (std::size_t r = 0; r < l.d.roles.size(); ++r) {
    const std::string net = "10.0." + std::to_string(r) + ".";
    vnet.subnets.push_back(
        {vnet.id + "/subnets/" + l.role(r).name, l.role(r).name, net + "0/24", {}, true, ""});
    a.subnetIds.push_back(vnet.subnets.back().id);
    a.ips.emplace_back();
    if (l.d.roles[r].instanceCount > 250)
      error = "role " + l.role(r).name + " has more than 250 instances";
    for (int i = 0; i < l.d.roles[r].instanceCount && i < 250; ++i)
      a.ips.back().push_back(net + std::to_string(4 + i));
  }
  res.virtualNetworks.push_back(std::move(vnet));
  return a;
}

/// The cscfg's VirtualNetworkSite: a VNet of the service's resource group, addresses from .4 up
/// that no NIC of that subnet holds.
Addressing namedNetwork(const Lowering& l, const model::Resources& res, std::string& error) {
  const model::VirtualNetwork* vnet = nullptr;
  for (const auto& v : res.virtualNetworks)
    if (iequals(v.name, l.d.virtualNetworkSite) && groupPrefix(v.id) == groupPrefix(l.cs.id))
      vnet = &v;
  Addressing a;
  if (!vnet || vnet->subnets.empty()) {
    error = "VirtualNetworkSite " + l.d.virtualNetworkSite +
            " is no virtual network with a subnet in the cloud service's resource group";
    return a;
  }
  a.vnetId = vnet->id;
  std::set<std::string> used;
  for (const auto& nic : res.networkInterfaces)
    for (const auto& c : nic.ipConfigurations) used.insert(c.privateIpAddress);
  for (const auto& dr : l.d.roles) {
    const model::Subnet* s = &vnet->subnets.front();
    for (const auto& sub : vnet->subnets)
      if (iequals(sub.name, dr.subnetName)) s = &sub;
    const auto pre =
        prefix(s->addressPrefix.empty() && !s->addressPrefixes.empty() ? s->addressPrefixes.front()
                                                                       : s->addressPrefix);
    a.subnetIds.push_back(s->id);
    a.ips.emplace_back();
    const std::uint32_t size = pre.length >= 30 ? 0 : (1u << (32 - pre.length));
    for (std::uint32_t host = 4;
         host + 1 < size && a.ips.back().size() < std::size_t(dr.instanceCount); ++host) {
      const std::string ip =
          netns_model::toString(netns_model::Ipv4Address{pre.address.value + host});
      if (used.insert(ip).second) a.ips.back().push_back(ip);
    }
    if (a.ips.back().size() < std::size_t(dr.instanceCount))
      error = "subnet " + s->name + " has no room for " + std::to_string(dr.instanceCount) +
              " instances";
  }
  return a;
}

std::string instanceId(const Lowering& l, std::size_t r, int i) {
  return l.cs.id + "/roleInstances/" + cloudservice::instanceName(l.role(r).name, i);
}
std::string configId(const Lowering& l, std::size_t r, int i) {
  return instanceId(l, r, i) + "/ipConfigurations/ipconfig";
}

void addNics(const Lowering& l, model::Resources& res) {
  for (std::size_t r = 0; r < l.d.roles.size(); ++r)
    for (std::size_t i = 0; i < l.addr.ips[r].size(); ++i) {
      model::NetworkInterface nic;
      nic.id = instanceId(l, r, static_cast<int>(i));
      nic.name = cloudservice::instanceName(l.role(r).name, static_cast<int>(i));
      nic.ipConfigurations.push_back({configId(l, r, static_cast<int>(i)),
                                      "ipconfig",
                                      true,
                                      l.addr.ips[r][i],
                                      l.addr.subnetIds[r],
                                      "",
                                      {}});
      res.networkInterfaces.push_back(std::move(nic));
    }
}

model::TransportProtocol transportOf(EndpointProtocol p) {
  return p == EndpointProtocol::Udp ? model::TransportProtocol::Udp : model::TransportProtocol::Tcp;
}

model::Probe armProbe(const std::string& id, const std::string& name, const json& properties) {
  model::Probe p;
  p.id = id;
  p.name = name;
  p.protocol = properties.value("protocol", "Tcp") == "Http" ? model::ProbeProtocol::Http
                                                             : model::ProbeProtocol::Tcp;
  p.port = properties.value("port", 0);
  p.requestPath = properties.value("requestPath", "");
  p.intervalInSeconds = properties.value("intervalInSeconds", 15);
  p.armProperties = properties.dump();
  return p;
}

/// The probe an input endpoint's rule uses ("" = none), added to the balancer once.
std::string probeFor(const Lowering& l, std::size_t r, const Endpoint& e, int localPort,
                     model::LoadBalancer& lb) {
  std::string id, name;
  json properties;
  if (!e.loadBalancerProbe.empty()) {
    for (const auto& p : l.d.definition.probes)
      if (iequals(p.name, e.loadBalancerProbe)) {
        const int port = p.port ? p.port : localPort;
        name = p.name + "_" + std::to_string(port);
        properties = probeProperties(p, port);
      }
    if (name.empty()) return {};
  } else if (!e.ignoreRoleInstanceStatus) {
    name = "GuestAgent_" + l.role(r).name;
    properties = {{"protocol", "Http"},
                  {"port", cloudservice::kGuestAgentPort},
                  {"requestPath", cloudservice::kHealthPath},
                  {"intervalInSeconds", cloudservice::kGuestAgentProbeIntervalSeconds},
                  {"probeThreshold", 1}};
  } else {
    return {};
  }
  id = l.lbId + "/probes/" + name;
  const bool known = std::any_of(lb.probes.begin(), lb.probes.end(),
                                 [&](const model::Probe& p) { return p.id == id; });
  if (!known) lb.probes.push_back(armProbe(id, name, properties));
  return id;
}

void addEndpointRules(const Lowering& l, std::size_t r, model::LoadBalancer& lb,
                      const std::string& frontendId) {
  const std::string pool = l.lbId + "/backendAddressPools/" + l.role(r).name;
  const auto& endpoints = l.role(r).endpoints;
  for (std::size_t e = 0; e < endpoints.size(); ++e) {
    const Endpoint& ep = endpoints[e];
    const int localPort = cloudservice::localPortOf(l.d, r, e);
    const std::string base = l.role(r).name + "_" + ep.name;
    if (ep.kind == EndpointKind::Input) {
      model::LoadBalancingRule rule;
      rule.id = l.lbId + "/loadBalancingRules/" + base;
      rule.name = base;
      rule.frontendIpConfigurationId = frontendId;
      rule.backendAddressPoolIds = {pool};
      rule.protocol = transportOf(ep.protocol);
      rule.frontendPort = ep.port;
      rule.backendPort = localPort;
      rule.probeId = probeFor(l, r, ep, localPort, lb);
      lb.loadBalancingRules.push_back(std::move(rule));
    } else if (ep.kind == EndpointKind::InstanceInput) {
      for (std::size_t i = 0; i < l.addr.ips[r].size(); ++i) {
        model::InboundNatRule nat;
        nat.id = l.lbId + "/inboundNatRules/" + base + "_" + std::to_string(i);
        nat.name = base + "_" + std::to_string(i);
        nat.frontendIpConfigurationId = frontendId;
        nat.protocol = transportOf(ep.protocol);
        nat.frontendPort = cloudservice::instancePublicPort(ep, static_cast<int>(i));
        nat.backendPort = localPort;
        nat.backendIpConfigurationId = configId(l, r, static_cast<int>(i));
        lb.inboundNatRules.push_back(std::move(nat));
      }
    }
  }
}

/// The service's load balancer: its first public IP, a pool per role, the endpoints' rules.
void addLoadBalancer(const Lowering& l, model::Resources& res) {
  if (l.cs.publicIpAddressIds.empty()) return;  // no VIP: internal endpoints only
  model::LoadBalancer lb;
  lb.id = l.lbId;
  lb.name = l.cs.name;
  lb.sku = model::Sku::Standard;
  const std::string frontendId = l.lbId + "/frontendIPConfigurations/vip";
  lb.frontendIpConfigurations.push_back(
      {frontendId, "vip", l.cs.publicIpAddressIds.front(), "", ""});
  for (std::size_t r = 0; r < l.d.roles.size(); ++r) {
    model::BackendAddressPool pool;
    pool.id = l.lbId + "/backendAddressPools/" + l.role(r).name;
    pool.name = l.role(r).name;
    for (std::size_t i = 0; i < l.addr.ips[r].size(); ++i)
      pool.backendIpConfigurationIds.push_back(configId(l, r, static_cast<int>(i)));
    lb.backendAddressPools.push_back(std::move(pool));
    addEndpointRules(l, r, lb, frontendId);
  }
  res.loadBalancers.push_back(std::move(lb));
}

std::size_t roleIndex(const Lowering& l, const std::string& name) {
  for (std::size_t r = 0; r < l.d.roles.size(); ++r)
    if (iequals(l.role(r).name, name)) return r;
  return l.d.roles.size();
}

/// The (protocol, first port, last port) a filter on internal endpoint (r, e) covers.
std::tuple<std::uint8_t, std::uint16_t, std::uint16_t> coverage(const Lowering& l, std::size_t r,
                                                                std::size_t e) {
  const Endpoint& ep = l.role(r).endpoints[e];
  const std::uint8_t proto = ep.protocol == EndpointProtocol::Udp   ? 17
                             : ep.protocol == EndpointProtocol::Any ? 0
                                                                    : 6;
  if (ep.fixedPortRange)
    return {proto, static_cast<std::uint16_t>(ep.fixedPortRange->min),
            static_cast<std::uint16_t>(ep.fixedPortRange->max)};
  if (ep.protocol == EndpointProtocol::Any && ep.port == 0) return {proto, 1, 65535};
  const auto port = static_cast<std::uint16_t>(cloudservice::localPortOf(l.d, r, e));
  return {proto, port, port};
}

/// NetworkTrafficRules: each destination's instances take new connections only from the roles
/// the rules naming it list (their union). Destinations no rule names stay open to every role.
void addTrafficFilters(const Lowering& l, std::vector<runtime::TrafficFilter>& out) {
  using Key = std::tuple<std::string, std::uint8_t, std::uint16_t, std::uint16_t>;
  std::map<Key, std::set<std::string>> allowed;
  for (const auto& rule : l.d.definition.trafficRules) {
    std::set<std::string> sources;
    for (const auto& from : rule.fromRoles)
      if (auto r = roleIndex(l, from); r < l.d.roles.size())
        sources.insert(l.addr.ips[r].begin(), l.addr.ips[r].end());
    std::vector<std::pair<std::size_t, std::size_t>> dests;
    for (std::size_t r = 0; r < l.d.roles.size(); ++r)
      for (std::size_t e = 0; e < l.role(r).endpoints.size(); ++e) {
        const auto& ep = l.role(r).endpoints[e];
        bool named = rule.allowAllTraffic;
        for (const auto& [role, endpoint] : rule.destinations)
          named = named || (iequals(role, l.role(r).name) && iequals(endpoint, ep.name));
        if (named && ep.kind == EndpointKind::Internal) dests.emplace_back(r, e);
      }
    for (const auto& [r, e] : dests) {
      const auto [proto, lo, hi] = coverage(l, r, e);
      for (const auto& ip : l.addr.ips[r])
        allowed[{ip, proto, lo, hi}].insert(sources.begin(), sources.end());
    }
  }
  for (const auto& [key, sources] : allowed) {
    runtime::TrafficFilter f;
    f.vnet = toLower(l.addr.vnetId);
    f.ip = *dataplane::Ipv4Address::parse(std::get<0>(key));
    f.protocol = std::get<1>(key);
    f.portMin = std::get<2>(key);
    f.portMax = std::get<3>(key);
    for (const auto& s : sources) f.allowedSources.push_back(*dataplane::Ipv4Address::parse(s));
    out.push_back(std::move(f));
  }
}

/// Whether a and b are VIP-swap partners (either names the other).
bool partners(const model::CloudService& a, const model::CloudService& b) {
  return iequals(a.swappableCloudServiceId, b.id) || iequals(b.swappableCloudServiceId, a.id);
}

/// After a VIP swap the deployment that held a VIP keeps the flows it had: in each rule of a
/// service's load balancer, the partner's instances of the same role are draining members
/// (established flows stay on them; new flows never go there).
void addFormerDeployments(const std::vector<Lowering>& done, model::Resources& res) {
  for (const auto& l : done)
    for (const auto& p : done) {
      if (&l == &p || !partners(l.cs, p.cs)) continue;
      auto lb = std::find_if(res.loadBalancers.begin(), res.loadBalancers.end(),
                             [&](const model::LoadBalancer& x) { return x.id == l.lbId; });
      if (lb == res.loadBalancers.end()) continue;
      for (std::size_t r = 0; r < p.d.roles.size(); ++r) {
        const std::string role = p.role(r).name;
        model::BackendAddressPool former;
        former.id = l.lbId + "/backendAddressPools/Former_" + role;
        former.name = "Former_" + role;
        for (std::size_t i = 0; i < p.addr.ips[r].size(); ++i)
          former.backendIpConfigurationIds.push_back(configId(p, r, static_cast<int>(i)));
        const std::string own = toLower(l.lbId + "/backendAddressPools/" + role);
        for (auto& rule : lb->loadBalancingRules)
          if (!rule.backendAddressPoolIds.empty() && toLower(rule.backendAddressPoolIds[0]) == own)
            rule.drainingPoolIds.push_back(former.id);
        lb->backendAddressPools.push_back(std::move(former));
      }
    }
}

}  // namespace

json probeProperties(const cloudservice::LoadBalancerProbe& probe, int port) {
  const int interval = std::max(1, probe.intervalInSeconds);
  json p = {{"protocol", probe.protocol == cloudservice::ProbeProtocol::Http ? "Http" : "Tcp"},
            {"port", port},
            {"intervalInSeconds", interval},
            {"probeThreshold", std::max(1, (probe.timeoutInSeconds + interval - 1) / interval)},
            {"azlbStartupIntervalInSeconds", 1}};
  if (probe.protocol == cloudservice::ProbeProtocol::Http)
    p["requestPath"] = probe.path.rfind('/', 0) == 0 ? probe.path : "/" + probe.path;
  return p;
}

CloudServices cloudServices(model::Resources& resources) {
  CloudServices out;
  std::vector<Lowering> done;
  done.reserve(resources.cloudServices.size());
  for (const auto& cs : resources.cloudServices) {
    Lowering l{cs, cs.deployment, cs.id + "/loadBalancers/" + cs.name, {}};
    std::string error;
    l.addr = l.d.virtualNetworkSite.empty() ? implicitNetwork(l, resources, error)
                                            : namedNetwork(l, resources, error);
    if (!error.empty()) {
      out.errors[cs.id] = error;
      continue;
    }
    addNics(l, resources);
    addLoadBalancer(l, resources);
    addTrafficFilters(l, out.filters);
    std::string vip;
    if (!cs.publicIpAddressIds.empty())
      for (const auto& pip : resources.publicIpAddresses)
        if (iequals(pip.id, cs.publicIpAddressIds.front())) vip = pip.ipAddress;
    for (auto& inst : roleInstancePlans(cs, l.addr.ips, vip))
      out.instances.push_back(std::move(inst));
    done.push_back(std::move(l));
  }
  addFormerDeployments(done, resources);
  return out;
}

}  // namespace azlb::controller::passes
