// Public IP addresses, virtual networks (+ subnets) and network interfaces.
#include <cctype>
#include <map>
#include <set>

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

ArmResult<json> normalizePublicIp(Ctx& ctx, const ResourceId& id, const json& request,
                                  const Resource* existing) {
  json out = json::object();
  auto propsR = objectAt(request, "properties", "");
  if (!propsR) return armFail(propsR.error());
  json props = *propsR;
  if (auto k = checkKinds(props, "properties",
                          {{"publicIPAllocationMethod", JsonKind::String},
                           {"publicIPAddressVersion", JsonKind::String},
                           {"idleTimeoutInMinutes", JsonKind::Integer},
                           {"ipTags", JsonKind::Array},
                           {"dnsSettings", JsonKind::Object}});
      !k)
    return armFail(k.error());
  auto skuR = objectAt(request, "sku", "");
  if (!skuR) return armFail(skuR.error());
  if (auto k = checkKinds(*skuR, "sku", {{"name", JsonKind::String}, {"tier", JsonKind::String}}); !k)
    return armFail(k.error());
  auto skuName = canonicalEnum(armapi::stringOr(*skuR, "name", "Basic"), {"Basic", "Standard"}, "sku.name");
  if (!skuName) return armFail(skuName.error());
  auto tier = canonicalEnum(armapi::stringOr(*skuR, "tier", "Regional"), {"Regional", "Global"}, "sku.tier");
  if (!tier) return armFail(tier.error());
  auto version = canonicalEnum(armapi::stringOr(props, "publicIPAddressVersion", "IPv4"), {"IPv4", "IPv6"},
                               "properties.publicIPAddressVersion");
  if (!version) return armFail(version.error());
  auto method = canonicalEnum(armapi::stringOr(props, "publicIPAllocationMethod",
                                          *skuName == "Standard" ? "Static" : "Dynamic"),
                              {"Static", "Dynamic"}, "properties.publicIPAllocationMethod");
  if (!method) return armFail(method.error());
  if (*skuName == "Standard" && *method == "Dynamic")
    return armFail(errors::badRequest("StandardSkuPublicIPAddressesMustBeStatic",
                                      "Standard sku publicIp " + id.str() +
                                          " must have AllocationMethod set to Static."));
  if (existing) {
    std::string oldSku = existing->body.value("sku", json::object()).value("name", "Basic");
    if (oldSku != *skuName)
      return armFail(errors::badRequest(
          "PublicIPAddressSkuCannotBeChanged",
          "The sku of public IP address " + id.str() + " cannot be changed from " + oldSku +
              " to " + *skuName + "."));
  }
  auto idle = armapi::intInRange(props, "idleTimeoutInMinutes", 4, 4, 30, "properties",
                                 "Idle timeout");
  if (!idle) return armFail(idle.error());

  for (const char* ro : {"ipAddress", "ipConfiguration", "provisioningState", "resourceGuid"})
    props.erase(ro);
  props["publicIPAllocationMethod"] = *method;
  props["publicIPAddressVersion"] = *version;
  props["idleTimeoutInMinutes"] = *idle;
  if (!props.contains("ipTags")) props["ipTags"] = json::array();
  if (props.contains("dnsSettings") && props["dnsSettings"].is_object()) {
    auto& dns = props["dnsSettings"];
    if (auto k = checkKinds(dns, "properties.dnsSettings", {{"domainNameLabel", JsonKind::String}}); !k)
      return armFail(k.error());
    std::string label = armapi::stringOr(dns, "domainNameLabel", "");
    dns.erase("fqdn");
    if (!label.empty())
      dns["fqdn"] = toLower(label) + "." + location(request, existing) + ".cloudapp.azure.com";
  }

  // Keep the address a resource already has; Static IPv4 gets one now, Dynamic when attached.
  std::string kept = existing ? existing->body.value("properties", json::object()).value("ipAddress", "")
                              : "";
  if (!kept.empty() && *version == "IPv4") {
    props["ipAddress"] = kept;
  } else if (*method == "Static" && *version == "IPv4") {
    auto addr = [&]() -> std::optional<std::string> {
      auto pre = armapi::parseIpv4Prefix(ctx.cfg.publicPrefix);
      if (!pre) return std::nullopt;
      std::set<uint32_t> used;
      ctx.tx.forEachOfType("microsoft.network/publicipaddresses",
                           [&](const std::string&, const Resource& r) {
                             auto ip = r.body.value("properties", json::object()).value("ipAddress", "");
                             if (auto a = parseIpv4(ip)) used.insert(*a);
                           });
      for (uint32_t a = pre->first() + 1; a < pre->last(); ++a)
        if (!used.count(a)) return formatIpv4(a);
      return std::nullopt;
    }();
    if (!addr)
      return armFail(errors::badRequest(
          "PublicIPCountLimitReached",
          "Cannot create more public IP addresses: the public range " + ctx.cfg.publicPrefix +
              " is exhausted."));
    props["ipAddress"] = *addr;
  }
  out["sku"] = json{{"name", *skuName}, {"tier", *tier}};
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
  if (!users.empty())
    return armFail(errors::badRequest("PublicIPAddressCannotBeDeleted",
                                      "Public IP address " + r.id +
                                          " can not be deleted since it is still allocated to "
                                          "resource " +
                                          users.front() + "."));
  return true;
}

