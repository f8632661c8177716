// azlb trace's reasoning on a hand-built plan: the rule, the hash input of each distribution
// mode, the Maglev slot and backend (the same the MUX's own table gives), backends skipped with
// their reason, a flow-table pin, no route, a SNAT port, VM sources (VNet, outbound, internal).
#include "emulator/controller/trace.h"

#include <catch2/catch.hpp>
#include <set>

#include "emulator/dataplane/flow_key.h"
#include "emulator/dataplane/forwarding_config.h"

using namespace azlb;
using controller::TraceFacts;
using controller::TraceQuery;
using dataplane::Ipv4Address;

namespace {

const Ipv4Address kVip = Ipv4Address::fromOctets(198, 18, 0, 1);
const Ipv4Address kClient = Ipv4Address::fromOctets(100, 64, 255, 1);

dataplane::BackendSpec backend(int i, bool healthy) {
  return {.id = "vm" + std::to_string(i),
          .ip = Ipv4Address::fromOctets(10, 0, 0, static_cast<std::uint8_t>(3 + i)),
          .hostIp = Ipv4Address::fromOctets(100, 64, static_cast<std::uint8_t>(15 + i), 10),
          .healthy = healthy};
}

controller::Plan plan(dataplane::LoadDistribution mode = dataplane::LoadDistribution::Default) {
  controller::Plan p;
  dataplane::ForwardingConfigSpec spec{.version = 1};
  spec.rules.push_back({.name = "web", .frontendIp = kVip, .frontendPort = 80, .backendPort = 8080,
                        .loadDistribution = mode,
                        .backends = {backend(1, true), backend(2, true), backend(3, false)}});
  dataplane::SnatSpec snat{.ip = Ipv4Address::fromOctets(10, 0, 0, 4),
                           .underlay = Ipv4Address::fromOctets(100, 64, 16, 10)};
  snat.blocks = {{kVip, 1024, 1024}};
  spec.outbound.push_back(snat);
  runtime::Snapshot s;
  s.forwarding = spec;
  p.muxSnapshots = {s, s};
  p.hostSnapshots = {s, s, s, s};
  for (int i = 1; i <= 3; ++i) {
    controller::VmPlan vm;
    vm.id = "vm" + std::to_string(i);
    vm.name = "vm" + std::to_string(i);
    vm.vnet = "vnet1";
    vm.ips = {"10.0.0." + std::to_string(3 + i)};
    vm.host = static_cast<std::uint32_t>(i);
    vm.underlay = "100.64." + std::to_string(15 + i) + ".10";
    vm.ns = "azlb0-vm" + std::to_string(i);
    p.vms.push_back(vm);
  }
  controller::RuleHealthPlan h;
  h.rule = "web";
  h.probe = "http";
  h.backends = {{"k1", "vm1", "10.0.0.4", false, "None", true},
                {"k2", "vm2", "10.0.0.5", false, "None", true},
                {"k3", "vm3", "10.0.0.6", false, "None", false}};
  p.ruleHealth = {h};
  controller::OutboundPlan o1, o2;
  o1.vm = o1.name = "vm1";
  o1.ip = "10.0.0.4";
  o1.kind = "LoadBalancingRule";
  o1.reason = "rule web";
  o1.publicIps = {"198.18.0.1"};
  o1.ports = 1024;
  o2.vm = o2.name = "vm2";
  o2.ip = "10.0.0.5";
  o2.kind = "None";
  o2.reason = "private subnet";
  p.outbound = {o1, o2};
  return p;
}

TraceFacts routed(std::uint32_t mux) {
  TraceFacts f;
  f.routerMux = mux;
  f.muxesUp = {0, 1};
  f.probeOutcome = {{"k3", "refused"}};
  return f;
}

/// The backend the MUX's own Maglev table gives for this client (what real traffic gets).
std::string muxChoice(const controller::Plan& p, std::uint16_t sport) {
  auto config = dataplane::ForwardingConfig::build(p.muxSnapshots[0].forwarding);
  REQUIRE(config);
  const auto* rule = (*config)->findFrontend(kVip, 6, 80);
  REQUIRE(rule);
  const dataplane::FlowKey key{kClient, kVip, sport, 80, 6};
  return rule->backends[rule->maglev->lookup(dataplane::distributionHash(key, rule->loadDistribution))].id;
}

}  // namespace

TEST_CASE("trace: router, rule, hash, Maglev slot, backend, NAT and DSR", "[controller][trace]") {
  const auto p = plan();
  for (std::uint16_t sport = 40000; sport < 40050; ++sport) {
    const auto t = controller::tracePath(p, {6, kClient, kVip, sport, 80, ""}, routed(1));
    REQUIRE(t["verdict"] == "delivered");
    CHECK(t["mux"] == 1);
    CHECK(t["backend"]["name"] == muxChoice(p, sport));
    CHECK(t["backend"]["name"] != "vm3");  // probed down
  }
  const auto t = controller::tracePath(p, {6, kClient, kVip, 40000, 80, ""}, routed(0));
  REQUIRE(t["steps"].size() == 5);
  CHECK(t["steps"][0]["tier"] == "router");
  const auto& mux = t["steps"][1];
  CHECK(mux["rule"] == "web");
  CHECK(mux["hashInput"] == "tcp 100.64.255.1:40000 -> 198.18.0.1:80");
  CHECK(mux["slot"].get<std::uint64_t>() == mux["hash"].get<std::uint64_t>() % mux["tableSize"].get<std::uint64_t>());
  REQUIRE(mux["skipped"].size() == 1);
  CHECK(mux["skipped"][0]["backend"] == "vm3");
  CHECK(mux["skipped"][0]["why"] == "probe down (last: refused)");
  const std::string ip = t["backend"]["ip"];
  CHECK(t["steps"][2]["nat"] == "198.18.0.1:80 -> " + ip + ":8080");
  // Standard (the spec's default) and no group on the VM: Azure would drop it; azlb says so.
  CHECK(t["steps"][3]["tier"] == "nsg");
  CHECK(t["steps"][3]["azure"] == "drop");
  CHECK(t["steps"][3]["reason"] == "NoNetworkSecurityGroup");
  CHECK(t["steps"][4]["tier"] == "return");
}

