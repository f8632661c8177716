// Effective network security groups of a NIC (POST .../effectiveNetworkSecurityGroups, what
// `az network nic list-effective-nsg` shows): its subnet's group and its own, every rule as Azure
// lists it ("securityRules/x", "defaultSecurityRules/y", "*" as "All" / "0-65535" / "0.0.0.0/0")
// with service tags expanded exactly as azlb's data plane evaluates them
// (emulator/controller/passes/security.cpp): VirtualNetwork = the VNet's IPv4 address space and
// 168.63.129.16, AzureLoadBalancer = 168.63.129.16, Internet = every other address, application
// security groups = their members' addresses; other service tags expand to nothing.
#include <algorithm>
#include <map>

#include "arm-api/service/network_util.h"

namespace azlb::armservice::network {

using armapi::iequals;
using armapi::Ipv4Prefix;

namespace {

constexpr std::uint32_t kHostAddress = (168U << 24) | (63U << 16) | (129U << 8) | 16U;

/// The smallest list of prefixes covering [first, last].
std::vector<std::string> cidrsOf(std::uint64_t first, std::uint64_t last) {
  std::vector<std::string> out;
  while (first <= last) {
    int length = 32;
    while (length > 0) {
      const std::uint64_t size = std::uint64_t{1} << (33 - length);
      if (first % size != 0 || first + size - 1 > last) break;
      --length;
    }
    out.push_back(Ipv4Prefix{static_cast<std::uint32_t>(first), length}.str());
    first += std::uint64_t{1} << (32 - length);
  }
  return out;
}

struct Tags {
  std::vector<std::string> virtualNetwork, internet;
  std::map<std::string, std::vector<std::string>> asgMembers;  // lower ASG id -> "a.b.c.d/32"
};

Tags tagsFor(const Txn& tx, const json& vnet) {
  Tags t;
  std::vector<Ipv4Prefix> space;
  for (const auto& p :
       propsOf(vnet).value("addressSpace", json::object()).value("addressPrefixes", json::array()))
    if (auto prefix = armapi::parseIpv4Prefix(p.get<std::string>())) space.push_back(*prefix);
  space.push_back(Ipv4Prefix{kHostAddress, 32});
  std::sort(space.begin(), space.end(),
            [](const auto& a, const auto& b) { return a.first() < b.first(); });
  std::uint64_t next = 0;
  for (const auto& p : space) {
    t.virtualNetwork.push_back(p.str());
    if (p.first() > next) {
      auto gap = cidrsOf(next, p.first() - 1);
      t.internet.insert(t.internet.end(), gap.begin(), gap.end());
    }
    next = std::max<std::uint64_t>(next, std::uint64_t{p.last()} + 1);
  }
  auto tail = cidrsOf(next, 0xFFFFFFFFULL);
  t.internet.insert(t.internet.end(), tail.begin(), tail.end());
  tx.forEachOfType(
      "microsoft.network/networkinterfaces", [&](const std::string&, const Resource& nic) {
        for (const auto& c : itemsOf(nic.body, "ipConfigurations"))
          for (const auto& asg : propsOf(c).value("applicationSecurityGroups", json::array()))
            t.asgMembers[armapi::toLower(asg.value("id", ""))].push_back(
                propsOf(c).value("privateIPAddress", "") + "/32");
      });
  return t;
}

std::string portRange(const std::string& v) {
  if (v == "*") return "0-65535";
  return v.find('-') == std::string::npos ? v + "-" + v : v;
}

/// One side's prefix as Azure shows it, and its expansion (tags only; [] otherwise).
std::pair<std::string, json> addressOf(const std::string& v, const Tags& t, json& tagMap) {
  if (v == "*") return {"0.0.0.0/0", json::array()};
  if (armapi::parseIpv4(v)) return {v + "/32", json::array()};
  if (v.find('/') != std::string::npos || v.find(':') != std::string::npos)
    return {v, json::array()};
  json expanded = iequals(v, "VirtualNetwork")      ? json(t.virtualNetwork)
                  : iequals(v, "Internet")          ? json(t.internet)
                  : iequals(v, "AzureLoadBalancer") ? json::array({"168.63.129.16/32"})
                                                    : json::array();
  tagMap[v] = expanded;
  return {v, expanded};
}

json effectiveRule(const json& rule, const char* collection, const Tags& t, json& tagMap) {
  const json& p = propsOf(rule);
  json out = {{"name", std::string(collection) + "/" + rule.value("name", "")},
              {"protocol", p.value("protocol", "*") == "*" ? "All" : p.value("protocol", "*")},
              {"access", p.value("access", "")},
              {"priority", p.value("priority", 0)},
              {"direction", p.value("direction", "")}};
  for (const char* side : {"source", "destination"}) {
    const std::string s(side);
    json ranges = json::array();
    for (const auto& r : p.value(s + "PortRanges", json::array()))
      ranges.push_back(portRange(r.get<std::string>()));
    if (p.contains(s + "PortRange"))
      out[s + "PortRange"] = portRange(p.value(s + "PortRange", "*"));
    out[s + "PortRanges"] = ranges;
    json prefixes = json::array(), expanded = json::array();
    auto add = [&](const std::string& v) {
      auto [shown, more] = addressOf(v, t, tagMap);
      prefixes.push_back(shown);
      for (auto& e : more) expanded.push_back(e);
    };
    for (const auto& a : p.value(s + "AddressPrefixes", json::array())) add(a.get<std::string>());
    for (const auto& asg : p.value(s + "ApplicationSecurityGroups", json::array()))
      if (auto m = t.asgMembers.find(armapi::toLower(asg.value("id", ""))); m != t.asgMembers.end())
        for (const auto& ip : m->second) expanded.push_back(ip);
    if (p.contains(s + "AddressPrefix")) {
      auto [shown, more] = addressOf(p.value(s + "AddressPrefix", "*"), t, tagMap);
      out[s + "AddressPrefix"] = shown;
      for (auto& e : more) expanded.push_back(e);
    }
    out[s + "AddressPrefixes"] = prefixes;
    out[std::string("expanded") + (s == "source" ? "Source" : "Destination") + "AddressPrefix"] =
        expanded;
  }
  return out;
}

json effectiveGroup(const Resource& nsg, const json& association, const Tags& t) {
  json rules = json::array(), tagMap = json::object();
  for (const char* coll : {"securityRules", "defaultSecurityRules"})
    for (const auto& r : itemsOf(nsg.body, coll))
      rules.push_back(effectiveRule(r, coll, t, tagMap));
  std::stable_sort(rules.begin(), rules.end(), [](const json& a, const json& b) {
    return std::pair(a.value("direction", "") != "Inbound", a.value("priority", 0)) <
           std::pair(b.value("direction", "") != "Inbound", b.value("priority", 0));
  });
  return {{"networkSecurityGroup", subRef(nsg.id)},
          {"association", association},
          {"effectiveSecurityRules", rules},
          {"tagMap", tagMap}};
}

}  // namespace

json effectiveNetworkSecurityGroups(const Txn& tx, const Resource& nic) {
  json value = json::array();
  const auto& configs = itemsOf(nic.body, "ipConfigurations");
  std::optional<std::string> subnetId;
  for (const auto& c : configs)
    if (!subnetId || propsOf(c).value("primary", false)) subnetId = refOf(propsOf(c), "subnet");
  const auto subnetRef = subnetId ? armapi::ResourceId::parse(*subnetId) : std::nullopt;
  const Resource* vnet = subnetRef ? tx.find(subnetRef->parent().key()) : nullptr;
  if (vnet == nullptr) return {{"value", value}};
  const Tags tags = tagsFor(tx, vnet->body);
  for (const auto& s : itemsOf(vnet->body, "subnets")) {
    if (!iequals(s.value("name", ""), subnetRef->name())) continue;
    if (auto ref = refOf(propsOf(s), "networkSecurityGroup"))
      if (const Resource* nsg = tx.find(refKey(*ref)))
        value.push_back(effectiveGroup(*nsg, {{"subnet", subRef(s.value("id", *subnetId))}}, tags));
  }
  if (auto ref = refOf(propsOf(nic.body), "networkSecurityGroup"))
    if (const Resource* nsg = tx.find(refKey(*ref)))
      value.push_back(effectiveGroup(*nsg, {{"networkInterface", subRef(nic.id)}}, tags));
  return {{"value", value}};
}

}  // namespace azlb::armservice::network
