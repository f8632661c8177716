#include "emulator/controller/passes/security.h"

#include <algorithm>
#include <charconv>

#include "emulator/controller/passes/util.h"

namespace azlb::controller::passes {

namespace {

using dataplane::AddressRange;
using dataplane::PortRange;

constexpr std::uint32_t kAzureLoadBalancer = (168U << 24) | (63U << 16) | (129U << 8) | 16U;

/// Sorted, merged ranges.
std::vector<AddressRange> normalized(std::vector<AddressRange> r) {
  std::sort(r.begin(), r.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<AddressRange> out;
  for (const auto& x : r) {
    if (!out.empty() && x.first <= out.back().last + std::uint64_t{1})
      out.back().last = std::max(out.back().last, x.last);
    else
      out.push_back(x);
  }
  return out;
}

std::optional<AddressRange> prefixRange(const std::string& text) {
  auto pre = netns_model::parseIpv4Prefix(text);
  if (!pre) return std::nullopt;
  const std::uint32_t size = pre->length == 0 ? 0xffffffffU : (1U << (32 - pre->length)) - 1;
  return AddressRange{pre->address.value, pre->address.value + size};
}

std::vector<AddressRange> complement(const std::vector<AddressRange>& in) {
  std::vector<AddressRange> out;
  std::uint64_t next = 0;
  for (const auto& r : in) {
    if (r.first > next) out.push_back({static_cast<std::uint32_t>(next), r.first - 1});
    next = std::uint64_t{r.last} + 1;
  }
  if (next <= 0xffffffffULL) out.push_back({static_cast<std::uint32_t>(next), 0xffffffffU});
  return out;
}

struct Scope {
  std::vector<AddressRange> vnet, internet;
  const std::map<std::string, std::vector<std::string>>* asgMembers;
};

/// One side of a rule: nullopt = any; an empty list = nothing matches.
std::optional<std::vector<AddressRange>> side(const std::vector<std::string>& entries,
                                              const std::vector<std::string>& asgs,
                                              const Scope& s) {
  std::vector<AddressRange> out;
  for (const auto& e : entries) {
    if (e == "*") return std::nullopt;
    if (iequals(e, "VirtualNetwork")) {
      out.insert(out.end(), s.vnet.begin(), s.vnet.end());
    } else if (iequals(e, "Internet")) {
      out.insert(out.end(), s.internet.begin(), s.internet.end());
    } else if (iequals(e, "AzureLoadBalancer")) {
      out.push_back({kAzureLoadBalancer, kAzureLoadBalancer});
    } else if (auto r = prefixRange(e.find('/') == std::string::npos ? e + "/32" : e)) {
      out.push_back(*r);
    }
  }
  for (const auto& asg : asgs) {
    auto m = s.asgMembers->find(toLower(asg));
    if (m == s.asgMembers->end()) continue;
    for (const auto& ip : m->second)
      if (auto r = prefixRange(ip + "/32")) out.push_back(*r);
  }
  if (entries.empty() && asgs.empty()) return std::nullopt;
  return normalized(std::move(out));
}

std::vector<PortRange> ports(const std::vector<std::string>& entries) {
  std::vector<PortRange> out;
  for (const auto& e : entries) {
    if (e == "*") return {};
    unsigned a = 0, b = 0;
    const auto dash = e.find('-');
    const std::string first = e.substr(0, dash),
                      last = dash == std::string::npos ? first : e.substr(dash + 1);
    std::from_chars(first.data(), first.data() + first.size(), a);
    std::from_chars(last.data(), last.data() + last.size(), b);
    out.push_back({static_cast<std::uint16_t>(a), static_cast<std::uint16_t>(b)});
  }
  return out;
}

std::uint8_t protocolNumber(const std::string& p) {
  if (iequals(p, "Tcp")) return 6;
  if (iequals(p, "Udp")) return 17;
  if (iequals(p, "Icmp")) return 1;
  if (iequals(p, "Esp")) return 50;
  if (iequals(p, "Ah")) return 51;
  return 0;
}

void addRule(const model::SecurityRule& r, const Scope& s, GroupRules& g) {
  auto from = side(r.sourceAddresses, r.sourceApplicationSecurityGroupIds, s);
  auto to = side(r.destinationAddresses, r.destinationApplicationSecurityGroupIds, s);
  if ((from && from->empty()) || (to && to->empty())) return;  // can never match
  dataplane::NsgRule out;
  out.name = r.name;
  out.priority = static_cast<std::uint32_t>(r.priority);
  out.access =
      iequals(r.access, "Allow") ? dataplane::NsgAccess::Allow : dataplane::NsgAccess::Deny;
  out.protocol = protocolNumber(r.protocol);
  if (from) out.sources = std::move(*from);
  if (to) out.destinations = std::move(*to);
  out.sourcePorts = ports(r.sourcePorts);
  out.destinationPorts = ports(r.destinationPorts);
  (iequals(r.direction, "Outbound") ? g.outbound : g.inbound).rules.push_back(std::move(out));
}

}  // namespace

GroupRules compileGroup(const model::NetworkSecurityGroup& group,
                        const std::vector<std::string>& vnetSpace,
                        const std::map<std::string, std::vector<std::string>>& asgMembers) {
  Scope s{{}, {}, &asgMembers};
  for (const auto& p : vnetSpace)
    if (auto r = prefixRange(p)) s.vnet.push_back(*r);
  s.vnet.push_back(
      {kAzureLoadBalancer, kAzureLoadBalancer});  // Azure's VirtualNetwork has the host's address
  s.vnet = normalized(std::move(s.vnet));
  s.internet = complement(s.vnet);
  GroupRules g;
  g.inbound.group = g.outbound.group = group.id;
  for (const auto* rules : {&group.securityRules, &group.defaultSecurityRules})
    for (const auto& r : *rules) addRule(r, s, g);
  dataplane::sortByPriority(g.inbound);
  dataplane::sortByPriority(g.outbound);
  return g;
}

Security security(const model::Resources& resources, const Inventory& inventory) {
  std::map<std::string, const model::NetworkSecurityGroup*> groups;
  for (const auto& g : resources.networkSecurityGroups) groups[toLower(g.id)] = &g;
  std::map<std::string, std::vector<std::string>> asgMembers, vnetSpace;
  std::map<std::string, std::string> subnetGroup, nicGroup;
  for (const auto& nic : resources.networkInterfaces) {
    nicGroup[toLower(nic.id)] = toLower(nic.networkSecurityGroupId);
    for (const auto& c : nic.ipConfigurations)
      for (const auto& asg : c.applicationSecurityGroupIds)
        asgMembers[toLower(asg)].push_back(c.privateIpAddress);
  }
  for (const auto& v : resources.virtualNetworks) {
    vnetSpace[toLower(v.id)] = v.addressPrefixes;
    for (const auto& sn : v.subnets)
      subnetGroup[toLower(sn.id)] = toLower(sn.networkSecurityGroupId);
  }
  auto compiled = [&](const std::string& groupKey,
                      const std::string& vnet) -> std::optional<GroupRules> {
    auto g = groups.find(groupKey);
    if (groupKey.empty() || g == groups.end()) return std::nullopt;
    return compileGroup(*g->second, vnetSpace[vnet], asgMembers);
  };
  Security out;
  for (std::size_t i = 0; i < inventory.vms.size(); ++i) {
    const VmPlan& vm = inventory.vms[i];
    VmSecurity sec;
    sec.subnet = compiled(subnetGroup[inventory.origins[i].subnet], vm.vnet);
    sec.nic = compiled(nicGroup[toLower(vm.id)], vm.vnet);
    out.byVm.push_back(std::move(sec));
  }
  return out;
}

}  // namespace azlb::controller::passes
