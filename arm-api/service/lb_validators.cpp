// One validator per child collection of a load balancer, and the helpers they share (item loop,
// required fields, protocol, references to sibling children). Checks that span collections are
// in lb_cross_checks.cpp.
#include "arm-api/service/lb_validators.h"

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

/// A required property counts as missing when absent or null (NRP: "expects a value but got null").
bool present(const json& p, const char* key) {
  auto it = p.find(key);
  return it != p.end() && !it->is_null();
}

/// Unset (absent or null) flags become false.
void defaultFalse(json& p, std::initializer_list<const char*> flags) {
  for (const char* flag : flags)
    if (!p.contains(flag) || p[flag].is_null()) p[flag] = false;
}

/// p[key] as idleTimeoutInMinutes in [4, hi], default 4, written back.
ArmResult<bool> idleTimeout(LbItem& it, int64_t hi) {
  auto idle = intInRange(it.p, "idleTimeoutInMinutes", 4, 4, hi, it.path, "Idle timeout");
  if (!idle) return armFail(idle.error());
  it.p["idleTimeoutInMinutes"] = *idle;
  return true;
}

/// Each reference of the array refs (at path) resolved with localRef; absent ones are skipped.
ArmResult<json> localRefList(const json& refs, const char* coll,
                             const std::map<std::string, std::string>& known,
                             const std::string& owner, const std::string& path) {
  json out = json::array();
  for (size_t j = 0; j < refs.size(); ++j) {
    json holder = {{"ref", refs[j]}};
    auto r = localRef(holder, "ref", coll, known, owner, path + "[" + std::to_string(j) + "]");
    if (!r) return armFail(r.error());
    if (*r) out.push_back(subRef(**r));
  }
  return out;
}

}  // namespace

// --- shared ----------------------------------------------------------------------------------

std::map<std::string, std::string> keysOf(const json& items) {
  std::map<std::string, std::string> keys;
  for (const auto& it : items) keys.emplace(toLower(it.value("id", "")), it.value("id", ""));
  return keys;
}

ArmResult<bool> forEachItem(json& coll, const char* collection,
                            const std::function<ArmResult<bool>(LbItem&)>& check) {
  for (size_t i = 0; i < coll.size(); ++i) {
    json& item = coll[i];
    LbItem it{item, item["properties"],
              std::string("properties.") + collection + "[" + std::to_string(i) + "].properties",
              item["id"].get<std::string>()};
    if (auto r = check(it); !r) return r;
  }
  return true;
}

ArmResult<bool> requireFields(const LbItem& it, std::initializer_list<const char*> keys) {
  for (const char* key : keys)
    if (!present(it.p, key)) return armFail(errors::missingJsonProperty(key, it.path));
  return true;
}

ArmResult<std::string> canonicalProtocol(LbItem& it, std::initializer_list<const char*> allowed) {
  auto proto = canonicalEnum(it.p["protocol"].get<std::string>(), allowed, it.path + ".protocol");
  if (!proto) return armFail(proto.error());
  it.p["protocol"] = *proto;
  return *proto;
}

