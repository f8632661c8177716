// Network security groups: securityRules validated as Azure validates them, Azure's six
// defaultSecurityRules, the subnets and NICs that use a group (back-references), and the
// refusal to delete a group still in use. Subnets and NICs reference groups through
// checkSecurityGroupRef (network_types.cpp).
#include <cctype>
#include <charconv>
#include <map>

#include "arm-api/service/network_util.h"

namespace azlb::armservice::network {

using armapi::canonicalEnum;
using armapi::checkKinds;
using armapi::iequals;
using armapi::JsonKind;
using armapi::toLower;

namespace {

constexpr const char* kNsgType = "Microsoft.Network/networkSecurityGroups";

/// One port or "first-last" within 0-65535 (first <= last), or "*".
bool validPortRange(std::string_view v) {
  if (v == "*") return true;
  auto number = [](std::string_view s, unsigned& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size() && out <= 65535;
  };
  unsigned first = 0, last = 0;
  const auto dash = v.find('-');
  if (dash == std::string_view::npos) return number(v, first);
  return number(v.substr(0, dash), first) && number(v.substr(dash + 1), last) && first <= last;
}

/// A service tag's shape: a letter, then letters, digits and dots ("AzureLoadBalancer",
/// "Storage.WestEurope"). azlb evaluates VirtualNetwork, AzureLoadBalancer and Internet; other
/// tags are stored and match no address (README, fidelity table).
bool looksLikeTag(std::string_view v) {
  if (v.empty() || !std::isalpha(static_cast<unsigned char>(v[0]))) return false;
  for (char c : v)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.') return false;
  return true;
}

/// An IPv4 address or prefix (host bits zero), or an IPv6 one (stored; the data plane is IPv4).
bool validAddressOrPrefix(const std::string& v) {
  if (armapi::parseIpv4(v) || armapi::parseIpv4Prefix(v)) return true;
  if (v.find(':') == std::string::npos) return false;
  for (char c : v)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '/' && c != '.')
      return false;
  return true;
}

/// The plural lists Azure shows empty when a rule does not use them (azure-cli's table output of
/// rules reads them).
void emptyLists(json& p) {
  for (const char* list : {"sourcePortRanges", "destinationPortRanges", "sourceAddressPrefixes",
                           "destinationAddressPrefixes"})
    if (!p.contains(list) || p[list].is_null()) p[list] = json::array();
}

/// The non-empty array at p[key] as strings ([] when absent, null or empty).
ArmResult<std::vector<std::string>> stringList(const json& p, const char* key,
                                               const std::string& path) {
  auto arr = armapi::arrayAt(p, key, path);
  if (!arr) return armFail(arr.error());
  std::vector<std::string> out;
  for (const auto& v : *arr) {
    if (!v.is_string()) return armFail(errors::invalidJsonTokenType(path + "." + key));
    out.push_back(v.get<std::string>());
  }
  return out;
}

/// sourcePortRange(s) or destinationPortRange(s): one of the two, every value a valid range.
ArmResult<bool> rulePorts(const json& p, const std::string& ruleId, const std::string& path,
                          const char* single, const char* plural) {
  auto list = stringList(p, plural, path);
  if (!list) return armFail(list.error());
  const std::string one = armapi::stringOr(p, single, "");
  if (!one.empty()) list->push_back(one);
  if (list->empty()) return armFail(errors::missingJsonProperty(single, path));
  for (const auto& v : *list)
    if (!validPortRange(v)) return armFail(errors::securityRuleInvalidPortRange(ruleId, v));
  return true;
}

/// source or destination addresses: the single prefix (also "*" or a tag), the plural list
/// (addresses and prefixes only), or application security groups (which must exist).
ArmResult<bool> ruleAddresses(const Ctx& ctx, json& p, const std::string& ruleId,
                              const std::string& path, const std::string& side) {
  const std::string single = side + "AddressPrefix", plural = side + "AddressPrefixes",
                    groups = side + "ApplicationSecurityGroups";
  auto list = stringList(p, plural.c_str(), path);
  if (!list) return armFail(list.error());
  for (const auto& v : *list) {
    if (v == "*" || looksLikeTag(v))
      return armFail(errors::securityRuleTagInPrefixList(
          std::string(1, static_cast<char>(std::toupper(plural[0]))) + plural.substr(1), ruleId,
          v));
    if (!validAddressOrPrefix(v))
      return armFail(errors::securityRuleInvalidAddressPrefix(ruleId, v));
  }
  const std::string one = armapi::stringOr(p, single.c_str(), "");
  if (!one.empty() && one != "*" && !looksLikeTag(one) && !validAddressOrPrefix(one))
    return armFail(errors::securityRuleInvalidAddressPrefix(ruleId, one));
  auto asgs = armapi::arrayAt(p, groups.c_str(), path);
  if (!asgs) return armFail(asgs.error());
  for (const auto& ref : *asgs) {
    const std::string id = ref.is_object() ? ref.value("id", "") : "";
    const Resource* asg = ctx.tx.find(refKey(id));
    if (!asg || !iequals(asg->type, "Microsoft.Network/applicationSecurityGroups"))
      return armFail(errors::invalidResourceReference(id, ruleId));
  }
  if (one.empty() && list->empty() && asgs->empty())
    return armFail(errors::missingJsonProperty(single, path));
  return true;
}

/// One security rule: kinds, protocol/access/direction in Azure's spelling, priority 100-4096,
/// ports and addresses.
ArmResult<bool> normalizeRule(const Ctx& ctx, json& rule, const std::string& path) {
  json& p = rule["properties"];
  const std::string id = rule.value("id", "");
  if (auto k = checkKinds(p, path,
                          {{"description", JsonKind::String},
                           {"protocol", JsonKind::String},
                           {"sourcePortRange", JsonKind::String},
                           {"destinationPortRange", JsonKind::String},
                           {"sourceAddressPrefix", JsonKind::String},
                           {"destinationAddressPrefix", JsonKind::String},
                           {"access", JsonKind::String},
                           {"priority", JsonKind::Integer},
                           {"direction", JsonKind::String}});
      !k)
    return k;
  struct Enum {
    const char* field;
    std::initializer_list<const char*> allowed;
  };
  for (const Enum& e :
       {Enum{"protocol", {"Tcp", "Udp", "Icmp", "Esp", "Ah", "*"}},
        Enum{"access", {"Allow", "Deny"}}, Enum{"direction", {"Inbound", "Outbound"}}}) {
    if (!p.contains(e.field) || p[e.field].is_null())
      return armFail(errors::missingJsonProperty(e.field, path));
    auto v = canonicalEnum(p[e.field].get<std::string>(), e.allowed, path + "." + e.field);
    if (!v) return armFail(v.error());
    p[e.field] = *v;
  }
  const std::int64_t priority = p.value("priority", std::int64_t{0});
  if (priority < 100 || priority > 4096)
    return armFail(errors::securityRuleInvalidPriority(id, priority));
  for (const char* side : {"source", "destination"}) {
    const std::string s = side;
    if (auto r = rulePorts(p, id, path, (s + "PortRange").c_str(), (s + "PortRanges").c_str()); !r)
      return r;
    if (auto r = ruleAddresses(ctx, p, id, path, s); !r) return r;
  }
  emptyLists(p);
  return true;
}

/// No two rules with the same priority and direction.
ArmResult<bool> checkConflicts(const json& rules) {
  std::map<std::pair<std::string, std::int64_t>, std::string> seen;
  for (const auto& r : rules) {
    const json& p = r["properties"];
    auto [it, fresh] =
        seen.emplace(std::make_pair(p.value("direction", ""), p.value("priority", std::int64_t{0})),
                     r.value("name", ""));
    if (!fresh) return armFail(errors::securityRuleConflict(it->second, r.value("name", "")));
  }
  return true;
}

/// Azure's six default rules, the same in every group (read-only).
json defaultSecurityRules(const std::string& nsgId) {
  struct Default {
    const char *name, *description, *source, *destination, *access;
    int priority;
    const char* direction;
  };
  static const Default kDefaults[] = {
      {"AllowVnetInBound", "Allow inbound traffic from all VMs in VNET", "VirtualNetwork",
       "VirtualNetwork", "Allow", 65000, "Inbound"},
      {"AllowAzureLoadBalancerInBound", "Allow inbound traffic from azure load balancer",
       "AzureLoadBalancer", "*", "Allow", 65001, "Inbound"},
      {"DenyAllInBound", "Deny all inbound traffic", "*", "*", "Deny", 65500, "Inbound"},
      {"AllowVnetOutBound", "Allow outbound traffic from all VMs to all VMs in VNET",
       "VirtualNetwork", "VirtualNetwork", "Allow", 65000, "Outbound"},
      {"AllowInternetOutBound", "Allow outbound traffic from all VMs to Internet", "*", "Internet",
       "Allow", 65001, "Outbound"},
      {"DenyAllOutBound", "Deny all outbound traffic", "*", "*", "Deny", 65500, "Outbound"},
  };
  json out = json::array();
  for (const auto& d : kDefaults) {
    out.push_back({{"name", d.name},
                   {"id", nsgId + "/defaultSecurityRules/" + d.name},
                   {"type", std::string(kNsgType) + "/defaultSecurityRules"},
                   {"properties",
                    {{"description", d.description},
                     {"protocol", "*"},
                     {"sourcePortRange", "*"},
                     {"destinationPortRange", "*"},
                     {"sourceAddressPrefix", d.source},
                     {"destinationAddressPrefix", d.destination},
                     {"access", d.access},
                     {"priority", d.priority},
                     {"direction", d.direction}}}});
    emptyLists(out.back()["properties"]);
  }
  return out;
}

/// Ids of the subnets and NICs whose networkSecurityGroup is the group (by key).
std::vector<std::string> securityGroupUsers(const Txn& tx, const std::string& nsgKey,
                                            const char* kind) {
  std::vector<std::string> users;
  const bool subnets = std::string(kind) == "subnets";
  tx.forEachOfType(
      subnets ? "microsoft.network/virtualnetworks" : "microsoft.network/networkinterfaces",
      [&](const std::string&, const Resource& r) {
        if (!subnets) {
          auto ref = refOf(propsOf(r.body), "networkSecurityGroup");
          if (ref && refKey(*ref) == nsgKey) users.push_back(r.id);
          return;
        }
        for (const auto& s : itemsOf(r.body, "subnets")) {
          auto ref = refOf(propsOf(s), "networkSecurityGroup");
          if (ref && refKey(*ref) == nsgKey) users.push_back(s.value("id", ""));
        }
      });
  return users;
}

}  // namespace