TEST_CASE("trace: the network security group rule Azure would apply at the VM is named", "[controller][trace]") {
  auto p = plan();
  dataplane::NsgRule web;
  web.name = "allow-8080";
  web.priority = 100;
  web.access = dataplane::NsgAccess::Allow;
  web.protocol = 6;
  web.destinationPorts = {{8080, 8080}};
  dataplane::NsgRule deny;
  deny.name = "DenyAllInBound";
  deny.priority = 65500;
  controller::GroupRules nic;
  nic.inbound.group = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/web-nsg";
  nic.inbound.rules = {web, deny};
  for (const auto& vm : p.vms) p.security[vm.id].nic = nic;
  auto t = controller::tracePath(p, {6, kClient, kVip, 40000, 80, ""}, routed(0));
  CHECK(t["steps"][3]["azure"] == "allow");
  CHECK(t["steps"][3]["rule"] == "allow-8080");
  CHECK(t["steps"][3]["summary"] == "allowed by web-nsg/allow-8080");
  // The VM sees backend port 8080; a group that only opens 80 does not let it in.
  for (auto& [id, sec] : p.security) sec.nic->inbound.rules[0].destinationPorts = {{80, 80}};
  t = controller::tracePath(p, {6, kClient, kVip, 40000, 80, ""}, routed(0));
  CHECK(t["steps"][3]["azure"] == "drop");
  CHECK(t["steps"][3]["rule"] == "DenyAllInBound");
}

TEST_CASE("trace: SourceIP hashes the two addresses only: every port lands on one backend", "[controller][trace]") {
  const auto p = plan(dataplane::LoadDistribution::SourceIP);
  std::set<std::string> backends;
  for (std::uint16_t sport = 40000; sport < 40020; ++sport) {
    const auto t = controller::tracePath(p, {6, kClient, kVip, sport, 80, ""}, routed(0));
    backends.insert(t["backend"]["name"].get<std::string>());
    CHECK(t["steps"][1]["hashInput"] == "tcp 100.64.255.1:0 -> 198.18.0.1:0");
  }
  CHECK(backends.size() == 1);
}

TEST_CASE("trace: a pinned flow keeps its backend; admin state is named", "[controller][trace]") {
  auto p = plan();
  auto facts = routed(0);
  facts.pinnedBackend = dataplane::hashString("vm2");  // the MUX reports Backend::key
  for (std::uint16_t sport = 40000; sport < 40010; ++sport) {
    const auto t = controller::tracePath(p, {6, kClient, kVip, sport, 80, ""}, facts);
    CHECK(t["backend"]["name"] == "vm2");
    CHECK(t["steps"][1]["pinned"] == true);
  }
  p.ruleHealth[0].backends[2].admin = "Drain";
  const auto t = controller::tracePath(p, {6, kClient, kVip, 40000, 80, ""}, routed(0));
  CHECK(t["steps"][1]["skipped"][0]["why"] == "admin state Drain");
}

TEST_CASE("trace: no route, no rule, a SNAT port", "[controller][trace]") {
  const auto p = plan();
  TraceFacts none;
  CHECK(controller::tracePath(p, {6, kClient, kVip, 40000, 80, ""}, none)["verdict"] == "dropped");
  CHECK(controller::tracePath(p, {6, kClient, kVip, 40000, 81, ""}, routed(0))["verdict"] == "dropped");
  const auto snat = controller::tracePath(p, {6, kClient, kVip, 80, 1500, ""}, routed(0));
  CHECK(snat["verdict"] == "delivered");
  CHECK(snat["backend"]["name"] == "vm1");
}

TEST_CASE("trace from a VM: same VNet, outbound through SNAT, none", "[controller][trace]") {
  const auto p = plan();
  const Ipv4Address vm1 = Ipv4Address::fromOctets(10, 0, 0, 4);
  const auto peer = controller::tracePath(p, {6, vm1, Ipv4Address::fromOctets(10, 0, 0, 5), 5000, 22, "vm1"}, {});
  CHECK(peer["verdict"] == "delivered");
  CHECK(peer["backend"]["name"] == "vm2");
  const auto out = controller::tracePath(p, {6, vm1, Ipv4Address::fromOctets(198, 19, 0, 10), 5000, 80, "vm1"}, {});
  CHECK(out["verdict"] == "delivered");
  CHECK(out["steps"][1]["tier"] == "snat");
  CHECK(out["steps"][1]["publicIps"][0] == "198.18.0.1");
  const auto none = controller::tracePath(p, {6, Ipv4Address::fromOctets(10, 0, 0, 5), Ipv4Address::fromOctets(198, 19, 0, 10), 5000, 80, "vm2"}, {});
  CHECK(none["verdict"] == "dropped");
}
