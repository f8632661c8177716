// Microsoft.Network/loadBalancers: validation of the whole body (every child collection), the
// computed back-references, and inbound NAT port-range mappings.
#include <map>
#include <set>

#include "arm-api/service/network_util.h"

namespace azlb::armservice::network {

using armapi::canonicalEnum;
using armapi::checkKinds;
using armapi::formatIpv4;
using armapi::iequals;
using armapi::intInRange;
using armapi::JsonKind;
using armapi::objectAt;
using armapi::parseIpv4;
using armapi::toLower;

namespace {

const char* const kCollections[] = {"frontendIPConfigurations", "backendAddressPools",
                                    "loadBalancingRules",       "probes",
                                    "inboundNatRules",          "inboundNatPools",
                                    "outboundRules"};

ArmError missingProperty(const std::string& property, const std::string& path) {
  return errors::invalidRequestFormat("MissingJsonProperty", "Required property '" + property +
                                                                 "' not found in JSON. Path '" +
                                                                 path + "'.");
}

/// A required property counts as missing when absent or null (NRP: "expects a value but got null").
bool present(const json& p, const char* key) {
  auto it = p.find(key);
  return it != p.end() && !it->is_null();
}

std::string itemPath(const char* coll, size_t i) {
  return std::string("properties.") + coll + "[" + std::to_string(i) + "].properties";
}

/// Resolves a reference that must point at a child of this load balancer.
ArmResult<std::optional<std::string>> localRef(const json& p, const char* key, const char* coll,
                                               const std::map<std::string, std::string>& known,
                                               const std::string& /*lbId*/, const std::string& owner,
                                               const std::string& path) {
  auto ref = armapi::refAt(p, key, path);
  if (!ref) return armFail(ref.error());
  if (!*ref) return std::optional<std::string>{};
  std::string k = refKey(**ref);
  auto parsed = ResourceId::parse(**ref);
  if (!known.count(k) || !parsed || parsed->segments.size() != 2 ||
      !iequals(parsed->segments[1].first, coll))
    return armFail(errors::invalidResourceReference(**ref, owner));
  // The referenced child's own id: a reference written in another casing comes back canonical.
  return std::optional<std::string>{known.at(k)};
}

struct PortUse {
  std::string frontendKey;
  std::string protocol;  // Tcp or Udp
  int64_t first, last;
  std::string owner;
};

void addPortUse(std::vector<PortUse>& uses, const std::string& fe, const std::string& protocol,
                int64_t first, int64_t last, const std::string& owner) {
  if (protocol == "All") {
    uses.push_back({fe, "Tcp", first, last, owner});
    uses.push_back({fe, "Udp", first, last, owner});
  } else {
    uses.push_back({fe, protocol, first, last, owner});
  }
}

/// Lower-case id -> id of each item.
std::map<std::string, std::string> keysOf(const json& items) {
  std::map<std::string, std::string> keys;
  for (const auto& it : items) keys.emplace(toLower(it.value("id", "")), it.value("id", ""));
  return keys;
}

}  // namespace

ArmResult<json> normalizeLoadBalancer(Ctx& ctx, const ResourceId& id, const json& request,
                                      const Resource* existing) {
  const std::string lbId = id.str();
  auto propsR = objectAt(request, "properties", "");
  if (!propsR) return armFail(propsR.error());
  json props = *propsR;
  auto skuR = objectAt(request, "sku", "");
  if (!skuR) return armFail(skuR.error());
  if (auto k = checkKinds(*skuR, "sku", {{"name", JsonKind::String}, {"tier", JsonKind::String}}); !k)
    return armFail(k.error());
  auto sku = canonicalEnum(armapi::stringOr(*skuR, "name", "Basic"), {"Basic", "Standard", "Gateway"}, "sku.name");
  if (!sku) return armFail(sku.error());
  auto tier = canonicalEnum(armapi::stringOr(*skuR, "tier", "Regional"), {"Regional", "Global"}, "sku.tier");
  if (!tier) return armFail(tier.error());
  const bool standard = *sku != "Basic";

  auto fes = normalizeChildren(props, "frontendIPConfigurations", lbId, id.type(),
                               {"inboundNatRules", "inboundNatPools", "outboundRules",
                                "loadBalancingRules"});
  if (!fes) return armFail(fes.error());
  auto pools = normalizeChildren(props, "backendAddressPools", lbId, id.type(),
                                 {"backendIPConfigurations", "loadBalancingRules", "outboundRule",
                                  "outboundRules", "inboundNatRules"});
  if (!pools) return armFail(pools.error());
  auto rules = normalizeChildren(props, "loadBalancingRules", lbId, id.type(), {});
  if (!rules) return armFail(rules.error());
  auto probes = normalizeChildren(props, "probes", lbId, id.type(), {"loadBalancingRules"});
  if (!probes) return armFail(probes.error());
  auto nats = normalizeChildren(props, "inboundNatRules", lbId, id.type(), {"backendIPConfiguration"});
  if (!nats) return armFail(nats.error());
  auto natPools = normalizeChildren(props, "inboundNatPools", lbId, id.type(), {});
  if (!natPools) return armFail(natPools.error());
  auto outbound = normalizeChildren(props, "outboundRules", lbId, id.type(), {});
  if (!outbound) return armFail(outbound.error());

  if (fes->empty() && (!pools->empty() || !rules->empty() || !probes->empty() || !nats->empty() ||
                       !natPools->empty() || !outbound->empty()))
    return armFail(errors::badRequest(
        "LoadBalancerWithoutFrontendIPCantHaveChildResources",
        "Load balancer " + lbId + " does not have Frontend IP Configuration, hence it cannot have "
                                  "child resources (backend address pools, rules, probes, inbound "
                                  "NAT rules or pools, outbound rules)."));

  const auto feKeys = keysOf(*fes), poolKeys = keysOf(*pools), probeKeys = keysOf(*probes);
  std::set<uint32_t> takenHere;
  std::map<std::string, std::string> pipsHere;  // public IP key -> the frontend of this body using it

  // Frontends.
  for (size_t i = 0; i < fes->size(); ++i) {
    auto& fe = (*fes)[i];
    auto& p = fe["properties"];
    const std::string path = itemPath("frontendIPConfigurations", i), feId = fe["id"];
    if (auto k = checkKinds(p, path, {{"privateIPAddress", JsonKind::String},
                                      {"privateIPAllocationMethod", JsonKind::String},
                                      {"privateIPAddressVersion", JsonKind::String}});
        !k)
      return armFail(k.error());
    auto pipRef = armapi::refAt(p, "publicIPAddress", path);
    if (!pipRef) return armFail(pipRef.error());
    auto subnetRef = armapi::refAt(p, "subnet", path);
    if (!subnetRef) return armFail(subnetRef.error());
    auto version = canonicalEnum(armapi::stringOr(p, "privateIPAddressVersion", "IPv4"), {"IPv4", "IPv6"},
                                 path + ".privateIPAddressVersion");
    if (!version) return armFail(version.error());
    p["privateIPAddressVersion"] = *version;
    auto method = canonicalEnum(armapi::stringOr(p, "privateIPAllocationMethod", "Dynamic"), {"Static", "Dynamic"},
                                path + ".privateIPAllocationMethod");
    if (!method) return armFail(method.error());
    p["privateIPAllocationMethod"] = *method;
    if (*pipRef && *subnetRef)
      return armFail(errors::invalidParameter(
          "Frontend IP configuration " + feId + " references both a public IP address and a subnet; "
                                                "it must reference exactly one of them.",
          path));
    if (!*pipRef && !*subnetRef && !p.contains("publicIPPrefix") && !p.contains("gatewayLoadBalancer"))
      return armFail(errors::invalidParameter(
          "Frontend IP configuration " + feId + " must reference a public IP address or a subnet.", path));
    if (*pipRef) {
      const Resource* pip = ctx.tx.find(refKey(**pipRef));
      if (!pip || !iequals(pip->type, "Microsoft.Network/publicIPAddresses"))
        return armFail(errors::invalidResourceReference(**pipRef, feId));
      std::string pipSku = pip->body.value("sku", json::object()).value("name", "Basic");
      if ((pipSku == "Standard") != standard)
        return armFail(errors::badRequest(
            "PublicIPAndLBSkuDoNotMatch",
            *sku + " sku load balancer " + lbId + " cannot reference " + pipSku + " sku publicIP " +
                pip->id + "."));
      // Users inside the stored version of this load balancer are replaced by this PUT; two
      // frontends of the new body are not.
      std::string user;
      for (const auto& u : publicIpUsers(ctx.tx, toLower(pip->id)))
        if (!armapi::istartsWith(u, lbId + "/")) user = u;
      if (auto [it, fresh] = pipsHere.emplace(toLower(pip->id), feId); !fresh) user = it->second;
      if (!user.empty())
        return armFail(errors::badRequest(
            "PublicIPAddressInUse", "Resource " + feId + " is referencing public IP address " + pip->id +
                                        " that is already allocated to resource " + user + "."));
      p["publicIPAddress"] = subRef(pip->id);
      p.erase("privateIPAddress");
      // A Dynamic (Basic) public IP gets its address when a frontend first uses it.
      if (pip->body["properties"].value("ipAddress", "").empty() &&
          pip->body["properties"].value("publicIPAddressVersion", "IPv4") == "IPv4") {
        auto pre = armapi::parseIpv4Prefix(ctx.cfg.publicPrefix);
        std::set<uint32_t> used;
        ctx.tx.forEachOfType("microsoft.network/publicipaddresses", [&](const std::string&, const Resource& r) {
          if (auto a = parseIpv4(r.body.value("properties", json::object()).value("ipAddress", "")))
            used.insert(*a);
        });
        std::optional<uint32_t> addr;
        for (uint32_t a = pre ? pre->first() + 1 : 1; pre && a < pre->last() && !addr; ++a)
          if (!used.count(a)) addr = a;
        if (!addr)
          return armFail(errors::badRequest("PublicIPCountLimitReached",
                                            "The public range " + ctx.cfg.publicPrefix + " is exhausted."));
        Resource updated = *pip;
        updated.body["properties"]["ipAddress"] = formatIpv4(*addr);
        ctx.tx.put(toLower(pip->id), std::move(updated));
      }
    } else if (*subnetRef) {
      const json* subnet = findChildById(ctx.tx, **subnetRef, "subnets");
      if (!subnet) return armFail(errors::invalidResourceReference(**subnetRef, feId));
      std::string subnetId = subnet->value("id", "");
      p["subnet"] = subRef(subnetId);
      auto pre = subnetPrefix(*subnet);
      if (*method == "Static") {
        std::string ipText = armapi::stringOr(p, "privateIPAddress", "");
        auto a = parseIpv4(ipText);
        if (!a)
          return armFail(errors::badRequest("PrivateIPAddressInvalid",
                                            "Frontend IP configuration " + feId +
                                                " has Static allocation and needs a valid IPv4 "
                                                "privateIPAddress; got '" + ipText + "'.",
                                            path + ".privateIPAddress"));
        if (!pre || !pre->contains(*a))
          return armFail(errors::badRequest(
              "PrivateIPAddressNotInSubnet",
              "IP configuration " + feId + " is not valid because private IP address " + ipText +
                  " is not in the range of subnet " + subnetId + "."));
        if (*a < pre->first() + 4 || *a == pre->last())
          return armFail(errors::badRequest(
              "PrivateIPAddressIsReserved", "Private IP address " + ipText +
                                                " is reserved by Azure in subnet " + subnetId + "."));
        for (const auto& u : subnetUsers(ctx.tx, refKey(subnetId)))
          if (u.ip == ipText && refKey(u.id).rfind(toLower(lbId) + "/", 0) != 0)
            return armFail(errors::badRequest(
                "PrivateIPAddressInUse", "IP configuration " + feId + " is using the private IP address " +
                                             ipText + " which is already allocated to resource " + u.id + "."));
        if (!takenHere.insert(*a).second)
          return armFail(errors::badRequest("PrivateIPAddressInUse",
                                            "Private IP address " + ipText +
                                                " is used by two frontends of load balancer " + lbId + "."));
      } else {
        std::string old;
        if (existing)
          if (const json* prev = childByName(existing->body, "frontendIPConfigurations", fe.value("name", "")))
            old = prev->value("properties", json::object()).value("privateIPAddress", "");
        auto oldA = parseIpv4(old);
        std::optional<uint32_t> a;
        if (oldA && pre && pre->contains(*oldA) && !takenHere.count(*oldA))
          a = oldA;
        else if (pre)
          a = allocatePrivateIp(ctx.tx, subnetId, *pre, lbId + "/", takenHere);
        if (!a)
          return armFail(errors::badRequest("SubnetIsFull",
                                            "Subnet " + subnetId + " has no free IP address left."));
        takenHere.insert(*a);
        p["privateIPAddress"] = formatIpv4(*a);
      }
    }
  }

  // Backend pools.
  for (size_t i = 0; i < pools->size(); ++i) {
    auto& pool = (*pools)[i];
    auto& p = pool["properties"];
    const std::string path = itemPath("backendAddressPools", i), poolId = pool["id"];
    auto addrs = armapi::arrayAt(p, "loadBalancerBackendAddresses", path);
    if (!addrs) return armFail(addrs.error());
    if (auto k = checkKinds(p, path, {{"drainPeriodInSeconds", JsonKind::Integer}}); !k)
      return armFail(k.error());
    if (!addrs->empty() && !standard)
      return armFail(errors::badRequest(
          "IpBasedBackendAddressPoolNotSupportedOnBasicSku",
          "Backend address pool " + poolId + " has IP-based backend addresses, which only Standard "
                                             "sku load balancers support."));
    std::set<std::string> names, ips;
    json outAddrs = json::array();
    for (size_t j = 0; j < addrs->size(); ++j) {
      json a = (*addrs)[j];
      const std::string apath = path + ".loadBalancerBackendAddresses[" + std::to_string(j) + "]";
      if (!a.is_object()) return armFail(missingProperty("name", apath));
      if (auto k = checkKinds(a, apath, {{"name", JsonKind::String}}); !k) return armFail(k.error());
      std::string name = armapi::stringOr(a, "name", "");
      if (name.empty()) return armFail(missingProperty("name", apath));
      if (!names.insert(toLower(name)).second)
        return armFail(errors::badRequest("InvalidRequestFormat",
                                          "Cannot parse the request: backend address '" + name +
                                              "' appears twice in pool " + poolId + ".",
                                          apath + ".name"));
      auto apR = objectAt(a, "properties", apath);
      if (!apR) return armFail(apR.error());
      json ap = *apR;
      if (auto k = checkKinds(ap, apath + ".properties",
                              {{"ipAddress", JsonKind::String}, {"adminState", JsonKind::String}});
          !k)
        return armFail(k.error());
      ap.erase("networkInterfaceIPConfiguration");
      ap.erase("inboundNatRulesPortMapping");
      const std::string owner = poolId + "/loadBalancerBackendAddresses/" + name;
      std::string ipText = armapi::stringOr(ap, "ipAddress", "");
      auto ip = parseIpv4(ipText);
      if (!ipText.empty() && !ip)
        return armFail(errors::invalidParameter("Backend address '" + name + "' has an invalid IPv4 "
                                                "address '" + ipText + "'.", apath + ".properties.ipAddress"));
      if (ip && !ips.insert(ipText).second)
        return armFail(errors::badRequest("DuplicateIpAddressInBackendAddressPool",
                                          "IP address " + ipText + " is used by two backend addresses "
                                                                   "of pool " + poolId + "."));
      auto vnetRef = armapi::refAt(ap, "virtualNetwork", apath + ".properties");
      if (!vnetRef) return armFail(vnetRef.error());
      if (*vnetRef) {
        const Resource* vnet = ctx.tx.find(refKey(**vnetRef));
        if (!vnet || !iequals(vnet->type, "Microsoft.Network/virtualNetworks"))
          return armFail(errors::invalidResourceReference(**vnetRef, owner));
        ap["virtualNetwork"] = subRef(vnet->id);  // drops SDK artefacts such as "properties"
        if (ip) {
          bool inside = false;
          for (const auto& pre : vnet->body["properties"]["addressSpace"].value("addressPrefixes", json::array()))
            if (auto pp = armapi::parseIpv4Prefix(pre.get<std::string>())) inside = inside || pp->contains(*ip);
          if (!inside)
            return armFail(errors::badRequest(
                "LoadBalancerBackendAddressIpNotInVirtualNetwork",
                "IP address " + ipText + " of backend address " + owner +
                    " is outside the address space of virtual network " + vnet->id + "."));
        }
      }
      auto subnetRef = armapi::refAt(ap, "subnet", apath + ".properties");
      if (!subnetRef) return armFail(subnetRef.error());
      if (*subnetRef) {
        const json* subnet = findChildById(ctx.tx, **subnetRef, "subnets");
        if (!subnet) return armFail(errors::invalidResourceReference(**subnetRef, owner));
        ap["subnet"] = subRef(subnet->value("id", ""));
      }
      if (ap.contains("adminState")) {
        auto st = canonicalEnum(armapi::stringOr(ap, "adminState", "None"), {"None", "Up", "Down", "Drain"},
                                apath + ".properties.adminState");
        if (!st) return armFail(st.error());
        ap["adminState"] = *st;
      }
      a["properties"] = ap;
      outAddrs.push_back(a);
    }
    if (p.contains("loadBalancerBackendAddresses") || !outAddrs.empty())
      p["loadBalancerBackendAddresses"] = outAddrs;
  }

  // Probes.
  for (size_t i = 0; i < probes->size(); ++i) {
    auto& pr = (*probes)[i];
    auto& p = pr["properties"];
    const std::string path = itemPath("probes", i), probeId = pr["id"];
    if (auto k = checkKinds(p, path, {{"protocol", JsonKind::String}, {"port", JsonKind::Integer},
                                      {"intervalInSeconds", JsonKind::Integer},
                                      {"numberOfProbes", JsonKind::Integer},
                                      {"probeThreshold", JsonKind::Integer},
                                      {"requestPath", JsonKind::String},
                                      {"noHealthyBackendsBehavior", JsonKind::String}});
        !k)
      return armFail(k.error());
    if (!present(p, "protocol")) return armFail(missingProperty("protocol", path));
    if (!present(p, "port")) return armFail(missingProperty("port", path));
    auto proto = canonicalEnum(p["protocol"].get<std::string>(), {"Http", "Tcp", "Https"}, path + ".protocol");
    if (!proto) return armFail(proto.error());
    p["protocol"] = *proto;
    if (*proto == "Https" && !standard)
      return armFail(errors::invalidParameter("Probe " + probeId + ": Https probes are supported on "
                                              "Standard sku load balancers only.", path + ".protocol"));
    auto port = intInRange(p, "port", 0, 1, 65535, path, "Port");
    if (!port) return armFail(port.error());
    auto interval = intInRange(p, "intervalInSeconds", 15, 5, 2147483647, path, "Interval");
    if (!interval) return armFail(interval.error());
    p["intervalInSeconds"] = *interval;
    auto number = intInRange(p, "numberOfProbes", 2, 1, 2147483647, path, "Number of probes");
    if (!number) return armFail(number.error());
    p["numberOfProbes"] = *number;
    if (p.contains("probeThreshold")) {
      auto th = intInRange(p, "probeThreshold", 1, 1, 2147483647, path, "Probe threshold");
      if (!th) return armFail(th.error());
    }
    if (present(p, "noHealthyBackendsBehavior")) {  // api 2024-01-01+; stored as sent, else absent
      auto behavior = canonicalEnum(p["noHealthyBackendsBehavior"].get<std::string>(), {"AllProbedDown", "AllProbedUp"},
                                    path + ".noHealthyBackendsBehavior");
      if (!behavior) return armFail(behavior.error());
      p["noHealthyBackendsBehavior"] = *behavior;
    }
    std::string reqPath = armapi::stringOr(p, "requestPath", "");
    if (*proto == "Tcp" && p.contains("requestPath") && !p["requestPath"].is_null())
      return armFail(errors::invalidParameter("Probe " + probeId + " has protocol Tcp; requestPath is "
                                              "only allowed for Http and Https probes.", path + ".requestPath"));
    if (*proto != "Tcp" && (reqPath.empty() || reqPath[0] != '/'))
      return armFail(errors::invalidParameter("Probe " + probeId + " has protocol " + *proto +
                                                  " and needs a requestPath starting with '/'.",
                                              path + ".requestPath"));
  }

  std::vector<PortUse> ports;

  // Load-balancing rules.
  for (size_t i = 0; i < rules->size(); ++i) {
    auto& rule = (*rules)[i];
    auto& p = rule["properties"];
    const std::string path = itemPath("loadBalancingRules", i), ruleId = rule["id"];
    if (auto k = checkKinds(p, path, {{"protocol", JsonKind::String}, {"frontendPort", JsonKind::Integer},
                                      {"backendPort", JsonKind::Integer},
                                      {"idleTimeoutInMinutes", JsonKind::Integer},
                                      {"loadDistribution", JsonKind::String},
                                      {"enableFloatingIP", JsonKind::Boolean},
                                      {"enableTcpReset", JsonKind::Boolean},
                                      {"disableOutboundSnat", JsonKind::Boolean},
                                      {"backendAddressPools", JsonKind::Array}});
        !k)
      return armFail(k.error());
    if (!present(p, "protocol")) return armFail(missingProperty("protocol", path));
    if (!present(p, "frontendPort")) return armFail(missingProperty("frontendPort", path));
    auto proto = canonicalEnum(p["protocol"].get<std::string>(), {"Tcp", "Udp", "All"}, path + ".protocol");
    if (!proto) return armFail(proto.error());
    p["protocol"] = *proto;
    auto fport = intInRange(p, "frontendPort", 0, 0, 65534, path, "Frontend port");
    if (!fport) return armFail(fport.error());
    auto bport = intInRange(p, "backendPort", *fport, 0, 65535, path, "Backend port");
    if (!bport) return armFail(bport.error());
    p["backendPort"] = *bport;
    auto idle = intInRange(p, "idleTimeoutInMinutes", 4, 4, 30, path, "Idle timeout");
    if (!idle) return armFail(idle.error());
    p["idleTimeoutInMinutes"] = *idle;
    auto dist = canonicalEnum(armapi::stringOr(p, "loadDistribution", "Default"), {"Default", "SourceIP", "SourceIPProtocol"},
                              path + ".loadDistribution");
    if (!dist) return armFail(dist.error());
    p["loadDistribution"] = *dist;
    for (const char* flag : {"enableFloatingIP", "enableTcpReset", "disableOutboundSnat"})
      if (!p.contains(flag) || p[flag].is_null()) p[flag] = false;
    auto fe = localRef(p, "frontendIPConfiguration", "frontendIPConfigurations", feKeys, lbId, ruleId, path);
    if (!fe) return armFail(fe.error());
    if (!*fe)
      return armFail(errors::invalidParameter("Load balancing rule " + ruleId +
                                                  " must reference a frontend IP configuration.",
                                              path + ".frontendIPConfiguration"));
    p["frontendIPConfiguration"] = subRef(**fe);
    // Clients send the singular backendAddressPool, the plural backendAddressPools (az), or both;
    // Azure returns both.
    json poolRefs = json::array();
    auto single = localRef(p, "backendAddressPool", "backendAddressPools", poolKeys, lbId, ruleId, path);
    if (!single) return armFail(single.error());
    for (size_t j = 0; j < p.value("backendAddressPools", json::array()).size(); ++j) {
      json holder = {{"ref", p["backendAddressPools"][j]}};
      auto r = localRef(holder, "ref", "backendAddressPools", poolKeys, lbId, ruleId,
                        path + ".backendAddressPools[" + std::to_string(j) + "]");
      if (!r) return armFail(r.error());
      if (*r) poolRefs.push_back(subRef(**r));
    }
    if (poolRefs.empty() && *single) poolRefs.push_back(subRef(**single));
    if (!poolRefs.empty()) {
      p["backendAddressPool"] = poolRefs[0];
      p["backendAddressPools"] = poolRefs;
    } else {
      p.erase("backendAddressPool");
      p.erase("backendAddressPools");
    }
    auto probe = localRef(p, "probe", "probes", probeKeys, lbId, ruleId, path);
    if (!probe) return armFail(probe.error());
    if (*probe) p["probe"] = subRef(**probe);
    if ((*fport == 0 || *bport == 0) && !(*proto == "All" && *fport == 0 && *bport == 0))
      return armFail(errors::invalidParameter(
          "Load balancing rule " + ruleId + ": port 0 is only valid as HA ports, with protocol All "
                                            "and both frontendPort and backendPort 0.",
          path + ".frontendPort"));
    if (*fport == 0) {
      const json* feItem = nullptr;
      for (const auto& f : *fes)
        if (iequals(f.value("id", ""), **fe)) feItem = &f;
      bool internal = feItem && (*feItem)["properties"].contains("subnet");
      if (!standard || !internal)
        return armFail(errors::invalidParameter(
            "Load balancing rule " + ruleId + " uses HA ports (protocol All, port 0), which only "
                                              "internal Standard sku load balancers support.",
            path + ".protocol"));
    }
    addPortUse(ports, toLower(**fe), *proto, *fport, *fport, ruleId);
  }
  // V5/V6: rules that share protocol, backend port and a pool.
  for (size_t a = 0; a < rules->size(); ++a)
    for (size_t b = a + 1; b < rules->size(); ++b) {
      const auto& pa = (*rules)[a]["properties"];
      const auto& pb = (*rules)[b]["properties"];
      if (pa["backendPort"] != pb["backendPort"]) continue;
      bool protoClash = pa["protocol"] == pb["protocol"] || pa["protocol"] == "All" || pb["protocol"] == "All";
      if (!protoClash) continue;
      std::string shared;
      for (const auto& x : pa.value("backendAddressPools", json::array()))
        for (const auto& y : pb.value("backendAddressPools", json::array()))
          if (iequals(x.value("id", ""), y.value("id", ""))) shared = x.value("id", "");
      if (shared.empty()) continue;
      bool fa = pa["enableFloatingIP"], fb = pb["enableFloatingIP"];
      const std::string ra = (*rules)[a]["id"], rb = (*rules)[b]["id"];
      const std::string proto = pa["protocol"], port = std::to_string(pa["backendPort"].get<int64_t>());
      if (!fa && !fb)
        return armFail(errors::badRequest(
            "RulesUseSameBackendPortProtocolAndPool",
            "Load balancing rules " + ra + " and " + rb + " with floating IP disabled use the same "
            "protocol " + proto + " and backend port " + port +
                ", and must not be used with the same backend address pool " + shared + "."));
      if (fa && fb && iequals(pa["frontendIPConfiguration"].value("id", ""),
                              pb["frontendIPConfiguration"].value("id", "")))
        return armFail(errors::badRequest(
            "RulesUseSameBackendPortProtocolAndPoolAndFrontendIPWithFloatingIPEnabled",
            "Load balancing rules " + ra + " and " + rb + " with floating IP enabled use the same "
            "protocol " + proto + ", backend port " + port + " and frontend IP configuration, and "
            "must not be used with the same backend address pool " + shared + "."));
    }

  // Inbound NAT rules: single port, or a frontend port range over a backend pool.
  for (size_t i = 0; i < nats->size(); ++i) {
    auto& nat = (*nats)[i];
    auto& p = nat["properties"];
    const std::string path = itemPath("inboundNatRules", i), natId = nat["id"];
    if (auto k = checkKinds(p, path, {{"protocol", JsonKind::String}, {"frontendPort", JsonKind::Integer},
                                      {"backendPort", JsonKind::Integer},
                                      {"frontendPortRangeStart", JsonKind::Integer},
                                      {"frontendPortRangeEnd", JsonKind::Integer},
                                      {"idleTimeoutInMinutes", JsonKind::Integer},
                                      {"enableFloatingIP", JsonKind::Boolean},
                                      {"enableTcpReset", JsonKind::Boolean}});
        !k)
      return armFail(k.error());
    if (!present(p, "protocol")) return armFail(missingProperty("protocol", path));
    auto proto = canonicalEnum(p["protocol"].get<std::string>(), {"Tcp", "Udp", "All"}, path + ".protocol");
    if (!proto) return armFail(proto.error());
    p["protocol"] = *proto;
    auto fe = localRef(p, "frontendIPConfiguration", "frontendIPConfigurations", feKeys, lbId, natId, path);
    if (!fe) return armFail(fe.error());
    if (!*fe)
      return armFail(errors::invalidParameter("Inbound NAT rule " + natId +
                                                  " must reference a frontend IP configuration.",
                                              path + ".frontendIPConfiguration"));
    p["frontendIPConfiguration"] = subRef(**fe);
    auto pool = localRef(p, "backendAddressPool", "backendAddressPools", poolKeys, lbId, natId, path);
    if (!pool) return armFail(pool.error());
    if (!present(p, "backendPort")) return armFail(missingProperty("backendPort", path));
    auto bport = intInRange(p, "backendPort", 0, 1, 65535, path, "Backend port");
    if (!bport) return armFail(bport.error());
    auto idle = intInRange(p, "idleTimeoutInMinutes", 4, 4, 30, path, "Idle timeout");
    if (!idle) return armFail(idle.error());
    p["idleTimeoutInMinutes"] = *idle;
    for (const char* flag : {"enableFloatingIP", "enableTcpReset"})
      if (!p.contains(flag) || p[flag].is_null()) p[flag] = false;
    bool ranged = present(p, "frontendPortRangeStart") || present(p, "frontendPortRangeEnd");
    if (ranged) {
      auto start = intInRange(p, "frontendPortRangeStart", 0, 1, 65534, path, "Frontend port range start");
      if (!start) return armFail(start.error());
      auto end = intInRange(p, "frontendPortRangeEnd", 0, 1, 65534, path, "Frontend port range end");
      if (!end) return armFail(end.error());
      if (!present(p, "frontendPortRangeStart") || !present(p, "frontendPortRangeEnd") || *start > *end)
        return armFail(errors::invalidParameter(
            "Inbound NAT rule " + natId + " needs frontendPortRangeStart <= frontendPortRangeEnd.",
            path + ".frontendPortRangeStart"));
      if (!*pool)
        return armFail(errors::invalidParameter(
            "Inbound NAT rule " + natId + " with a frontend port range must reference a backend "
                                          "address pool.",
            path + ".backendAddressPool"));
      if (p.value("frontendPort", 0) != 0)
        return armFail(errors::invalidParameter(
            "Inbound NAT rule " + natId + " cannot set both frontendPort and a frontend port range.",
            path + ".frontendPort"));
      p["backendAddressPool"] = subRef(**pool);
      p["frontendPort"] = 0;
      addPortUse(ports, toLower(**fe), *proto, *start, *end, natId);
    } else {
      if (!present(p, "frontendPort")) return armFail(missingProperty("frontendPort", path));
      p.erase("frontendPortRangeStart");  // null: the rendering reads ranges only from numbers
      p.erase("frontendPortRangeEnd");
      auto fport = intInRange(p, "frontendPort", 0, 1, 65534, path, "Frontend port");
      if (!fport) return armFail(fport.error());
      if (*pool) p["backendAddressPool"] = subRef(**pool);
      addPortUse(ports, toLower(**fe), *proto, *fport, *fport, natId);
    }
  }

  // Inbound NAT pools (legacy VM scale sets).
  for (size_t i = 0; i < natPools->size(); ++i) {
    auto& np = (*natPools)[i];
    auto& p = np["properties"];
    const std::string path = itemPath("inboundNatPools", i), npId = np["id"];
    for (const char* req : {"protocol", "frontendPortRangeStart", "frontendPortRangeEnd", "backendPort"})
      if (!present(p, req)) return armFail(missingProperty(req, path));
    if (auto k = checkKinds(p, path, {{"protocol", JsonKind::String}}); !k) return armFail(k.error());
    auto proto = canonicalEnum(p["protocol"].get<std::string>(), {"Tcp", "Udp", "All"}, path + ".protocol");
    if (!proto) return armFail(proto.error());
    p["protocol"] = *proto;
    auto start = intInRange(p, "frontendPortRangeStart", 0, 1, 65534, path, "Frontend port range start");
    if (!start) return armFail(start.error());
    auto end = intInRange(p, "frontendPortRangeEnd", 0, 1, 65535, path, "Frontend port range end");
    if (!end) return armFail(end.error());
    if (*start > *end)
      return armFail(errors::invalidParameter("Inbound NAT pool " + npId + " has frontendPortRangeStart > "
                                              "frontendPortRangeEnd.", path + ".frontendPortRangeStart"));
    auto bport = intInRange(p, "backendPort", 0, 1, 65535, path, "Backend port");
    if (!bport) return armFail(bport.error());
    auto idle = intInRange(p, "idleTimeoutInMinutes", 4, 4, 30, path, "Idle timeout");
    if (!idle) return armFail(idle.error());
    p["idleTimeoutInMinutes"] = *idle;
    for (const char* flag : {"enableFloatingIP", "enableTcpReset"})
      if (!p.contains(flag) || p[flag].is_null()) p[flag] = false;
    auto fe = localRef(p, "frontendIPConfiguration", "frontendIPConfigurations", feKeys, lbId, npId, path);
    if (!fe) return armFail(fe.error());
    if (!*fe)
      return armFail(errors::invalidParameter("Inbound NAT pool " + npId +
                                                  " must reference a frontend IP configuration.",
                                              path + ".frontendIPConfiguration"));
    p["frontendIPConfiguration"] = subRef(**fe);
    addPortUse(ports, toLower(**fe), *proto, *start, *end, npId);
  }

  // V21: every frontend port of a protocol is used once per frontend.
  for (size_t a = 0; a < ports.size(); ++a)
    for (size_t b = a + 1; b < ports.size(); ++b) {
      const auto& x = ports[a];
      const auto& y = ports[b];
      if (x.owner == y.owner || x.frontendKey != y.frontendKey || x.protocol != y.protocol) continue;
      if (x.first == 0 || y.first == 0) continue;  // HA ports rules stand apart
      if (x.first <= y.last && y.first <= x.last)
        return armFail(errors::badRequest(
            "LoadBalancerRulesUseSameFrontendIPConfigurationAndPort",
            "Rules " + x.owner + " and " + y.owner + " use the same frontend IP configuration, "
            "protocol " + x.protocol + " and frontend port " + std::to_string(std::max(x.first, y.first)) +
                ". Port numbers for each rule must be unique within the load balancer."));
    }

  // Outbound rules (Standard only).
  std::vector<std::tuple<std::string, std::string, std::string>> outboundUses;  // fe, proto, rule
  for (size_t i = 0; i < outbound->size(); ++i) {
    auto& ob = (*outbound)[i];
    auto& p = ob["properties"];
    const std::string path = itemPath("outboundRules", i), obId = ob["id"];
    if (!standard)
      return armFail(errors::badRequest(
          "OutboundRulesNotSupportedOnBasicSku",
          "Outbound rule " + obId + ": outbound rules are supported on Standard sku load balancers only."));
    if (auto k = checkKinds(p, path, {{"protocol", JsonKind::String},
                                      {"allocatedOutboundPorts", JsonKind::Integer},
                                      {"frontendIPConfigurations", JsonKind::Array},
                                      {"idleTimeoutInMinutes", JsonKind::Integer},
                                      {"enableTcpReset", JsonKind::Boolean}});
        !k)
      return armFail(k.error());
    for (const char* req : {"protocol", "backendAddressPool", "frontendIPConfigurations"})
      if (!present(p, req)) return armFail(missingProperty(req, path));
    auto proto = canonicalEnum(p["protocol"].get<std::string>(), {"Tcp", "Udp", "All"}, path + ".protocol");
    if (!proto) return armFail(proto.error());
    p["protocol"] = *proto;
    auto pool = localRef(p, "backendAddressPool", "backendAddressPools", poolKeys, lbId, obId, path);
    if (!pool) return armFail(pool.error());
    if (!*pool) return armFail(missingProperty("backendAddressPool", path));
    p["backendAddressPool"] = subRef(**pool);
    json feRefs = json::array();
    for (size_t j = 0; j < p["frontendIPConfigurations"].size(); ++j) {
      json holder = {{"ref", p["frontendIPConfigurations"][j]}};
      auto r = localRef(holder, "ref", "frontendIPConfigurations", feKeys, lbId, obId,
                        path + ".frontendIPConfigurations[" + std::to_string(j) + "]");
      if (!r) return armFail(r.error());
      if (*r) feRefs.push_back(subRef(**r));
    }
    if (feRefs.empty())
      return armFail(errors::invalidParameter("Outbound rule " + obId + " must reference at least one "
                                              "frontend IP configuration.", path + ".frontendIPConfigurations"));
    p["frontendIPConfigurations"] = feRefs;
    auto ports8 = intInRange(p, "allocatedOutboundPorts", 0, 0, 64000, path, "Allocated outbound ports");
    if (!ports8) return armFail(ports8.error());
    if (*ports8 % 8 != 0)
      return armFail(errors::invalidParameter("Outbound rule " + obId + ": allocatedOutboundPorts " +
                                                  std::to_string(*ports8) + " must be a multiple of 8.",
                                              path + ".allocatedOutboundPorts"));
    p["allocatedOutboundPorts"] = *ports8;
    auto idle = intInRange(p, "idleTimeoutInMinutes", 4, 4, 120, path, "Idle timeout");
    if (!idle) return armFail(idle.error());
    p["idleTimeoutInMinutes"] = *idle;
    if (!p.contains("enableTcpReset") || p["enableTcpReset"].is_null()) p["enableTcpReset"] = false;
    for (const auto& f : feRefs) {
      std::string fk = toLower(f["id"].get<std::string>());
      for (const auto& [ofe, oproto, orule] : outboundUses)
        if (ofe == fk && (oproto == *proto || oproto == "All" || *proto == "All"))
          return armFail(errors::badRequest(
              "MoreThanOneOutboundRuleUsingSameFrontendIPConfigurationAndProtocolIsNotSupported",
              "Outbound rules " + orule + " and " + obId + " use the same frontend IP configuration " +
                  f["id"].get<std::string>() + " with overlapping protocols; this is not supported."));
      outboundUses.emplace_back(fk, *proto, obId);
    }
  }

  // Pools and NAT rules that NICs still reference cannot disappear.
  if (existing) {
    for (const auto& [coll, field, code] :
         {std::tuple{"backendAddressPools", "loadBalancerBackendAddressPools", "InUseBackendAddressPoolCannotBeDeleted"},
          std::tuple{"inboundNatRules", "loadBalancerInboundNatRules", "InUseInboundNatRuleCannotBeDeleted"}}) {
      const json& now = std::string(coll) == "backendAddressPools" ? *pools : *nats;
      auto nowKeys = keysOf(now);
      for (const auto& old : existing->body["properties"].value(coll, json::array())) {
        std::string oldId = old.value("id", "");
        if (nowKeys.count(toLower(oldId))) continue;
        auto users = nicConfigsReferencing(ctx.tx, field, toLower(oldId));
        if (!users.empty())
          return armFail(errors::badRequest(code, std::string(coll == std::string("backendAddressPools")
                                                                  ? "Backend address pool "
                                                                  : "Inbound NAT rule ") +
                                                      oldId + " is in use by " + users.front() +
                                                      " and cannot be deleted."));
      }
    }
  }

  props["frontendIPConfigurations"] = *fes;
  props["backendAddressPools"] = *pools;
  props["loadBalancingRules"] = *rules;
  props["probes"] = *probes;
  props["inboundNatRules"] = *nats;
  props["inboundNatPools"] = *natPools;
  props["outboundRules"] = *outbound;
  props.erase("provisioningState");
  props.erase("resourceGuid");
  json out = json::object();
  out["sku"] = json{{"name", *sku}, {"tier", *tier}};
  out["properties"] = props;
  return out;
}

namespace {

struct NatMapping {
  std::string rule, protocol, backendName, backendIp;
  int64_t frontendPort, backendPort;
};

/// Azure's port-range NAT rules: the i-th backend of the pool gets frontendPortRangeStart + i.
std::vector<NatMapping> natRangeMappings(const Txn& tx, const json& lb, const std::string& poolId) {
  std::vector<NatMapping> out;
  const json* pool = nullptr;
  const json& props = lb["properties"];
  if (props.contains("backendAddressPools") && props["backendAddressPools"].is_array())
    for (const auto& p : props["backendAddressPools"])
      if (iequals(p.value("id", ""), poolId)) pool = &p;
  if (!pool) return out;
  struct Backend {
    std::string name, ip;
  };
  std::vector<Backend> backends;
  for (const auto& a : (*pool)["properties"].value("loadBalancerBackendAddresses", json::array()))
    backends.push_back({a.value("name", ""), armapi::stringOr(a["properties"], "ipAddress", "")});
  auto nicCfgs = nicConfigsReferencing(tx, "loadBalancerBackendAddressPools", toLower(poolId));
  std::sort(nicCfgs.begin(), nicCfgs.end());
  for (const auto& cfgId : nicCfgs) {
    std::string ip;
    auto parsed = ResourceId::parse(cfgId);
    if (parsed)
      if (const Resource* nic = tx.find(parsed->parent().key()))
        if (const json* c = childByName(nic->body, "ipConfigurations", parsed->name()))
          ip = (*c)["properties"].value("privateIPAddress", "");
    backends.push_back({cfgId, ip});
  }
  for (const auto& nat : lb["properties"].value("inboundNatRules", json::array())) {
    const auto& p = nat["properties"];
    if (!p.contains("frontendPortRangeStart") || !p.contains("backendAddressPool")) continue;
    if (!iequals(p["backendAddressPool"].value("id", ""), poolId)) continue;
    int64_t start = p["frontendPortRangeStart"], end = p["frontendPortRangeEnd"];
    for (size_t i = 0; i < backends.size() && start + static_cast<int64_t>(i) <= end; ++i)
      out.push_back({nat.value("name", ""), p.value("protocol", "Tcp"), backends[i].name, backends[i].ip,
                     start + static_cast<int64_t>(i), p.value("backendPort", int64_t{0})});
  }
  return out;
}

void appendRef(json& obj, const char* key, const std::string& id) {
  if (!obj.contains(key)) obj[key] = json::array();
  obj[key].push_back(subRef(id));
}

}  // namespace

json renderLoadBalancer(const Txn& tx, const Resource& r) {
  json body = r.body;
  json& props = body["properties"];
  const std::string state = props.value("provisioningState", "Succeeded");
  const std::string etag = body.value("etag", "");
  std::map<std::string, json*> byKey;
  for (const char* coll : kCollections) {
    if (!props.contains(coll)) props[coll] = json::array();
    for (auto& item : props[coll]) {
      item["etag"] = etag;
      item["properties"]["provisioningState"] = state;
      byKey[toLower(item.value("id", ""))] = &item;
    }
  }
  auto target = [&](const json& ref) -> json* {
    auto it = byKey.find(toLower(ref.value("id", "")));
    return it == byKey.end() ? nullptr : &(*it->second)["properties"];
  };
  for (const auto& rule : props["loadBalancingRules"]) {
    const auto& p = rule["properties"];
    const std::string id = rule.value("id", "");
    if (json* fe = p.contains("frontendIPConfiguration") ? target(p["frontendIPConfiguration"]) : nullptr)
      appendRef(*fe, "loadBalancingRules", id);
    for (const auto& pool : p.value("backendAddressPools", json::array()))
      if (json* t = target(pool)) appendRef(*t, "loadBalancingRules", id);
    if (json* pr = p.contains("probe") ? target(p["probe"]) : nullptr) appendRef(*pr, "loadBalancingRules", id);
  }
  for (const auto& nat : props["inboundNatRules"]) {
    const auto& p = nat["properties"];
    if (json* fe = p.contains("frontendIPConfiguration") ? target(p["frontendIPConfiguration"]) : nullptr)
      appendRef(*fe, "inboundNatRules", nat.value("id", ""));
    if (p.contains("backendAddressPool") && p.contains("frontendPortRangeStart"))
      if (json* pool = target(p["backendAddressPool"])) appendRef(*pool, "inboundNatRules", nat.value("id", ""));
  }
  for (const auto& np : props["inboundNatPools"])
    if (json* fe = target(np["properties"].value("frontendIPConfiguration", json::object())))
      appendRef(*fe, "inboundNatPools", np.value("id", ""));
  for (const auto& ob : props["outboundRules"]) {
    const auto& p = ob["properties"];
    for (const auto& f : p.value("frontendIPConfigurations", json::array()))
      if (json* fe = target(f)) appendRef(*fe, "outboundRules", ob.value("id", ""));
    if (json* pool = target(p.value("backendAddressPool", json::object()))) {
      appendRef(*pool, "outboundRules", ob.value("id", ""));
      if (!pool->contains("outboundRule")) (*pool)["outboundRule"] = subRef(ob.value("id", ""));
    }
  }
  for (auto& pool : props["backendAddressPools"]) {
    const std::string poolId = pool.value("id", "");
    auto cfgs = nicConfigsReferencing(tx, "loadBalancerBackendAddressPools", toLower(poolId));
    if (!cfgs.empty()) {
      json refs = json::array();
      for (const auto& c : cfgs) refs.push_back(subRef(c));
      pool["properties"]["backendIPConfigurations"] = refs;
    }
    auto mappings = natRangeMappings(tx, body, poolId);
    if (pool["properties"].contains("loadBalancerBackendAddresses"))
      for (auto& a : pool["properties"]["loadBalancerBackendAddresses"]) {
        json list = json::array();
        for (const auto& m : mappings)
          if (m.backendName == a.value("name", ""))
            list.push_back({{"inboundNatRuleName", m.rule}, {"frontendPort", m.frontendPort},
                            {"backendPort", m.backendPort}});
        if (!list.empty()) a["properties"]["inboundNatRulesPortMapping"] = list;
      }
  }
  for (auto& nat : props["inboundNatRules"]) {
    auto cfgs = nicConfigsReferencing(tx, "loadBalancerInboundNatRules", toLower(nat.value("id", "")));
    if (!cfgs.empty()) nat["properties"]["backendIPConfiguration"] = subRef(cfgs.front());
  }
  return body;
}

ArmResult<bool> checkDeleteLoadBalancer(const Txn& tx, const Resource& r) {
  for (const auto& [coll, field] : {std::pair{"backendAddressPools", "loadBalancerBackendAddressPools"},
                                    std::pair{"inboundNatRules", "loadBalancerInboundNatRules"}})
    for (const auto& item : r.body["properties"].value(coll, json::array())) {
      auto users = nicConfigsReferencing(tx, field, toLower(item.value("id", "")));
      if (!users.empty())
        return armFail(errors::badRequest(
            "LoadBalancerInUseByNetworkInterface",
            "Load balancer " + r.id + " cannot be deleted: " + item.value("id", "") +
                " is still referenced by network interface IP configuration " + users.front() + "."));
    }
  return true;
}

ArmResult<json> queryInboundNatRulePortMapping(const Txn& tx, const Resource& lb,
                                               std::string_view poolName, const json& request) {
  const json* pool = childByName(lb.body, "backendAddressPools", poolName);
  if (!pool) return armFail(errors::childNotFound(lb.id + "/backendAddressPools/" + std::string(poolName)));
  if (auto k = armapi::checkKinds(request, "", {{"ipAddress", JsonKind::String}}); !k) return armFail(k.error());
  std::string ip = request.is_object() ? armapi::stringOr(request, "ipAddress", "") : "";
  std::string cfg;
  if (request.is_object() && request.contains("ipConfiguration") && request["ipConfiguration"].is_object())
    cfg = request["ipConfiguration"].value("id", "");
  if (ip.empty() && cfg.empty())
    return armFail(errors::invalidParameter("Specify ipAddress or ipConfiguration.id of the backend.", "ipAddress"));
  json list = json::array();
  for (const auto& m : natRangeMappings(tx, lb.body, pool->value("id", "")))
    if ((!ip.empty() && m.backendIp == ip) || (!cfg.empty() && iequals(m.backendName, cfg)))
      list.push_back({{"inboundNatRuleName", m.rule}, {"protocol", m.protocol},
                      {"frontendPort", m.frontendPort}, {"backendPort", m.backendPort}});
  return json{{"inboundNatRulePortMappings", list}};
}

}  // namespace azlb::armservice::network