ArmResult<json> normalizeSecurityGroup(Ctx& ctx, const ResourceId& id, const json& request,
                                       const Resource*) {
  auto propsR = armapi::objectAt(request, "properties", "");
  if (!propsR) return armFail(propsR.error());
  json props = *propsR;
  if (auto k = checkKinds(props, "properties", {{"flushConnection", JsonKind::Boolean}}); !k)
    return armFail(k.error());
  auto rules = normalizeChildren(props, "securityRules", id.str(), id.type(), {});
  if (!rules) return armFail(rules.error());
  for (std::size_t i = 0; i < rules->size(); ++i)
    if (auto r = normalizeRule(ctx, (*rules)[i],
                               "properties.securityRules[" + std::to_string(i) + "].properties");
        !r)
      return armFail(r.error());
  if (auto r = checkConflicts(*rules); !r) return armFail(r.error());
  for (const char* ro : {"defaultSecurityRules", "networkInterfaces", "subnets", "flowLogs",
                         "provisioningState", "resourceGuid"})
    props.erase(ro);
  props["securityRules"] = *rules;
  props["defaultSecurityRules"] = defaultSecurityRules(id.str());
  json out = json::object();
  out["properties"] = props;
  return out;
}

json renderSecurityGroup(const Txn& tx, const Resource& r) {
  json body = r.body;
  json& props = body["properties"];
  const std::string state = props.value("provisioningState", "Succeeded");
  for (const char* coll : {"securityRules", "defaultSecurityRules"})
    for (auto& item : props[coll]) {
      item["etag"] = body.value("etag", "");
      item["properties"]["provisioningState"] = state;
    }
  for (const char* kind : {"subnets", "networkInterfaces"}) {
    json refs = json::array();
    for (const auto& user : securityGroupUsers(tx, toLower(r.id), kind))
      refs.push_back(subRef(user));
    if (!refs.empty()) props[kind] = refs;
  }
  return body;
}

ArmResult<bool> checkDeleteSecurityGroup(const Txn& tx, const Resource& r) {
  std::string users;
  for (const char* kind : {"subnets", "networkInterfaces"})
    for (const auto& user : securityGroupUsers(tx, toLower(r.id), kind))
      users += (users.empty() ? "" : ", ") + user;
  if (!users.empty()) return armFail(errors::inUseNetworkSecurityGroupCannotBeDeleted(r.id, users));
  return true;
}

ArmResult<bool> checkSecurityGroupRef(const Txn& tx, json& props, const std::string& path,
                                      const std::string& owner) {
  auto ref = armapi::refAt(props, "networkSecurityGroup", path);
  if (!ref) return armFail(ref.error());
  if (!*ref) return true;
  const Resource* nsg = tx.find(refKey(**ref));
  if (!nsg || !iequals(nsg->type, kNsgType))
    return armFail(errors::invalidResourceReference(**ref, owner));
  props["networkSecurityGroup"] = subRef(nsg->id);
  return true;
}

}  // namespace azlb::armservice::network