ArmResult<std::optional<std::string>> localRef(const json& p, const char* key, const char* coll,
                                               const std::map<std::string, std::string>& known,
                                               const std::string& owner, const std::string& path) {
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

ArmResult<std::string> requiredFrontend(const LbDraft& lb, LbItem& it, const char* kind) {
  auto fe = localRef(it.p, "frontendIPConfiguration", "frontendIPConfigurations", lb.feKeys, it.id,
                     it.path);
  if (!fe) return armFail(fe.error());
  if (!*fe)
    return armFail(errors::invalidParameter(
        std::string(kind) + " " + it.id + " must reference a frontend IP configuration.",
        it.path + ".frontendIPConfiguration"));
  it.p["frontendIPConfiguration"] = subRef(**fe);
  return **fe;
}

// --- request shape and the generic checks of every collection ------------------------------------

ArmResult<LbDraft> prepareLoadBalancer(Ctx& ctx, const ResourceId& id, const json& request,
                                       const Resource* existing) {
  LbDraft lb;
  lb.ctx = &ctx;
  lb.existing = existing;
  lb.lbId = id.str();
  auto propsR = objectAt(request, "properties", "");
  if (!propsR) return armFail(propsR.error());
  lb.props = *propsR;
  auto skuR = objectAt(request, "sku", "");
  if (!skuR) return armFail(skuR.error());
  if (auto k = checkKinds(*skuR, "sku", {{"name", JsonKind::String}, {"tier", JsonKind::String}});
      !k)
    return armFail(k.error());
  auto sku = canonicalEnum(armapi::stringOr(*skuR, "name", "Basic"),
                           {"Basic", "Standard", "Gateway"}, "sku.name");
  if (!sku) return armFail(sku.error());
  auto tier = canonicalEnum(armapi::stringOr(*skuR, "tier", "Regional"), {"Regional", "Global"},
                            "sku.tier");
  if (!tier) return armFail(tier.error());
  lb.sku = *sku;
  lb.tier = *tier;
  lb.standard = *sku != "Basic";

  auto children = [&](const char* coll, json& out,
                      std::initializer_list<const char*> readOnly) -> ArmResult<bool> {
    auto items = normalizeChildren(lb.props, coll, lb.lbId, id.type(), readOnly);
    if (!items) return armFail(items.error());
    out = std::move(*items);
    return true;
  };
  if (auto r =
          children("frontendIPConfigurations", lb.fes,
                   {"inboundNatRules", "inboundNatPools", "outboundRules", "loadBalancingRules"});
      !r)
    return armFail(r.error());
  if (auto r = children("backendAddressPools", lb.pools,
                        {"backendIPConfigurations", "loadBalancingRules", "outboundRule",
                         "outboundRules", "inboundNatRules"});
      !r)
    return armFail(r.error());
  if (auto r = children("loadBalancingRules", lb.rules, {}); !r) return armFail(r.error());
  if (auto r = children("probes", lb.probes, {"loadBalancingRules"}); !r) return armFail(r.error());
  if (auto r = children("inboundNatRules", lb.nats, {"backendIPConfiguration"}); !r)
    return armFail(r.error());
  if (auto r = children("inboundNatPools", lb.natPools, {}); !r) return armFail(r.error());
  if (auto r = children("outboundRules", lb.outbound, {}); !r) return armFail(r.error());
  if (lb.fes.empty() && (!lb.pools.empty() || !lb.rules.empty() || !lb.probes.empty() ||
                         !lb.nats.empty() || !lb.natPools.empty() || !lb.outbound.empty()))
    return armFail(errors::loadBalancerWithoutFrontendCantHaveChildren(lb.lbId));
  lb.feKeys = keysOf(lb.fes);
  lb.poolKeys = keysOf(lb.pools);
  lb.probeKeys = keysOf(lb.probes);
  return lb;
}

// --- frontendIPConfigurations
// ----------------------------------------------------------------------

namespace {

/// Per-PUT state of the frontend validator.
struct FrontendState {
  std::set<uint32_t> takenHere;                 // private addresses of this body's frontends
  std::map<std::string, std::string> pipsHere;  // public IP key -> the frontend using it
};

ArmResult<bool> frontendPublicIp(LbDraft& lb, LbItem& it, const std::string& pipRef,
                                 FrontendState& st) {
  Txn& tx = lb.ctx->tx;
  const Resource* pip = tx.find(refKey(pipRef));
  if (!pip || !iequals(pip->type, "Microsoft.Network/publicIPAddresses"))
    return armFail(errors::invalidResourceReference(pipRef, it.id));
  if (auto r = checkPublicIpSku(lb, *pip); !r) return r;
  if (auto r = checkPublicIpFree(tx, *pip, lb.lbId, it.id, st.pipsHere); !r) return r;
  it.p["publicIPAddress"] = subRef(pip->id);
  it.p.erase("privateIPAddress");
  // A Dynamic (Basic) public IP gets its address when a frontend first uses it.
  if (pip->body["properties"].value("ipAddress", "").empty() &&
      pip->body["properties"].value("publicIPAddressVersion", "IPv4") == "IPv4") {
    auto addr = freePublicIp(tx, lb.ctx->cfg.publicPrefix);
    if (!addr) return armFail(errors::publicRangeExhausted(lb.ctx->cfg.publicPrefix));
    Resource updated = *pip;
    updated.body["properties"]["ipAddress"] = formatIpv4(*addr);
    tx.put(toLower(pip->id), std::move(updated));
  }
  return true;
}

ArmResult<bool> frontendPrivateIp(LbDraft& lb, LbItem& it, const std::string& subnetRef,
                                  const std::string& method, FrontendState& st) {
  const Txn& tx = lb.ctx->tx;
  const json* subnet = findChildById(tx, subnetRef, "subnets");
  if (!subnet) return armFail(errors::invalidResourceReference(subnetRef, it.id));
  std::string subnetId = subnet->value("id", "");
  it.p["subnet"] = subRef(subnetId);
  auto pre = subnetPrefix(*subnet);
  if (method == "Static") {
    std::string ipText = armapi::stringOr(it.p, "privateIPAddress", "");
    auto a = checkStaticPrivateIp(tx, {"Frontend IP configuration", it.id, lb.lbId, ipText,
                                       subnetId, pre, it.path + ".privateIPAddress", ""});
    if (!a) return armFail(a.error());
    if (!st.takenHere.insert(*a).second)
      return armFail(errors::privateIpAddressUsedTwiceInLoadBalancer(ipText, lb.lbId));
    return true;
  }
  auto a = dynamicPrivateIp(tx, lb.existing, "frontendIPConfigurations", it.item.value("name", ""),
                            subnetId, pre, lb.lbId, st.takenHere);
  if (!a) return armFail(a.error());
  st.takenHere.insert(a->addr);
  it.p["privateIPAddress"] = formatIpv4(a->addr);
  return true;
}

ArmResult<bool> validateFrontend(LbDraft& lb, LbItem& it, FrontendState& st) {
  json& p = it.p;
  if (auto k = checkKinds(p, it.path,
                          {{"privateIPAddress", JsonKind::String},
                           {"privateIPAllocationMethod", JsonKind::String},
                           {"privateIPAddressVersion", JsonKind::String}});
      !k)
    return k;
  auto pipRef = armapi::refAt(p, "publicIPAddress", it.path);
  if (!pipRef) return armFail(pipRef.error());
  auto subnetRef = armapi::refAt(p, "subnet", it.path);
  if (!subnetRef) return armFail(subnetRef.error());
  auto version = canonicalEnum(armapi::stringOr(p, "privateIPAddressVersion", "IPv4"),
                               {"IPv4", "IPv6"}, it.path + ".privateIPAddressVersion");
  if (!version) return armFail(version.error());
  p["privateIPAddressVersion"] = *version;
  auto method = canonicalEnum(armapi::stringOr(p, "privateIPAllocationMethod", "Dynamic"),
                              {"Static", "Dynamic"}, it.path + ".privateIPAllocationMethod");
  if (!method) return armFail(method.error());
  p["privateIPAllocationMethod"] = *method;
  if (*pipRef && *subnetRef)
    return armFail(
        errors::invalidParameter("Frontend IP configuration " + it.id +
                                     " references both a public IP address and a subnet; "
                                     "it must reference exactly one of them.",
                                 it.path));
  if (!*pipRef && !*subnetRef && !p.contains("publicIPPrefix") &&
      !p.contains("gatewayLoadBalancer"))
    return armFail(errors::invalidParameter(
        "Frontend IP configuration " + it.id + " must reference a public IP address or a subnet.",
        it.path));
  auto prefix = referencedPublicIpPrefix(lb.ctx->tx, p, it.path, it.id);
  if (!prefix) return armFail(prefix.error());
  if (*prefix) p["publicIPPrefix"] = subRef((*prefix)->id);
  if (*pipRef) return frontendPublicIp(lb, it, **pipRef, st);
  if (*subnetRef) return frontendPrivateIp(lb, it, **subnetRef, *method, st);
  return true;
}

}  // namespace

ArmResult<bool> validateFrontends(LbDraft& lb) {
  FrontendState st;
  return forEachItem(lb.fes, "frontendIPConfigurations",
                     [&](LbItem& it) { return validateFrontend(lb, it, st); });
}

// --- backendAddressPools -------------------------------------------------------------------------

namespace {

/// The virtual network and subnet an IP-based backend address names (ip: its address, if any).
ArmResult<bool> backendAddressNetwork(const LbDraft& lb, json& ap, const std::string& apath,
                                      const std::string& owner, const std::string& ipText,
                                      std::optional<uint32_t> ip) {
  auto vnetRef = armapi::refAt(ap, "virtualNetwork", apath + ".properties");
  if (!vnetRef) return armFail(vnetRef.error());
  if (*vnetRef) {
    const Resource* vnet = lb.ctx->tx.find(refKey(**vnetRef));
    if (!vnet || !iequals(vnet->type, "Microsoft.Network/virtualNetworks"))
      return armFail(errors::invalidResourceReference(**vnetRef, owner));
    ap["virtualNetwork"] = subRef(vnet->id);  // drops SDK artefacts such as "properties"
    if (ip) {
      bool inside = false;
      for (const auto& pre :
           vnet->body["properties"]["addressSpace"].value("addressPrefixes", json::array()))
        if (auto pp = armapi::parseIpv4Prefix(pre.get<std::string>()))
          inside = inside || pp->contains(*ip);
      if (!inside) return armFail(errors::backendAddressIpNotInVnet(ipText, owner, vnet->id));
    }
  }
  auto subnetRef = armapi::refAt(ap, "subnet", apath + ".properties");
  if (!subnetRef) return armFail(subnetRef.error());
  if (*subnetRef) {
    const json* subnet = findChildById(lb.ctx->tx, **subnetRef, "subnets");
    if (!subnet) return armFail(errors::invalidResourceReference(**subnetRef, owner));
    ap["subnet"] = subRef(subnet->value("id", ""));
  }
  return true;
}

/// One entry of loadBalancerBackendAddresses; names and ips collect the pool's so far.
ArmResult<json> backendAddress(const LbDraft& lb, const LbItem& pool, json a,
                               const std::string& apath, std::set<std::string>& names,
                               std::set<std::string>& ips) {
  if (!a.is_object()) return armFail(errors::missingJsonProperty("name", apath));
  if (auto k = checkKinds(a, apath, {{"name", JsonKind::String}}); !k) return armFail(k.error());
  std::string name = armapi::stringOr(a, "name", "");
  if (name.empty()) return armFail(errors::missingJsonProperty("name", apath));
  if (!names.insert(toLower(name)).second)
    return armFail(errors::duplicateBackendAddressName(name, pool.id, apath + ".name"));
  auto apR = objectAt(a, "properties", apath);
  if (!apR) return armFail(apR.error());
  json ap = *apR;
  if (auto k = checkKinds(ap, apath + ".properties",
                          {{"ipAddress", JsonKind::String}, {"adminState", JsonKind::String}});
      !k)
    return armFail(k.error());
  ap.erase("networkInterfaceIPConfiguration");
  ap.erase("inboundNatRulesPortMapping");
  const std::string owner = pool.id + "/loadBalancerBackendAddresses/" + name;
  std::string ipText = armapi::stringOr(ap, "ipAddress", "");
  auto ip = parseIpv4(ipText);
  if (!ipText.empty() && !ip)
    return armFail(errors::invalidParameter("Backend address '" + name +
                                                "' has an invalid IPv4 "
                                                "address '" +
                                                ipText + "'.",
                                            apath + ".properties.ipAddress"));
  if (ip && !ips.insert(ipText).second)
    return armFail(errors::duplicateIpInBackendPool(ipText, pool.id));
  if (auto r = backendAddressNetwork(lb, ap, apath, owner, ipText, ip); !r)
    return armFail(r.error());
  if (ap.contains("adminState")) {
    auto st = canonicalEnum(armapi::stringOr(ap, "adminState", "None"),
                            {"None", "Up", "Down", "Drain"}, apath + ".properties.adminState");
    if (!st) return armFail(st.error());
    ap["adminState"] = *st;
  }
  a["properties"] = ap;
  return a;
}

ArmResult<bool> validateBackendPool(const LbDraft& lb, LbItem& it) {
  json& p = it.p;
  auto addrs = armapi::arrayAt(p, "loadBalancerBackendAddresses", it.path);
  if (!addrs) return armFail(addrs.error());
  if (auto k = checkKinds(p, it.path, {{"drainPeriodInSeconds", JsonKind::Integer}}); !k) return k;
  if (!addrs->empty() && !lb.standard)
    return armFail(errors::ipBasedBackendPoolNotSupportedOnBasicSku(it.id));
  std::set<std::string> names, ips;
  json outAddrs = json::array();
  for (size_t j = 0; j < addrs->size(); ++j) {
    auto a = backendAddress(lb, it, (*addrs)[j],
                            it.path + ".loadBalancerBackendAddresses[" + std::to_string(j) + "]",
                            names, ips);
    if (!a) return armFail(a.error());
    outAddrs.push_back(std::move(*a));
  }
  if (p.contains("loadBalancerBackendAddresses") || !outAddrs.empty())
    p["loadBalancerBackendAddresses"] = outAddrs;
  return true;
}

}  // namespace

ArmResult<bool> validateBackendPools(LbDraft& lb) {
  return forEachItem(lb.pools, "backendAddressPools",
                     [&](LbItem& it) { return validateBackendPool(lb, it); });
}

// --- probes
// ------------------------------------------------------------------------------------------

namespace {

/// intervalInSeconds, numberOfProbes (defaults written back) and probeThreshold (checked only).
ArmResult<bool> probeTiming(LbItem& it) {
  json& p = it.p;
  auto interval = intInRange(p, "intervalInSeconds", 15, 5, 2147483647, it.path, "Interval");
  if (!interval) return armFail(interval.error());
  p["intervalInSeconds"] = *interval;
  auto number = intInRange(p, "numberOfProbes", 2, 1, 2147483647, it.path, "Number of probes");
  if (!number) return armFail(number.error());
  p["numberOfProbes"] = *number;
  if (p.contains("probeThreshold")) {
    auto th = intInRange(p, "probeThreshold", 1, 1, 2147483647, it.path, "Probe threshold");
    if (!th) return armFail(th.error());
  }
  return true;
}

ArmResult<bool> validateProbe(const LbDraft& lb, LbItem& it) {
  json& p = it.p;
  if (auto k = checkKinds(p, it.path,
                          {{"protocol", JsonKind::String},
                           {"port", JsonKind::Integer},
                           {"intervalInSeconds", JsonKind::Integer},
                           {"numberOfProbes", JsonKind::Integer},
                           {"probeThreshold", JsonKind::Integer},
                           {"requestPath", JsonKind::String},
                           {"noHealthyBackendsBehavior", JsonKind::String}});
      !k)
    return k;
  if (auto r = requireFields(it, {"protocol", "port"}); !r) return r;
  auto proto = canonicalProtocol(it, {"Http", "Tcp", "Https"});
  if (!proto) return armFail(proto.error());
  if (*proto == "Https" && !lb.standard)
    return armFail(errors::invalidParameter("Probe " + it.id +
                                                ": Https probes are supported on "
                                                "Standard sku load balancers only.",
                                            it.path + ".protocol"));
  auto port = intInRange(p, "port", 0, 1, 65535, it.path, "Port");
  if (!port) return armFail(port.error());
  if (auto r = probeTiming(it); !r) return r;
  if (present(p, "noHealthyBackendsBehavior")) {  // api 2024-01-01+; stored as sent, else absent
    auto behavior =
        canonicalEnum(p["noHealthyBackendsBehavior"].get<std::string>(),
                      {"AllProbedDown", "AllProbedUp"}, it.path + ".noHealthyBackendsBehavior");
    if (!behavior) return armFail(behavior.error());
    p["noHealthyBackendsBehavior"] = *behavior;
  }
  std::string reqPath = armapi::stringOr(p, "requestPath", "");
  if (*proto == "Tcp" && p.contains("requestPath") && !p["requestPath"].is_null())
    return armFail(errors::invalidParameter("Probe " + it.id +
                                                " has protocol Tcp; requestPath is "
                                                "only allowed for Http and Https probes.",
                                            it.path + ".requestPath"));
  // Azure's own examples send "healthcheck.aspx": stored as sent, requested as "/healthcheck.aspx".
  if (*proto != "Tcp" && reqPath.empty())
    return armFail(errors::invalidParameter(
        "Probe " + it.id + " has protocol " + *proto + " and needs a requestPath.",
        it.path + ".requestPath"));
  return true;
}

}  // namespace

ArmResult<bool> validateProbes(LbDraft& lb) {
  return forEachItem(lb.probes, "probes", [&](LbItem& it) { return validateProbe(lb, it); });
}

// --- loadBalancingRules
// ------------------------------------------------------------------------------

namespace {

/// The rule's pools: clients send the singular backendAddressPool, the plural backendAddressPools
/// (az), or both; Azure returns both for one pool, only the plural for several, neither for none.
ArmResult<bool> rulePools(const LbDraft& lb, LbItem& it) {
  json& p = it.p;
  auto single =
      localRef(p, "backendAddressPool", "backendAddressPools", lb.poolKeys, it.id, it.path);
  if (!single) return armFail(single.error());
  auto poolRefs = localRefList(p.value("backendAddressPools", json::array()), "backendAddressPools",
                               lb.poolKeys, it.id, it.path + ".backendAddressPools");
  if (!poolRefs) return armFail(poolRefs.error());
  if (poolRefs->empty() && *single) poolRefs->push_back(subRef(**single));
  if (poolRefs->size() > 1) {
    p.erase("backendAddressPool");
    p["backendAddressPools"] = *poolRefs;
  } else if (!poolRefs->empty()) {
    p["backendAddressPool"] = (*poolRefs)[0];
    p["backendAddressPools"] = *poolRefs;
  } else {
    p.erase("backendAddressPool");
    p.erase("backendAddressPools");
  }
  return true;
}

ArmResult<bool> validateRule(LbDraft& lb, LbItem& it) {
  json& p = it.p;
  if (auto k = checkKinds(p, it.path,
                          {{"protocol", JsonKind::String},
                           {"frontendPort", JsonKind::Integer},
                           {"backendPort", JsonKind::Integer},
                           {"idleTimeoutInMinutes", JsonKind::Integer},
                           {"loadDistribution", JsonKind::String},
                           {"enableFloatingIP", JsonKind::Boolean},
                           {"enableTcpReset", JsonKind::Boolean},
                           {"disableOutboundSnat", JsonKind::Boolean},
                           {"backendAddressPools", JsonKind::Array}});
      !k)
    return k;
  if (auto r = requireFields(it, {"protocol", "frontendPort"}); !r) return r;
  auto proto = canonicalProtocol(it, {"Tcp", "Udp", "All"});
  if (!proto) return armFail(proto.error());
  auto fport = intInRange(p, "frontendPort", 0, 0, 65534, it.path, "Frontend port");
  if (!fport) return armFail(fport.error());
  auto bport = intInRange(p, "backendPort", *fport, 0, 65535, it.path, "Backend port");
  if (!bport) return armFail(bport.error());
  p["backendPort"] = *bport;
  if (auto r = idleTimeout(it, 30); !r) return r;
  auto dist =
      canonicalEnum(armapi::stringOr(p, "loadDistribution", "Default"),
                    {"Default", "SourceIP", "SourceIPProtocol"}, it.path + ".loadDistribution");
  if (!dist) return armFail(dist.error());
  p["loadDistribution"] = *dist;
  defaultFalse(p, {"enableFloatingIP", "enableTcpReset", "disableOutboundSnat"});
  auto fe = requiredFrontend(lb, it, "Load balancing rule");
  if (!fe) return armFail(fe.error());
  if (auto r = rulePools(lb, it); !r) return r;
  auto probe = localRef(p, "probe", "probes", lb.probeKeys, it.id, it.path);
  if (!probe) return armFail(probe.error());
  if (*probe) p["probe"] = subRef(**probe);
  if (auto r = checkHaPorts(lb, it, *fe, *proto, *fport, *bport); !r) return r;
  addPortUse(lb.ports, toLower(*fe), *proto, *fport, *fport, it.id);
  return true;
}

}  // namespace

ArmResult<bool> validateRules(LbDraft& lb) {
  return forEachItem(lb.rules, "loadBalancingRules",
                     [&](LbItem& it) { return validateRule(lb, it); });
}

// --- inboundNatRules -----------------------------------------------------------------------------

namespace {

/// A NAT rule over a frontend port range: needs a pool and no single frontendPort.
ArmResult<bool> natRuleRange(LbDraft& lb, LbItem& it, const std::string& fe,
                             const std::string& proto, const std::optional<std::string>& pool) {
  json& p = it.p;
  auto start =
      intInRange(p, "frontendPortRangeStart", 0, 1, 65534, it.path, "Frontend port range start");
  if (!start) return armFail(start.error());
  auto end = intInRange(p, "frontendPortRangeEnd", 0, 1, 65534, it.path, "Frontend port range end");
  if (!end) return armFail(end.error());
  if (!present(p, "frontendPortRangeStart") || !present(p, "frontendPortRangeEnd") || *start > *end)
    return armFail(errors::invalidParameter(
        "Inbound NAT rule " + it.id + " needs frontendPortRangeStart <= frontendPortRangeEnd.",
        it.path + ".frontendPortRangeStart"));
  if (!pool)
    return armFail(errors::invalidParameter(
        "Inbound NAT rule " + it.id +
            " with a frontend port range must reference a backend address pool.",
        it.path + ".backendAddressPool"));
  if (p.value("frontendPort", 0) != 0)
    return armFail(errors::invalidParameter(
        "Inbound NAT rule " + it.id + " cannot set both frontendPort and a frontend port range.",
        it.path + ".frontendPort"));
  p["backendAddressPool"] = subRef(*pool);
  p["frontendPort"] = 0;
  addPortUse(lb.ports, toLower(fe), proto, *start, *end, it.id);
  return true;
}

/// A NAT rule on one frontend port.
ArmResult<bool> natRuleSinglePort(LbDraft& lb, LbItem& it, const std::string& fe,
                                  const std::string& proto,
                                  const std::optional<std::string>& pool) {
  json& p = it.p;
  if (auto r = requireFields(it, {"frontendPort"}); !r) return r;
  p.erase("frontendPortRangeStart");  // null: the rendering reads ranges only from numbers
  p.erase("frontendPortRangeEnd");
  auto fport = intInRange(p, "frontendPort", 0, 1, 65534, it.path, "Frontend port");
  if (!fport) return armFail(fport.error());
  if (pool) p["backendAddressPool"] = subRef(*pool);
  addPortUse(lb.ports, toLower(fe), proto, *fport, *fport, it.id);
  return true;
}

ArmResult<bool> validateNatRule(LbDraft& lb, LbItem& it) {
  json& p = it.p;
  if (auto k = checkKinds(p, it.path,
                          {{"protocol", JsonKind::String},
                           {"frontendPort", JsonKind::Integer},
                           {"backendPort", JsonKind::Integer},
                           {"frontendPortRangeStart", JsonKind::Integer},
                           {"frontendPortRangeEnd", JsonKind::Integer},
                           {"idleTimeoutInMinutes", JsonKind::Integer},
                           {"enableFloatingIP", JsonKind::Boolean},
                           {"enableTcpReset", JsonKind::Boolean}});
      !k)
    return k;
  if (auto r = requireFields(it, {"protocol"}); !r) return r;
  auto proto = canonicalProtocol(it, {"Tcp", "Udp", "All"});
  if (!proto) return armFail(proto.error());
  auto fe = requiredFrontend(lb, it, "Inbound NAT rule");
  if (!fe) return armFail(fe.error());
  auto pool = localRef(p, "backendAddressPool", "backendAddressPools", lb.poolKeys, it.id, it.path);
  if (!pool) return armFail(pool.error());
  if (auto r = requireFields(it, {"backendPort"}); !r) return r;
  auto bport = intInRange(p, "backendPort", 0, 1, 65535, it.path, "Backend port");
  if (!bport) return armFail(bport.error());
  if (auto r = idleTimeout(it, 30); !r) return r;
  defaultFalse(p, {"enableFloatingIP", "enableTcpReset"});
  // A range start or end of 0 means "no range": Azure's responses carry 0/0 on single-port rules
  // (recorded az traffic), so a GET edited and PUT back sends them; its docs give 1-65534 for a
  // real range, which natRuleRange checks.
  auto nonZero = [&](const char* k) { return present(p, k) && p[k] != 0; };
  if (nonZero("frontendPortRangeStart") || nonZero("frontendPortRangeEnd"))
    return natRuleRange(lb, it, *fe, *proto, *pool);
  return natRuleSinglePort(lb, it, *fe, *proto, *pool);
}

}  // namespace

ArmResult<bool> validateInboundNatRules(LbDraft& lb) {
  return forEachItem(lb.nats, "inboundNatRules",
                     [&](LbItem& it) { return validateNatRule(lb, it); });
}

// --- inboundNatPools (legacy VM scale sets)
// --------------------------------------------------------

namespace {

ArmResult<bool> validateNatPool(LbDraft& lb, LbItem& it) {
  json& p = it.p;
  if (auto r = requireFields(
          it, {"protocol", "frontendPortRangeStart", "frontendPortRangeEnd", "backendPort"});
      !r)
    return r;
  if (auto k = checkKinds(p, it.path, {{"protocol", JsonKind::String}}); !k) return k;
  auto proto = canonicalProtocol(it, {"Tcp", "Udp", "All"});
  if (!proto) return armFail(proto.error());
  auto start =
      intInRange(p, "frontendPortRangeStart", 0, 1, 65534, it.path, "Frontend port range start");
  if (!start) return armFail(start.error());
  auto end = intInRange(p, "frontendPortRangeEnd", 0, 1, 65535, it.path, "Frontend port range end");
  if (!end) return armFail(end.error());
  if (*start > *end)
    return armFail(errors::invalidParameter("Inbound NAT pool " + it.id +
                                                " has frontendPortRangeStart > "
                                                "frontendPortRangeEnd.",
                                            it.path + ".frontendPortRangeStart"));
  auto bport = intInRange(p, "backendPort", 0, 1, 65535, it.path, "Backend port");
  if (!bport) return armFail(bport.error());
  if (auto r = idleTimeout(it, 30); !r) return r;
  defaultFalse(p, {"enableFloatingIP", "enableTcpReset"});
  auto fe = requiredFrontend(lb, it, "Inbound NAT pool");
  if (!fe) return armFail(fe.error());
  addPortUse(lb.ports, toLower(*fe), *proto, *start, *end, it.id);
  return true;
}

}  // namespace

ArmResult<bool> validateInboundNatPools(LbDraft& lb) {
  return forEachItem(lb.natPools, "inboundNatPools",
                     [&](LbItem& it) { return validateNatPool(lb, it); });
}

// --- outboundRules (Standard only)
// -----------------------------------------------------------------

namespace {

/// Azure's check: allocatedOutboundPorts per instance must fit in what the rule's frontend IPs
/// (64,000 ports each, less the 8-port blocks of inbound rules' frontend ports) give its pool.
ArmResult<bool> checkOutboundPortsFit(const LbDraft& lb, const json& feRefs,
                                      const std::string& poolId, int ports,
                                      const std::string& ruleId) {
  if (ports == 0) return true;
  std::size_t poolSize =
      nicConfigsReferencing(lb.ctx->tx, "loadBalancerBackendAddressPools", toLower(poolId)).size();
  for (const auto& pool : lb.pools)
    if (iequals(pool.value("id", ""), poolId))
      poolSize += pool["properties"].value("loadBalancerBackendAddresses", json::array()).size();
  if (poolSize == 0) return true;
  std::int64_t total = 0;
  for (const auto& fe : feRefs) {
    std::set<std::int64_t> blocks;
    for (const auto& use : lb.ports)
      if (use.frontendKey == toLower(fe.value("id", "")))
        for (std::int64_t port = std::max<std::int64_t>(use.first, 1024);
             port <= use.last && port < 65024; port += 8)
          blocks.insert((port - 1024) / 8);
    total += 64000 - 8 * static_cast<std::int64_t>(blocks.size());
  }
  const auto available = static_cast<int>(total / static_cast<std::int64_t>(poolSize) / 8 * 8);
  if (ports > available)
    return armFail(errors::allocatedOutboundPortsExceedAvailable(ports, ruleId, available));
  return true;
}

ArmResult<bool> validateOutboundRule(const LbDraft& lb, LbItem& it,
                                     std::vector<OutboundUse>& uses) {
  json& p = it.p;
  if (!lb.standard) return armFail(errors::outboundRulesNotSupportedOnBasicSku(it.id));
  if (auto k = checkKinds(p, it.path,
                          {{"protocol", JsonKind::String},
                           {"allocatedOutboundPorts", JsonKind::Integer},
                           {"frontendIPConfigurations", JsonKind::Array},
                           {"idleTimeoutInMinutes", JsonKind::Integer},
                           {"enableTcpReset", JsonKind::Boolean}});
      !k)
    return k;
  if (auto r = requireFields(it, {"protocol", "backendAddressPool", "frontendIPConfigurations"});
      !r)
    return r;
  auto proto = canonicalProtocol(it, {"Tcp", "Udp", "All"});
  if (!proto) return armFail(proto.error());
  auto pool = localRef(p, "backendAddressPool", "backendAddressPools", lb.poolKeys, it.id, it.path);
  if (!pool) return armFail(pool.error());
  if (!*pool) return armFail(errors::missingJsonProperty("backendAddressPool", it.path));
  p["backendAddressPool"] = subRef(**pool);
  auto feRefs = localRefList(p["frontendIPConfigurations"], "frontendIPConfigurations", lb.feKeys,
                             it.id, it.path + ".frontendIPConfigurations");
  if (!feRefs) return armFail(feRefs.error());
  if (feRefs->empty())
    return armFail(errors::invalidParameter("Outbound rule " + it.id +
                                                " must reference at least one "
                                                "frontend IP configuration.",
                                            it.path + ".frontendIPConfigurations"));
  p["frontendIPConfigurations"] = *feRefs;
  auto ports8 =
      intInRange(p, "allocatedOutboundPorts", 0, 0, 64000, it.path, "Allocated outbound ports");
  if (!ports8) return armFail(ports8.error());
  if (*ports8 % 8 != 0)
    return armFail(
        errors::allocatedOutboundPortsNotMultipleOfEight(static_cast<int>(*ports8), it.id));
  p["allocatedOutboundPorts"] = *ports8;
  if (auto fits = checkOutboundPortsFit(lb, *feRefs, **pool, static_cast<int>(*ports8), it.id);
      !fits)
    return fits;
  auto idle = intInRange(p, "idleTimeoutInMinutes", 4, 4, 120, it.path, "Idle timeout");
  if (!idle) return armFail(idle.error());
  p["idleTimeoutInMinutes"] = *idle;
  defaultFalse(p, {"enableTcpReset"});
  return checkOutboundFrontends(uses, *feRefs, *proto, it.id);
}

}  // namespace

ArmResult<bool> validateOutboundRules(LbDraft& lb) {
  std::vector<OutboundUse> uses;
  return forEachItem(lb.outbound, "outboundRules",
                     [&](LbItem& it) { return validateOutboundRule(lb, it, uses); });
}

}  // namespace azlb::armservice::network