// ---------------------------------------------------------------------------------------------
// virtualNetworks (+ subnets)

ArmResult<json> normalizeVnet(Ctx& ctx, const ResourceId& id, const json& request,
                              const Resource* existing) {
  auto propsR = objectAt(request, "properties", "");
  if (!propsR) return armFail(propsR.error());
  json props = *propsR;
  auto spaceR = objectAt(props, "addressSpace", "properties");
  if (!spaceR) return armFail(spaceR.error());
  auto prefixesR = armapi::arrayAt(*spaceR, "addressPrefixes", "properties.addressSpace");
  if (!prefixesR) return armFail(prefixesR.error());
  if (prefixesR->empty())
    return armFail(errors::badRequest("InvalidRequestFormat",
                                      "Cannot parse the request: virtual network " + id.str() +
                                          " must have at least one address prefix in "
                                          "properties.addressSpace.addressPrefixes.",
                                      "properties.addressSpace.addressPrefixes"));
  std::vector<armapi::Ipv4Prefix> space;
  for (const auto& p : *prefixesR) {
    auto pre = p.is_string() ? armapi::parseIpv4Prefix(p.get<std::string>()) : std::nullopt;
    if (!pre)
      return armFail(errors::badRequest(
          "InvalidAddressPrefixFormat",
          "Address prefix " + p.dump() + " of virtual network " + id.str() +
              " is not a valid IPv4 CIDR prefix with its host bits zero.",
          "properties.addressSpace.addressPrefixes"));
    space.push_back(*pre);
  }
  auto subnets = normalizeChildren(props, "subnets", id.str(), id.type(),
                                   {"ipConfigurations", "ipConfigurationProfiles",
                                    "resourceNavigationLinks", "serviceAssociationLinks",
                                    "privateEndpoints", "purpose"});
  if (!subnets) return armFail(subnets.error());
  std::vector<std::pair<std::string, armapi::Ipv4Prefix>> seen;
  size_t subnetIndex = 0;
  for (auto& s : *subnets) {
    auto& sp = s["properties"];
    std::string name = s["name"];
    if (auto k = checkKinds(sp, "properties.subnets[" + std::to_string(subnetIndex++) + "].properties",
                            {{"addressPrefix", JsonKind::String}, {"addressPrefixes", JsonKind::Array}});
        !k)
      return armFail(k.error());
    auto pre = subnetPrefix(s);
    if (!pre)
      return armFail(errors::badRequest(
          "InvalidAddressPrefixFormat",
          "Subnet '" + name + "' has no valid IPv4 addressPrefix (a CIDR prefix with its host bits zero).",
          "properties.subnets"));
    bool inside = false;
    for (const auto& v : space) inside = inside || v.contains(*pre);
    if (!inside)
      return armFail(errors::badRequest(
          "NetcfgSubnetRangeOutsideVnet",
          "Subnet '" + name + "' is not valid because its IP address range is outside the IP "
                              "address range of virtual network '" + id.name() + "'."));
    if (pre->length > 29)
      return armFail(errors::badRequest(
          "NetcfgInvalidSubnet", "Subnet '" + name + "' is not valid in virtual network '" +
                                     id.name() + "': the smallest supported subnet is a /29."));
    for (const auto& [otherName, other] : seen)
      if (other.overlaps(*pre))
        return armFail(errors::badRequest(
            "NetcfgSubnetRangesOverlap",
            "Subnet '" + name + "' is not valid because its IP address range overlaps with that "
                                "of an existing subnet '" + otherName +
                "' in virtual network '" + id.name() + "'."));
    seen.emplace_back(name, *pre);
    if (!sp.contains("privateEndpointNetworkPolicies")) sp["privateEndpointNetworkPolicies"] = "Disabled";
    if (!sp.contains("privateLinkServiceNetworkPolicies"))
      sp["privateLinkServiceNetworkPolicies"] = "Enabled";
  }
  // A subnet still used by NICs or frontends can be neither removed nor shrunk away from them.
  if (existing) {
    for (const auto& old : existing->body["properties"].value("subnets", json::array())) {
      auto users = subnetUsers(ctx.tx, toLower(old.value("id", "")));
      if (users.empty()) continue;
      const json* now = nullptr;
      for (const auto& s : *subnets)
        if (iequals(s.value("name", ""), old.value("name", ""))) now = &s;
      if (!now)
        return armFail(errors::badRequest(
            "InUseSubnetCannotBeDeleted",
            "Subnet " + old.value("name", "") + " is in use by " + users.front().id +
                " and cannot be deleted. In order to delete the subnet, delete all the resources "
                "within the subnet. See aka.ms/deletesubnet."));
      auto pre = subnetPrefix(*now);
      for (const auto& u : users) {
        auto a = parseIpv4(u.ip);
        if (a && pre && !pre->contains(*a))
          return armFail(errors::badRequest(
              "InUseSubnetCannotBeUpdated",
              "Subnet " + old.value("name", "") + " is in use by " + u.id + " (" + u.ip +
                  ") and its address prefix cannot be changed to exclude that address."));
      }
    }
  }
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
      return armFail(errors::badRequest(
          "InUseSubnetCannotBeDeleted",
          "Subnet " + s.value("name", "") + " is in use by " + users.front().id +
              " and cannot be deleted. In order to delete the subnet, delete all the resources "
              "within the subnet. See aka.ms/deletesubnet."));
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

ArmResult<json> normalizeNic(Ctx& ctx, const ResourceId& id, const json& request,
                             const Resource* existing) {
  auto propsR = objectAt(request, "properties", "");
  if (!propsR) return armFail(propsR.error());
  json props = *propsR;
  auto configs = normalizeChildren(props, "ipConfigurations", id.str(), id.type(),
                                   {"privateLinkConnectionProperties"});
  if (!configs) return armFail(configs.error());
  if (configs->empty())
    return armFail(errors::badRequest(
        "NetworkInterfaceMustHaveAtLeastOneIpConfiguration",
        "Network interface " + id.str() + " must have at least one IP configuration.",
        "properties.ipConfigurations"));
  std::set<uint32_t> takenHere;
  std::map<std::string, std::string> pipsHere;  // public IP key -> the ipConfiguration of this body using it
  std::string vnetKey;
  bool anyPrimary = false;
  for (auto& c : *configs) anyPrimary = anyPrimary || c["properties"].value("primary", false);
  size_t index = 0;
  for (auto& c : *configs) {
    std::string path = "properties.ipConfigurations[" + std::to_string(index) + "].properties";
    auto& p = c["properties"];
    if (auto k = checkKinds(p, path,
                            {{"privateIPAddress", JsonKind::String},
                             {"privateIPAllocationMethod", JsonKind::String},
                             {"primary", JsonKind::Boolean},
                             {"loadBalancerBackendAddressPools", JsonKind::Array},
                             {"loadBalancerInboundNatRules", JsonKind::Array}});
        !k)
      return armFail(k.error());
    if (!anyPrimary) p["primary"] = index == 0;
    ++index;
    auto subnetRef = armapi::refAt(p, "subnet", path);
    if (!subnetRef) return armFail(subnetRef.error());
    if (!*subnetRef)
      return armFail(errors::badRequest("SubnetRequiredForIpConfiguration",
                                        "IP configuration " + c.value("id", "") +
                                            " must reference a subnet.",
                                        path + ".subnet"));
    const json* subnet = findChildById(ctx.tx, **subnetRef, "subnets");
    if (!subnet) return armFail(errors::invalidResourceReference(**subnetRef, c.value("id", "")));
    std::string thisVnet = refKey(ResourceId::parse(**subnetRef)->parent().str());
    if (vnetKey.empty()) vnetKey = thisVnet;
    if (vnetKey != thisVnet)
      return armFail(errors::badRequest(
          "IpConfigurationsOfNicInDifferentVirtualNetworks",
          "The IP configurations of network interface " + id.str() +
              " reference subnets of different virtual networks."));
    p["subnet"] = subRef(subnet->value("id", ""));
    auto pre = subnetPrefix(*subnet);
    auto method = canonicalEnum(armapi::stringOr(p, "privateIPAllocationMethod", "Dynamic"), {"Static", "Dynamic"},
                                path + ".privateIPAllocationMethod");
    if (!method) return armFail(method.error());
    p["privateIPAllocationMethod"] = *method;
    p["privateIPAddressVersion"] = "IPv4";
    std::string ipText = armapi::stringOr(p, "privateIPAddress", "");
    if (*method == "Dynamic") {
      // Keep the address this ipConfiguration already had while it still fits the subnet.
      std::string old;
      if (existing)
        if (const json* prev = childByName(existing->body, "ipConfigurations", c.value("name", "")))
          old = prev->value("properties", json::object()).value("privateIPAddress", "");
      auto oldA = parseIpv4(old);
      if (oldA && pre && pre->contains(*oldA) && !takenHere.count(*oldA)) {
        ipText = old;
      } else {
        // Owner prefix ends with '/': nic1 must not treat nic10's addresses as its own.
        auto a = pre ? allocatePrivateIp(ctx.tx, subnet->value("id", ""), *pre, id.str() + "/", takenHere)
                     : std::nullopt;
        if (!a)
          return armFail(errors::badRequest(
              "SubnetIsFull", "Subnet " + subnet->value("id", "") + " has no free IP address left."));
        ipText = formatIpv4(*a);
      }
    } else {
      auto a = parseIpv4(ipText);
      if (!a)
        return armFail(errors::badRequest(
            "PrivateIPAddressInvalid",
            "IP configuration " + c.value("id", "") + " has Static allocation and needs a valid "
                                                       "IPv4 privateIPAddress; got '" + ipText + "'.",
            path + ".privateIPAddress"));
      if (!pre || !pre->contains(*a))
        return armFail(errors::badRequest(
            "PrivateIPAddressNotInSubnet",
            "IP configuration " + c.value("id", "") + " is not valid because private IP address " +
                ipText + " is not in the range of subnet " + subnet->value("id", "") + "."));
      if (*a < pre->first() + 4 || *a == pre->last())
        return armFail(errors::badRequest(
            "PrivateIPAddressIsReserved",
            "Private IP address " + ipText + " is reserved by Azure in subnet " +
                subnet->value("id", "") + " (the first four addresses and the last one are)."));
      for (const auto& u : subnetUsers(ctx.tx, refKey(subnet->value("id", ""))))
        if (u.ip == ipText && refKey(u.id).rfind(toLower(id.str()) + "/", 0) != 0)
          return armFail(errors::badRequest(
              "PrivateIPAddressInUse", "IP configuration " + c.value("id", "") +
                                           " is using the private IP address " + ipText +
                                           " which is already allocated to resource " + u.id + "."));
      if (takenHere.count(*a))
        return armFail(errors::badRequest("PrivateIPAddressInUse",
                                          "Private IP address " + ipText +
                                              " is used twice in network interface " + id.str() + "."));
    }
    takenHere.insert(*parseIpv4(ipText));
    p["privateIPAddress"] = ipText;
    for (const char* field : {"loadBalancerBackendAddressPools", "loadBalancerInboundNatRules"}) {
      const char* coll = std::string(field) == "loadBalancerBackendAddressPools" ? "backendAddressPools"
                                                                                  : "inboundNatRules";
      json refs = json::array();
      size_t refIndex = 0;
      for (const auto& ref : p.value(field, json::array())) {
        // A holder keyed "field[i]" makes refAt's type errors name the exact path.
        const std::string key = std::string(field) + "[" + std::to_string(refIndex++) + "]";
        auto parsed = armapi::refAt(json{{key, ref}}, key.c_str(), path);
        if (!parsed) return armFail(parsed.error());
        std::string rid = parsed->value_or("");
        const json* target = findChildById(ctx.tx, rid, coll);
        if (!target) return armFail(errors::invalidResourceReference(rid, c.value("id", "")));
        refs.push_back(subRef(target->value("id", "")));
      }
      if (p.contains(field)) p[field] = refs;
    }
    auto pipRef = armapi::refAt(p, "publicIPAddress", path);
    if (!pipRef) return armFail(pipRef.error());
    if (*pipRef) {
      const Resource* pip = ctx.tx.find(refKey(**pipRef));
      if (!pip || !iequals(pip->type, "Microsoft.Network/publicIPAddresses"))
        return armFail(errors::invalidResourceReference(**pipRef, c.value("id", "")));
      // Users inside the stored version of this NIC are replaced by this PUT; two ipConfigurations
      // of the new body are not.
      std::string user;
      for (const auto& u : publicIpUsers(ctx.tx, toLower(pip->id)))
        if (!armapi::istartsWith(u, id.str() + "/")) user = u;
      if (auto [it, fresh] = pipsHere.emplace(toLower(pip->id), c.value("id", "")); !fresh) user = it->second;
      if (!user.empty())
        return armFail(errors::badRequest(
            "PublicIPAddressInUse", "Resource " + c.value("id", "") + " is referencing public IP address " +
                                        pip->id + " that is already allocated to resource " + user + "."));
      p["publicIPAddress"] = subRef(pip->id);
    }
  }
  props["ipConfigurations"] = *configs;
  for (const char* ro : {"macAddress", "virtualMachine", "primary", "hostedWorkloads", "tapConfigurations",
                         "privateEndpoint", "dscpConfiguration", "resourceGuid", "provisioningState",
                         "vnetEncryptionSupported"})
    props.erase(ro);
  props["macAddress"] = existing ? existing->body["properties"].value("macAddress", macFor(id.key()))
                                 : macFor(id.key());
  if (!props.contains("enableAcceleratedNetworking")) props["enableAcceleratedNetworking"] = false;
  if (!props.contains("enableIPForwarding")) props["enableIPForwarding"] = false;
  if (!props.contains("dnsSettings"))
    props["dnsSettings"] = json{{"dnsServers", json::array()}, {"appliedDnsServers", json::array()}};
  if (!props.contains("nicType") || props["nicType"].is_null()) props["nicType"] = "Standard";
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

ArmResult<bool> noDeleteCheck(const Txn&, const Resource&) { return true; }

const std::vector<TypeInfo>& types() {
  static const std::vector<TypeInfo> kTypes = {
      {"publicIPAddresses", normalizePublicIp, renderPublicIp, checkDeletePublicIp, {}},
      {"virtualNetworks", normalizeVnet, renderVnet, checkDeleteVnet, {{"subnets", true}}},
      {"networkInterfaces", normalizeNic, renderNic, noDeleteCheck, {{"ipConfigurations", false}}},
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
