// Network security group evaluation, Azure's model: lowest priority number decides within a
// group; inbound subnet then NIC, outbound NIC then subnet; no group at a level allows.
#include "emulator/dataplane/nsg.h"

#include <catch2/catch.hpp>

namespace {

using namespace azlb::dataplane;

Ipv4Address ip(const char* text) { return *Ipv4Address::parse(text); }

AddressRange cidr(const char* base, int length) {
  const std::uint32_t first = ip(base).value;
  const std::uint32_t size = length == 0 ? 0xffffffffU : (1U << (32 - length)) - 1;
  return {first, first + size};
}

/// The VNet 10.0.0.0/16: its tags resolved as the controller resolves them.
const std::vector<AddressRange> kVnet = {cidr("10.0.0.0", 16)};
const std::vector<AddressRange> kInternet = {{0, ip("10.0.0.0").value - 1}, {ip("10.1.0.0").value, 0xffffffffU}};
const std::vector<AddressRange> kLoadBalancer = {cidr("168.63.129.16", 32)};

NsgRule rule(const char* name, std::uint32_t priority, NsgAccess access, std::vector<AddressRange> from = {},
             std::vector<AddressRange> to = {}, std::vector<PortRange> ports = {}, std::uint8_t protocol = 0) {
  NsgRule r;
  r.name = name;
  r.priority = priority;
  r.access = access;
  r.protocol = protocol;
  r.sources = std::move(from);
  r.destinations = std::move(to);
  r.destinationPorts = std::move(ports);
  return r;
}

/// A group with Azure's three inbound default rules plus `own`.
NsgRules inbound(const char* id, std::vector<NsgRule> own = {}) {
  NsgRules g{id, std::move(own)};
  g.rules.push_back(rule("AllowVnetInBound", 65000, NsgAccess::Allow, kVnet, kVnet));
  g.rules.push_back(rule("AllowAzureLoadBalancerInBound", 65001, NsgAccess::Allow, kLoadBalancer));
  g.rules.push_back(rule("DenyAllInBound", 65500, NsgAccess::Deny));
  sortByPriority(g);
  return g;
}

FlowKey tcp(const char* from, const char* to, std::uint16_t port) { return {ip(from), ip(to), 40000, port, 6}; }

}  // namespace

TEST_CASE("without a group at any level a flow is allowed and no rule is named", "[nsg]") {
  const NsgVerdict v = evaluateNsg(nullptr, nullptr, tcp("198.19.0.7", "10.0.0.4", 8080));
  CHECK(v.allowed);
  CHECK(v.group == nullptr);
  CHECK(v.rule == nullptr);
}

TEST_CASE("Azure's default rules: the VNet and the load balancer's probes in, the internet out", "[nsg]") {
  const NsgRules subnet = inbound("subnet-nsg");
  auto decided = [&](const FlowKey& f) { return evaluateNsg(&subnet, nullptr, f).rule->name; };
  CHECK(decided(tcp("198.19.0.7", "10.0.0.4", 8080)) == "DenyAllInBound");
  CHECK(decided(tcp("10.0.0.5", "10.0.0.4", 8080)) == "AllowVnetInBound");
  CHECK(decided(tcp("168.63.129.16", "10.0.0.4", 8080)) == "AllowAzureLoadBalancerInBound");
  CHECK_FALSE(evaluateNsg(&subnet, nullptr, tcp("198.19.0.7", "10.0.0.4", 8080)).allowed);
}

TEST_CASE("the lowest priority number that matches decides; ports and protocol must match", "[nsg]") {
  NsgRules g = inbound("nsg", {rule("web", 100, NsgAccess::Allow, kInternet, {}, {{8080, 8080}}, 6)});
  CHECK(evaluateNsg(&g, nullptr, tcp("198.19.0.7", "10.0.0.4", 8080)).rule->name == "web");
  CHECK(evaluateNsg(&g, nullptr, tcp("198.19.0.7", "10.0.0.4", 8080)).allowed);
  CHECK(evaluateNsg(&g, nullptr, tcp("198.19.0.7", "10.0.0.4", 8081)).rule->name == "DenyAllInBound");
  const FlowKey udp{ip("198.19.0.7"), ip("10.0.0.4"), 40000, 8080, 17};
  CHECK(evaluateNsg(&g, nullptr, udp).rule->name == "DenyAllInBound");
  // A deny with a lower number closes it again.
  g.rules.push_back(rule("block", 90, NsgAccess::Deny, {}, {}, {{8000, 8100}}));
  sortByPriority(g);
  const NsgVerdict v = evaluateNsg(&g, nullptr, tcp("198.19.0.7", "10.0.0.4", 8080));
  CHECK_FALSE(v.allowed);
  CHECK(v.rule->name == "block");
  CHECK(v.group == &g);
  // ICMP has no ports: a rule with ports still matches it on addresses and protocol "*".
  const FlowKey ping{ip("198.19.0.7"), ip("10.0.0.4"), 0, 0, 1};
  CHECK(evaluateNsg(&g, nullptr, ping).rule->name == "block");
}

TEST_CASE("inbound needs both levels: the subnet's group first, then the NIC's", "[nsg]") {
  const NsgRules subnetOpen = inbound("subnet", {rule("open", 100, NsgAccess::Allow, {}, {}, {{8080, 8080}})});
  const NsgRules nicClosed = inbound("nic");
  const FlowKey f = tcp("198.19.0.7", "10.0.0.4", 8080);
  NsgVerdict v = evaluateNsg(&subnetOpen, &nicClosed, f);
  CHECK_FALSE(v.allowed);
  CHECK(v.group == &nicClosed);
  CHECK(v.rule->name == "DenyAllInBound");
  v = evaluateNsg(&nicClosed, &subnetOpen, f);  // the first level denies: the second is not asked
  CHECK(v.group == &nicClosed);
  const NsgRules nicOpen = inbound("nic", {rule("open", 200, NsgAccess::Allow, {}, {}, {{8080, 8080}})});
  v = evaluateNsg(&subnetOpen, &nicOpen, f);
  CHECK(v.allowed);
  CHECK(v.group == &nicOpen);  // the last level's allow is named
  CHECK(evaluateNsg(nullptr, &nicOpen, f).allowed);  // no subnet group: that level allows
}
