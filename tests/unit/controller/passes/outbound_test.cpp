// Pass 5, outbound: Azure's precedence per VM and the SNAT ports each VM is given.
#include <catch2/catch.hpp>

#include <set>

#include "emulator/controller/passes/outbound.h"
#include "emulator/controller/passes/placement.h"
#include "tests/unit/controller/passes/fixture.h"

using namespace azlb;
using namespace azlb::controller::passes;
using namespace azlb::controller::passes::test;

namespace {

Outbound run(const model::Resources& r, const controller::PlanOptions& o = options()) {
  const Inventory inv = inventory(r);
  const Placement placed = placement(inv, o, {});
  return outbound(r, inv, placed.vms, o);
}

const controller::OutboundPlan& decisionFor(const Outbound& out, const std::string& ip) {
  for (const auto& d : out.decisions)
    if (d.ip == ip) return d;
  FAIL("no decision for " << ip);
  return out.decisions.front();
}

const dataplane::SnatSpec* specFor(const Outbound& out, const std::string& ip) {
  for (const auto& s : out.specs)
    if (s.ip.toString() == ip) return &s;
  return nullptr;
}

model::OutboundRule outboundRule(int ports, const std::vector<std::string>& frontends = {feId()}) {
  return {lbId() + "/outboundRules/out", "out", frontends, poolId(), model::TransportProtocol::All, ports, 4, false};
}

}  // namespace

TEST_CASE("outbound: the default port table by pool size", "[controller][outbound]") {
  CHECK(defaultSnatPorts(1) == 1024);
  CHECK(defaultSnatPorts(50) == 1024);
  CHECK(defaultSnatPorts(51) == 512);
  CHECK(defaultSnatPorts(100) == 512);
  CHECK(defaultSnatPorts(200) == 256);
  CHECK(defaultSnatPorts(400) == 128);
  CHECK(defaultSnatPorts(800) == 64);
  CHECK(defaultSnatPorts(1000) == 32);
}

TEST_CASE("outbound: Azure's precedence per VM", "[controller][outbound]") {
  model::Resources r = threeNics();

  SECTION("a load-balancing rule's frontend SNATs its pool (default table), for the rule's protocol") {
    const Outbound out = run(r);
    for (const char* ip : {"10.0.0.4", "10.0.0.5", "10.0.0.6"}) {
      INFO(ip);
      CHECK(decisionFor(out, ip).kind == "LoadBalancingRule");
      CHECK(decisionFor(out, ip).ports == 1024);
      CHECK(decisionFor(out, ip).protocol == "Tcp");
      REQUIRE(specFor(out, ip));
      CHECK(specFor(out, ip)->protocol == 6);
    }
  }
  SECTION("disableOutboundSnat on Standard: default outbound access when the subnet allows it") {
    r.loadBalancers[0].loadBalancingRules[0].disableOutboundSnat = true;
    Outbound out = run(r);
    CHECK(decisionFor(out, "10.0.0.4").kind == "DefaultOutboundAccess");
    // azlb's own address: the last before the public range's broadcast.
    CHECK(decisionFor(out, "10.0.0.4").publicIps == std::vector<std::string>{"198.18.255.254"});
    r.virtualNetworks[0].subnets[0].defaultOutboundAccess = false;
    out = run(r);
    CHECK(decisionFor(out, "10.0.0.4").kind == "None");
    CHECK(specFor(out, "10.0.0.4") == nullptr);
    CHECK_THAT(decisionFor(out, "10.0.0.4").reason, Catch::Contains("private subnet"));
  }
  SECTION("Basic SNATs through its rule even with disableOutboundSnat") {
    r.loadBalancers[0].sku = model::Sku::Basic;
    r.loadBalancers[0].loadBalancingRules[0].disableOutboundSnat = true;
    CHECK(decisionFor(run(r), "10.0.0.4").kind == "LoadBalancingRule");
  }
  SECTION("an outbound rule wins over the load-balancing rule") {
    r.loadBalancers[0].outboundRules = {outboundRule(64)};
    const Outbound out = run(r);
    CHECK(decisionFor(out, "10.0.0.4").kind == "OutboundRule");
    CHECK(decisionFor(out, "10.0.0.4").ports == 64);
    CHECK(decisionFor(out, "10.0.0.4").protocol == "All");
  }
  SECTION("an instance public IP wins over everything, 1:1") {
    r.loadBalancers[0].outboundRules = {outboundRule(64)};
    r.networkInterfaces[0].ipConfigurations[0].publicIpAddressId = kRg + "/publicIPAddresses/vmpip";
    r.publicIpAddresses.push_back({kRg + "/publicIPAddresses/vmpip", "vmpip", "198.18.0.77"});
    const Outbound out = run(r);
    CHECK(decisionFor(out, "10.0.0.4").kind == "InstancePublicIp");
    REQUIRE(specFor(out, "10.0.0.4"));
    CHECK(specFor(out, "10.0.0.4")->oneToOne());
    CHECK(specFor(out, "10.0.0.4")->blocks.front().ip.toString() == "198.18.0.77");
    CHECK(decisionFor(out, "10.0.0.5").kind == "OutboundRule");
  }
}

TEST_CASE("outbound: ports in 8-port blocks, never an inbound rule's, frontends used in turn",
          "[controller][outbound]") {
  model::Resources r = threeNics();
  r.loadBalancers[0].loadBalancingRules[0].frontendPort = 1030;  // inside the first block
  r.loadBalancers[0].outboundRules = {outboundRule(21336)};
  r.loadBalancers[0].frontendIpConfigurations.push_back({feId("lb1", "fe2"), "fe2", kRg + "/publicIPAddresses/pip2", "", ""});
  r.publicIpAddresses.push_back({kRg + "/publicIPAddresses/pip2", "pip2", "198.18.0.2"});
  r.loadBalancers[0].outboundRules[0].frontendIpConfigurationIds.push_back(feId("lb1", "fe2"));
  const Outbound out = run(r);
  std::set<std::pair<std::uint32_t, std::uint32_t>> ports;
  for (const char* ip : {"10.0.0.4", "10.0.0.5", "10.0.0.6"}) {
    INFO(ip);
    const auto* s = specFor(out, ip);
    REQUIRE(s);
    CHECK(s->portCount() == 21336);
    for (const auto& b : s->blocks) {
      CHECK(b.first % 8 == 0);
      CHECK(b.count % 8 == 0);
      bool nobodyElses = true, inbound = false;
      for (std::uint32_t p = b.first; p < std::uint32_t{b.first} + b.count; ++p) {
        nobodyElses = ports.insert({b.ip.value, p}).second && nobodyElses;
        inbound = inbound || (b.ip.toString() == "198.18.0.1" && p == 1030);
      }
      CHECK(nobodyElses);
      CHECK_FALSE(inbound);
    }
  }
  // 3 x 21336 = 64008 > 64000 - 8 on the first address: the last VM served spills 16 ports
  // onto the second.
  std::uint32_t onSecond = 0;
  for (const auto& [ip, port] : ports) onSecond += ip == dataplane::Ipv4Address::fromOctets(198, 18, 0, 2).value ? 1 : 0;
  CHECK(onSecond == 16);

  SECTION("more ports than the frontends hold: the VMs left over get none, and say why") {
    r.loadBalancers[0].outboundRules[0].allocatedOutboundPorts = 64000;
    const Outbound big = run(r);
    int without = 0;
    for (const auto& d : big.decisions) without += d.kind == "None" ? 1 : 0;
    CHECK(without == 2);
  }
}
