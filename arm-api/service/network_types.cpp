// Public IP addresses, virtual networks (+ subnets) and network interfaces.
#include <cctype>
#include <map>
#include <set>

#include "arm-api/common/ipv6.h"
#include "arm-api/service/network_util.h"

namespace azlb::armservice::network {

using armapi::canonicalEnum;
using armapi::checkKinds;
using armapi::formatIpv4;
using armapi::iequals;
using armapi::JsonKind;
using armapi::objectAt;
using armapi::parseIpv4;
using armapi::toLower;

// Defined in load_balancer.cpp.
ArmResult<json> normalizeLoadBalancer(Ctx&, const ResourceId&, const json&, const Resource*);
json renderLoadBalancer(const Txn&, const Resource&);
ArmResult<bool> checkDeleteLoadBalancer(const Txn&, const Resource&);
// Defined in public_ip_prefixes.cpp.
ArmResult<json> normalizePublicIpPrefix(Ctx&, const ResourceId&, const json&, const Resource*);
json renderPublicIpPrefix(const Txn&, const Resource&);
ArmResult<bool> checkDeletePublicIpPrefix(const Txn&, const Resource&);
// Defined in security_groups.cpp.
ArmResult<json> normalizeSecurityGroup(Ctx&, const ResourceId&, const json&, const Resource*);
json renderSecurityGroup(const Txn&, const Resource&);
ArmResult<bool> checkDeleteSecurityGroup(const Txn&, const Resource&);
/// props.networkSecurityGroup (subnet or NIC): absent, or a group that exists (written canonical).
ArmResult<bool> checkSecurityGroupRef(const Txn&, json& props, const std::string& path,
                                      const std::string& owner);

namespace {

/// The location as stored: "West US" -> "westus"; an update without one keeps the resource's.
std::string location(const json& request, const Resource* existing) {
  std::string out;
  for (char c : armapi::stringOr(request, "location", ""))
    if (c != ' ') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.empty() && existing) out = existing->body.value("location", "");
  return out;
}

// ---------------------------------------------------------------------------------------------
// publicIPAddresses

struct Sku {
  std::string name, tier;
};

/// sku.name (Basic or Standard, default Basic) and sku.tier (default Regional).
ArmResult<Sku> publicIpSku(const json& request) {
  auto skuR = objectAt(request, "sku", "");
  if (!skuR) return armFail(skuR.error());
  if (auto k = checkKinds(*skuR, "sku", {{"name", JsonKind::String}, {"tier", JsonKind::String}});
      !k)
    return armFail(k.error());
  auto name =
      canonicalEnum(armapi::stringOr(*skuR, "name", "Basic"), {"Basic", "Standard"}, "sku.name");
  if (!name) return armFail(name.error());
  auto tier = canonicalEnum(armapi::stringOr(*skuR, "tier", "Regional"), {"Regional", "Global"},
                            "sku.tier");
  if (!tier) return armFail(tier.error());
  // Azure: a Global (cross-region) public IP must be Standard. [infer] code: InvalidParameter.
  if (*tier == "Global" && *name != "Standard")
    return armFail(errors::invalidParameter(
        "A public IP with sku.tier Global must have sku.name Standard, not " + *name + ".",
        "sku.tier"));
  return Sku{*name, *tier};
}

/// dnsSettings.fqdn from domainNameLabel and the location
/// ("<label>.<location>.cloudapp.azure.com").
ArmResult<bool> publicIpDns(json& props, const json& request, const Resource* existing) {
  if (!props.contains("dnsSettings") || !props["dnsSettings"].is_object()) return true;
  auto& dns = props["dnsSettings"];
  if (auto k = checkKinds(dns, "properties.dnsSettings", {{"domainNameLabel", JsonKind::String}});
      !k)
    return k;
  std::string label = armapi::stringOr(dns, "domainNameLabel", "");
  dns.erase("fqdn");
  if (!label.empty())
    dns["fqdn"] = toLower(label) + "." + location(request, existing) + ".cloudapp.azure.com";
  return true;
}

/// The public IP prefix the address comes from (props.publicIPPrefix): it must exist, and an
/// existing public IP keeps the one it has (Azure refuses to change the association).
ArmResult<std::optional<armapi::Ipv4Prefix>> publicIpFromPrefix(Ctx& ctx, json& props,
                                                                const ResourceId& id,
                                                                const Resource* existing) {
  auto prefix = referencedPublicIpPrefix(ctx.tx, props, "properties", id.str());
  if (!prefix) return armFail(prefix.error());
  const auto before = existing ? refOf(propsOf(existing->body), "publicIPPrefix") : std::nullopt;
  const std::string now = *prefix ? refKey((*prefix)->id) : "";
  if (existing && (before ? refKey(*before) : "") != now)
    return armFail(errors::invalidParameter(
        "Public IP " + id.str() + " cannot change the public IP prefix it was created from.",
        "properties.publicIPPrefix"));
  if (!*prefix) return std::optional<armapi::Ipv4Prefix>{};
  props["publicIPPrefix"] = subRef((*prefix)->id);
  return armapi::parseIpv4Prefix(propsOf((*prefix)->body).value("ipPrefix", ""));
}

/// Keeps the address a resource already has; Static IPv4 gets one now (from its prefix, if it
/// names one), Dynamic when attached.
ArmResult<bool> publicIpAddress(Ctx& ctx, json& props, const ResourceId& id,
                                const Resource* existing, const std::string& method,
                                const std::string& version) {
  auto block = publicIpFromPrefix(ctx, props, id, existing);
  if (!block) return armFail(block.error());
  std::string kept =
      existing ? existing->body.value("properties", json::object()).value("ipAddress", "") : "";
  if (!kept.empty() && version == "IPv4") {
    props["ipAddress"] = kept;
  } else if (method == "Static" && version == "IPv4") {
    auto addr = freePublicIp(ctx.tx, ctx.cfg.publicPrefix, *block);
    if (!addr && *block)
      return armFail(
          errors::publicIpPrefixFull(refOf(props, "publicIPPrefix").value_or(""), id.str()));
    if (!addr) return armFail(errors::publicIpCountLimitReached(ctx.cfg.publicPrefix));
    props["ipAddress"] = formatIpv4(*addr);
  }
  return true;
}

ArmResult<json> normalizePublicIp(Ctx& ctx, const ResourceId& id, const json& request,
                                  const Resource* existing) {
  auto propsR = objectAt(request, "properties", "");
  if (!propsR) return armFail(propsR.error());
  json props = *propsR;
  if (auto k = checkKinds(props, "properties",
                          {{"publicIPAllocationMethod", JsonKind::String},
                           {"publicIPAddressVersion", JsonKind::String},
                           {"idleTimeoutInMinutes", JsonKind::Integer},
                           {"ipTags", JsonKind::Array},
                           {"dnsSettings", JsonKind::Object},
                           {"publicIPPrefix", JsonKind::Object}});
      !k)
    return armFail(k.error());
  auto sku = publicIpSku(request);
  if (!sku) return armFail(sku.error());
  auto version = canonicalEnum(armapi::stringOr(props, "publicIPAddressVersion", "IPv4"),
                               {"IPv4", "IPv6"}, "properties.publicIPAddressVersion");
  if (!version) return armFail(version.error());
  auto method = canonicalEnum(armapi::stringOr(props, "publicIPAllocationMethod",
                                               sku->name == "Standard" ? "Static" : "Dynamic"),
                              {"Static", "Dynamic"}, "properties.publicIPAllocationMethod");
  if (!method) return armFail(method.error());
  if (sku->name == "Standard" && *method == "Dynamic")
    return armFail(errors::standardSkuPublicIpMustBeStatic(id.str()));
  if (existing) {
    std::string oldSku = existing->body.value("sku", json::object()).value("name", "Basic");
    if (oldSku != sku->name)
      return armFail(errors::publicIpSkuCannotBeChanged(id.str(), oldSku, sku->name));
  }
  auto idle =
      armapi::intInRange(props, "idleTimeoutInMinutes", 4, 4, 30, "properties", "Idle timeout");
  if (!idle) return armFail(idle.error());

  for (const char* ro : {"ipAddress", "ipConfiguration", "provisioningState", "resourceGuid"})
    props.erase(ro);
  props["publicIPAllocationMethod"] = *method;
  props["publicIPAddressVersion"] = *version;
  props["idleTimeoutInMinutes"] = *idle;
  if (!props.contains("ipTags")) props["ipTags"] = json::array();
  if (!props.contains("ddosSettings") || !props["ddosSettings"].is_object())
    props["ddosSettings"] = json{{"protectionMode", "VirtualNetworkInherited"}};
  if (auto r = publicIpDns(props, request, existing); !r) return armFail(r.error());
  if (auto r = publicIpAddress(ctx, props, id, existing, *method, *version); !r)
    return armFail(r.error());
  json out = json::object();
  out["sku"] = json{{"name", sku->name}, {"tier", sku->tier}};
  out["properties"] = props;
  return out;
}

json renderPublicIp(const Txn& tx, const Resource& r) {
  json body = r.body;
  auto users = publicIpUsers(tx, toLower(r.id));
  if (!users.empty()) body["properties"]["ipConfiguration"] = subRef(users.front());
  return body;
}

ArmResult<bool> checkDeletePublicIp(const Txn& tx, const Resource& r) {
  auto users = publicIpUsers(tx, toLower(r.id));
  if (!users.empty()) return armFail(errors::publicIpCannotBeDeleted(r.id, users.front()));
  return true;
}

// ---------------------------------------------------------------------------------------------
// virtualNetworks (+ subnets)

/// A VNet's address space: IPv4 prefixes, and IPv6 ones for a dual-stack VNet (stored and
/// checked; the data plane is IPv4).
struct AddressSpace {
  std::vector<armapi::Ipv4Prefix> v4;
  std::vector<armapi::Ipv6Prefix> v6;
};

/// properties.addressSpace.addressPrefixes: at least one, each an IPv4 or IPv6 CIDR prefix.
ArmResult<AddressSpace> vnetAddressSpace(const json& props, const ResourceId& id) {
  auto spaceR = objectAt(props, "addressSpace", "properties");
  if (!spaceR) return armFail(spaceR.error());
  auto prefixesR = armapi::arrayAt(*spaceR, "addressPrefixes", "properties.addressSpace");
  if (!prefixesR) return armFail(prefixesR.error());
  if (prefixesR->empty()) return armFail(errors::vnetWithoutAddressPrefix(id.str()));
  AddressSpace space;
  for (const auto& p : *prefixesR) {
    const std::string text = p.is_string() ? p.get<std::string>() : "";
    if (auto v4 = armapi::parseIpv4Prefix(text)) {
      space.v4.push_back(*v4);
    } else if (auto v6 = armapi::parseIpv6Prefix(text)) {
      space.v6.push_back(*v6);
    } else {
      return armFail(errors::invalidVnetAddressPrefix(p.dump(), id.str()));
    }
  }
  return space;
}

/// A dual-stack subnet's IPv6 prefixes (in addressPrefixes): valid, inside the VNet's IPv6
/// space, overlapping no other subnet's. `seen` collects them across the VNet's subnets.
ArmResult<bool> subnetIpv6(const json& sp, const std::string& name, const AddressSpace& space,
                           const ResourceId& id,
                           std::vector<std::pair<std::string, armapi::Ipv6Prefix>>& seen) {
  for (const auto& p : sp.value("addressPrefixes", json::array())) {
    const std::string text = p.is_string() ? p.get<std::string>() : "";
    if (text.find(':') == std::string::npos) continue;  // the IPv4 one: subnetPrefix()
    auto pre = armapi::parseIpv6Prefix(text);
    if (!pre) return armFail(errors::invalidSubnetAddressPrefix(name));
    bool inside = false;
    for (const auto& v : space.v6) inside = inside || v.contains(*pre);
    if (!inside) return armFail(errors::subnetRangeOutsideVnet(name, id.name()));
    for (const auto& [otherName, other] : seen)
      if (other.overlaps(*pre))
        return armFail(errors::subnetRangesOverlap(name, otherName, id.name()));
    seen.emplace_back(name, *pre);
  }
  return true;
}

/// What Azure computes inside a subnet: each delegation's id, provisioningState and actions (an
/// empty list when the request names none), each service endpoint's provisioningState, and an
/// empty delegations list.
void subnetComputedParts(json& sp, const std::string& subnetId) {
  if (!sp.contains("delegations") || !sp["delegations"].is_array())
    sp["delegations"] = json::array();
  for (auto& d : sp["delegations"]) {
    if (!d.is_object()) continue;
    d["id"] = subnetId + "/delegations/" + d.value("name", "");
    d["type"] = "Microsoft.Network/virtualNetworks/subnets/delegations";
    json& dp = d["properties"];
    if (!dp.is_object()) dp = json::object();
    if (!dp.contains("actions")) dp["actions"] = json::array();
    dp["provisioningState"] = "Succeeded";
  }
  if (sp.contains("serviceEndpoints") && sp["serviceEndpoints"].is_array())
    for (auto& e : sp["serviceEndpoints"])
      if (e.is_object()) e["provisioningState"] = "Succeeded";
}

/// Each subnet's prefix: valid, inside the address space, at most /29, overlapping no other.
ArmResult<bool> validateSubnets(json& subnets, const AddressSpace& space, const ResourceId& id) {
  std::vector<std::pair<std::string, armapi::Ipv4Prefix>> seen;
  std::vector<std::pair<std::string, armapi::Ipv6Prefix>> seen6;
  size_t subnetIndex = 0;
  for (auto& s : subnets) {
    auto& sp = s["properties"];
    std::string name = s["name"];
    if (auto k =
            checkKinds(sp, "properties.subnets[" + std::to_string(subnetIndex++) + "].properties",
                       {{"addressPrefix", JsonKind::String},
                        {"addressPrefixes", JsonKind::Array},
                        {"defaultOutboundAccess", JsonKind::Boolean},
                        {"networkSecurityGroup", JsonKind::Object}});
        !k)
      return k;
    auto pre = subnetPrefix(s);
    if (!pre) return armFail(errors::invalidSubnetAddressPrefix(name));
    bool inside = false;
    for (const auto& v : space.v4) inside = inside || v.contains(*pre);
    if (!inside) return armFail(errors::subnetRangeOutsideVnet(name, id.name()));
    if (pre->length > 29) return armFail(errors::subnetTooSmall(name, id.name()));
    for (const auto& [otherName, other] : seen)
      if (other.overlaps(*pre))
        return armFail(errors::subnetRangesOverlap(name, otherName, id.name()));
    seen.emplace_back(name, *pre);
    if (auto r = subnetIpv6(sp, name, space, id, seen6); !r) return r;
    subnetComputedParts(sp, s.value("id", ""));
    if (!sp.contains("privateEndpointNetworkPolicies"))
      sp["privateEndpointNetworkPolicies"] = "Disabled";
    if (!sp.contains("privateLinkServiceNetworkPolicies"))
      sp["privateLinkServiceNetworkPolicies"] = "Enabled";
  }
  return true;
}

/// A subnet still used by NICs or frontends can be neither removed nor shrunk away from them.
ArmResult<bool> checkSubnetsInUse(const Txn& tx, const Resource& existing, const json& subnets) {
  for (const auto& old : existing.body["properties"].value("subnets", json::array())) {
    auto users = subnetUsers(tx, toLower(old.value("id", "")));
    if (users.empty()) continue;
    const json* now = nullptr;
    for (const auto& s : subnets)
      if (iequals(s.value("name", ""), old.value("name", ""))) now = &s;
    if (!now)
      return armFail(errors::inUseSubnetCannotBeDeleted(old.value("name", ""), users.front().id));
    auto pre = subnetPrefix(*now);
    for (const auto& u : users) {
      auto a = parseIpv4(u.ip);
      if (a && pre && !pre->contains(*a))
        return armFail(errors::inUseSubnetCannotBeUpdated(old.value("name", ""), u.id, u.ip));
    }
  }
  return true;
}

/// Azure ended default outbound access for new networks on 2026-03-31: a subnet created with
/// api-version 2025-07-01 or later is private (defaultOutboundAccess false) unless the request
/// says otherwise; subnets that already exist keep what they have (absent: allowed).
void defaultOutboundAccessOff(json& subnets, const Resource* existing,
                              const std::string& apiVersion) {
  if (apiVersion < "2025-07-01") return;
  for (auto& s : subnets) {
    bool known = false;
    if (existing)
      for (const auto& old : existing->body["properties"].value("subnets", json::array()))
        known = known || iequals(old.value("name", ""), s.value("name", ""));
    auto& sp = s["properties"];
    if (!known && !sp.contains("defaultOutboundAccess")) sp["defaultOutboundAccess"] = false;
  }
}

ArmResult<json> normalizeVnet(Ctx& ctx, const ResourceId& id, const json& request,
                              const Resource* existing) {
  auto propsR = objectAt(request, "properties", "");
  if (!propsR) return armFail(propsR.error());
  json props = *propsR;
  auto space = vnetAddressSpace(props, id);
  if (!space) return armFail(space.error());
  auto subnets =
      normalizeChildren(props, "subnets", id.str(), id.type(),
                        {"ipConfigurations", "ipConfigurationProfiles", "resourceNavigationLinks",
                         "serviceAssociationLinks", "privateEndpoints", "purpose"});
  if (!subnets) return armFail(subnets.error());
  if (auto r = validateSubnets(*subnets, *space, id); !r) return armFail(r.error());
  for (std::size_t i = 0; i < subnets->size(); ++i) {
    auto& s = (*subnets)[i];
    if (auto r = checkSecurityGroupRef(ctx.tx, s["properties"],
                                       "properties.subnets[" + std::to_string(i) + "].properties",
                                       s.value("id", ""));
        !r)
      return armFail(r.error());
  }
  if (existing)
    if (auto r = checkSubnetsInUse(ctx.tx, *existing, *subnets); !r) return armFail(r.error());
  defaultOutboundAccessOff(*subnets, existing, ctx.apiVersion);
  props["subnets"] = *subnets;
  if (!props.contains("enableDdosProtection")) props["enableDdosProtection"] = false;
  if (!props.contains("enableVmProtection")) props["enableVmProtection"] = false;
  if (!props.contains("virtualNetworkPeerings")) props["virtualNetworkPeerings"] = json::array();
  props.erase("provisioningState");
  props.erase("resourceGuid");
  json out = json::object();
  out["properties"] = props;
  return out;
}

json renderVnet(const Txn& tx, const Resource& r) {
  json body = r.body;
  std::string state = body["properties"].value("provisioningState", "Succeeded");
  for (auto& s : body["properties"]["subnets"]) {
    auto users = subnetUsers(tx, toLower(s.value("id", "")));
    if (!users.empty()) {
      json refs = json::array();
      for (const auto& u : users) refs.push_back(subRef(u.id));
      s["properties"]["ipConfigurations"] = refs;
    }
    s["etag"] = body.value("etag", "");
    s["properties"]["provisioningState"] = state;
  }
  return body;
}

ArmResult<bool> checkDeleteVnet(const Txn& tx, const Resource& r) {
  for (const auto& s : r.body["properties"].value("subnets", json::array())) {
    auto users = subnetUsers(tx, toLower(s.value("id", "")));
    if (!users.empty())
      return armFail(errors::inUseSubnetCannotBeDeleted(s.value("name", ""), users.front().id));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// networkInterfaces

std::string macFor(const std::string& seed) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : seed) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  char buf[32];
  std::snprintf(buf, sizeof buf, "00-0D-3A-%02X-%02X-%02X", static_cast<unsigned>((h >> 16) & 255),
                static_cast<unsigned>((h >> 8) & 255), static_cast<unsigned>(h & 255));
  return buf;
}

/// The network interface being PUT, as its ipConfigurations are checked one by one.
struct NicDraft {
  Ctx& ctx;
  const ResourceId& id;
  const Resource* existing;
  std::set<uint32_t> takenHere;                 // private addresses of this body
  std::map<std::string, std::string> pipsHere;  // public IP key -> the ipConfiguration using it
  std::string vnetKey;                          // every ipConfiguration's subnet is in this vnet
  std::string
      primarySubnet;  // the primary ipConfiguration's subnet id: a secondary without one takes it
};

/// The subnet an ipConfiguration must reference, in the same virtual network as the others.
ArmResult<const json*> nicSubnet(NicDraft& nic, json& c, const std::string& path) {
  auto& p = c["properties"];
  auto subnetRef = armapi::refAt(p, "subnet", path);
  if (!subnetRef) return armFail(subnetRef.error());
  if (!*subnetRef && !p.value("primary", false) && !nic.primarySubnet.empty())
    *subnetRef = nic.primarySubnet;  // Azure: a secondary configuration is in the primary's subnet
  if (!*subnetRef)
    return armFail(errors::subnetRequiredForIpConfiguration(c.value("id", ""), path + ".subnet"));
  const json* subnet = findChildById(nic.ctx.tx, **subnetRef, "subnets");
  if (!subnet) return armFail(errors::invalidResourceReference(**subnetRef, c.value("id", "")));
  std::string thisVnet = refKey(ResourceId::parse(**subnetRef)->parent().str());
  if (nic.vnetKey.empty()) nic.vnetKey = thisVnet;
  if (nic.vnetKey != thisVnet)
    return armFail(errors::nicIpConfigurationsInDifferentVnets(nic.id.str()));
  p["subnet"] = subRef(subnet->value("id", ""));
  return subnet;
}

/// The ipConfiguration's private address (Static as sent, after checks; Dynamic kept or allocated).
ArmResult<std::string> nicPrivateIp(NicDraft& nic, json& c, const std::string& path,
                                    const json& subnet, const std::string& method) {
  const std::string subnetId = subnet.value("id", "");
  auto pre = subnetPrefix(subnet);
  std::string ipText = armapi::stringOr(c["properties"], "privateIPAddress", "");
  if (method == "Dynamic") {
    auto a = dynamicPrivateIp(nic.ctx.tx, nic.existing, "ipConfigurations", c.value("name", ""),
                              subnetId, pre, nic.id.str(), nic.takenHere);
    if (!a) return armFail(a.error());
    return a->text;
  }
  auto a = checkStaticPrivateIp(
      nic.ctx.tx, {"IP configuration", c.value("id", ""), nic.id.str(), ipText, subnetId, pre,
                   path + ".privateIPAddress", "the first four addresses and the last one are"});
  if (!a) return armFail(a.error());
  if (nic.takenHere.count(*a))
    return armFail(errors::privateIpAddressUsedTwiceInNic(ipText, nic.id.str()));
  return ipText;
}

/// loadBalancerBackendAddressPools and loadBalancerInboundNatRules: each must exist; written
/// canonical.
ArmResult<bool> nicLoadBalancerRefs(const NicDraft& nic, json& c, const std::string& path) {
  auto& p = c["properties"];
  for (const char* field : {"loadBalancerBackendAddressPools", "loadBalancerInboundNatRules"}) {
    const char* coll = std::string(field) == "loadBalancerBackendAddressPools"
                           ? "backendAddressPools"
                           : "inboundNatRules";
    json refs = json::array();
    size_t refIndex = 0;
    for (const auto& ref : p.value(field, json::array())) {
      // A holder keyed "field[i]" makes refAt's type errors name the exact path.
      const std::string key = std::string(field) + "[" + std::to_string(refIndex++) + "]";
      auto parsed = armapi::refAt(json{{key, ref}}, key.c_str(), path);
      if (!parsed) return armFail(parsed.error());
      std::string rid = parsed->value_or("");
      const json* target = findChildById(nic.ctx.tx, rid, coll);
      if (!target) return armFail(errors::invalidResourceReference(rid, c.value("id", "")));
      refs.push_back(subRef(target->value("id", "")));
    }
    if (refs.empty()) {
      p.erase(field);  // Azure omits an empty list
    } else {
      p[field] = refs;
    }
  }
  return true;
}

/// applicationSecurityGroups the configuration joins: each must exist (written canonical).
ArmResult<bool> nicApplicationSecurityGroups(const NicDraft& nic, json& c) {
  auto& p = c["properties"];
  if (!p.contains("applicationSecurityGroups")) return true;
  json refs = json::array();
  for (const auto& ref : p["applicationSecurityGroups"]) {
    const std::string id = ref.is_object() ? ref.value("id", "") : "";
    const Resource* asg = nic.ctx.tx.find(refKey(id));
    if (!asg || !iequals(asg->type, "Microsoft.Network/applicationSecurityGroups"))
      return armFail(errors::invalidResourceReference(id, c.value("id", "")));
    refs.push_back(subRef(asg->id));
  }
  p["applicationSecurityGroups"] = refs;
  return true;
}

/// The optional public IP: it must exist and be free (see checkPublicIpFree).
ArmResult<bool> nicPublicIp(NicDraft& nic, json& c, const std::string& path) {
  auto& p = c["properties"];
  auto pipRef = armapi::refAt(p, "publicIPAddress", path);
  if (!pipRef) return armFail(pipRef.error());
  if (!*pipRef) return true;
  const Resource* pip = nic.ctx.tx.find(refKey(**pipRef));
  if (!pip || !iequals(pip->type, "Microsoft.Network/publicIPAddresses"))
    return armFail(errors::invalidResourceReference(**pipRef, c.value("id", "")));
  if (auto r = checkPublicIpFree(nic.ctx.tx, *pip, nic.id.str(), c.value("id", ""), nic.pipsHere);
      !r)
    return r;
  p["publicIPAddress"] = subRef(pip->id);
  return true;
}

ArmResult<bool> nicIpConfiguration(NicDraft& nic, json& c, size_t index, bool anyPrimary) {
  std::string path = "properties.ipConfigurations[" + std::to_string(index) + "].properties";
  auto& p = c["properties"];
  if (auto k = checkKinds(p, path,
                          {{"privateIPAddress", JsonKind::String},
                           {"privateIPAllocationMethod", JsonKind::String},
                           {"primary", JsonKind::Boolean},
                           {"loadBalancerBackendAddressPools", JsonKind::Array},
                           {"loadBalancerInboundNatRules", JsonKind::Array},
                           {"applicationSecurityGroups", JsonKind::Array}});
      !k)
    return k;
  p["primary"] = anyPrimary ? p.value("primary", false) : index == 0;
  if (auto r = nicApplicationSecurityGroups(nic, c); !r) return r;
  auto subnet = nicSubnet(nic, c, path);
  if (!subnet) return armFail(subnet.error());
  auto method = canonicalEnum(armapi::stringOr(p, "privateIPAllocationMethod", "Dynamic"),
                              {"Static", "Dynamic"}, path + ".privateIPAllocationMethod");
  if (!method) return armFail(method.error());
  p["privateIPAllocationMethod"] = *method;
  p["privateIPAddressVersion"] = "IPv4";
  auto ipText = nicPrivateIp(nic, c, path, **subnet, *method);
  if (!ipText) return armFail(ipText.error());
  nic.takenHere.insert(*parseIpv4(*ipText));
  p["privateIPAddress"] = *ipText;
  if (auto r = nicLoadBalancerRefs(nic, c, path); !r) return r;
  return nicPublicIp(nic, c, path);
}

/// Read-only properties dropped; macAddress (kept across updates) and the defaults Azure returns.
void nicDefaults(json& props, const ResourceId& id, const Resource* existing) {
  for (const char* ro : {"macAddress", "virtualMachine", "primary", "hostedWorkloads",
                         "tapConfigurations", "privateEndpoint", "dscpConfiguration",
                         "resourceGuid", "provisioningState", "vnetEncryptionSupported"})
    props.erase(ro);
  props["macAddress"] = existing
                            ? existing->body["properties"].value("macAddress", macFor(id.key()))
                            : macFor(id.key());
  if (!props.contains("enableAcceleratedNetworking")) props["enableAcceleratedNetworking"] = false;
  if (!props.contains("enableIPForwarding")) props["enableIPForwarding"] = false;
  if (!props.contains("dnsSettings") || !props["dnsSettings"].is_object())
    props["dnsSettings"] = json::object();
  for (const char* list : {"dnsServers", "appliedDnsServers"})
    if (!props["dnsSettings"].contains(list)) props["dnsSettings"][list] = json::array();
  props["vnetEncryptionSupported"] = false;
  if (!props.contains("nicType") || props["nicType"].is_null()) props["nicType"] = "Standard";
}

ArmResult<json> normalizeNic(Ctx& ctx, const ResourceId& id, const json& request,
                             const Resource* existing) {
  auto propsR = objectAt(request, "properties", "");
  if (!propsR) return armFail(propsR.error());
  json props = *propsR;
  auto configs = normalizeChildren(props, "ipConfigurations", id.str(), id.type(),
                                   {"privateLinkConnectionProperties"});
  if (!configs) return armFail(configs.error());
  if (configs->empty()) return armFail(errors::nicWithoutIpConfiguration(id.str()));
  bool anyPrimary = false;
  for (auto& c : *configs) anyPrimary = anyPrimary || c["properties"].value("primary", false);
  NicDraft nic{ctx, id, existing, {}, {}, {}, {}};
  for (std::size_t i = 0; i < configs->size(); ++i) {
    const json& p = (*configs)[i]["properties"];
    if (anyPrimary ? p.value("primary", false) : i == 0)
      if (auto ref = refOf(p, "subnet")) nic.primarySubnet = *ref;
  }
  for (size_t index = 0; index < configs->size(); ++index)
    if (auto r = nicIpConfiguration(nic, (*configs)[index], index, anyPrimary); !r)
      return armFail(r.error());
  props["ipConfigurations"] = *configs;
  if (auto r = checkSecurityGroupRef(ctx.tx, props, "properties", id.str()); !r)
    return armFail(r.error());
  nicDefaults(props, id, existing);
  json out = json::object();
  out["properties"] = props;
  return out;
}

json renderNic(const Txn&, const Resource& r) {
  json body = r.body;
  std::string state = body["properties"].value("provisioningState", "Succeeded");
  for (auto& c : body["properties"]["ipConfigurations"]) {
    c["etag"] = body.value("etag", "");
    c["properties"]["provisioningState"] = state;
  }
  return body;
}

ArmResult<bool> noDeleteCheck(const Txn&, const Resource&) {
  return true;
}

json renderAsIs(const Txn&, const Resource& r) {
  return r.body;
}

/// An application security group has no settable properties (NSG rules and NIC ip
/// configurations reference it).
ArmResult<json> normalizeApplicationSecurityGroup(Ctx&, const ResourceId&, const json& request,
                                                  const Resource*) {
  auto propsR = objectAt(request, "properties", "");
  if (!propsR) return armFail(propsR.error());
  json props = *propsR;
  props.erase("provisioningState");
  props.erase("resourceGuid");
  json out = json::object();
  out["properties"] = props;
  return out;
}

const std::vector<TypeInfo>& types() {
  static const std::vector<TypeInfo> kTypes = {
      {"publicIPAddresses", normalizePublicIp, renderPublicIp, checkDeletePublicIp, {}},
      {"virtualNetworks", normalizeVnet, renderVnet, checkDeleteVnet, {{"subnets", true}}},
      {"networkInterfaces", normalizeNic, renderNic, noDeleteCheck, {{"ipConfigurations", false}}},
      {"networkSecurityGroups",
       normalizeSecurityGroup,
       renderSecurityGroup,
       checkDeleteSecurityGroup,
       {{"securityRules", true}, {"defaultSecurityRules", false}}},
      {"applicationSecurityGroups",
       normalizeApplicationSecurityGroup,
       renderAsIs,
       noDeleteCheck,
       {}},
      {"publicIPPrefixes",
       normalizePublicIpPrefix,
       renderPublicIpPrefix,
       checkDeletePublicIpPrefix,
       {}},
      {"loadBalancers",
       normalizeLoadBalancer,
       renderLoadBalancer,
       checkDeleteLoadBalancer,
       {{"frontendIPConfigurations", false},
        {"backendAddressPools", true},
        {"loadBalancingRules", false},
        {"probes", false},
        {"inboundNatRules", true},
        {"outboundRules", false}}},
  };
  return kTypes;
}

}  // namespace

const TypeInfo* findType(std::string_view segment) {
  for (const auto& t : types())
    if (iequals(t.segment, segment)) return &t;
  return nullptr;
}

const ChildCollection* findChild(const TypeInfo& type, std::string_view collection) {
  for (const auto& c : type.children)
    if (iequals(c.name, collection)) return &c;
  return nullptr;
}

json renderResource(const Txn& tx, const Resource& r) {
  auto id = ResourceId::parse(r.id);
  if (id && id->segments.size() == 1)
    if (const TypeInfo* t = findType(id->segments[0].first)) return t->render(tx, r);
  return r.body;
}

}  // namespace azlb::armservice::network
