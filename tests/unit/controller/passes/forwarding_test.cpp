// Pass 4, forwarding (and the snapshots built from it): rules from frontends, pools and probes.
#include <catch2/catch.hpp>

#include <algorithm>

#include "emulator/controller/passes/forwarding.h"
#include "emulator/controller/passes/placement.h"
#include "emulator/controller/passes/snapshots.h"
#include "emulator/controller/passes/topology.h"
#include "tests/unit/controller/passes/fixture.h"

using namespace azlb;
using namespace azlb::controller::passes;
using namespace azlb::controller::passes::test;

namespace {

struct Compiled {
  Inventory inv;
  Placement placed;
  Forwarding fwd;
};

Compiled run(const model::Resources& r, const std::map<std::string, bool>& probeUp = {}) {
  Compiled c{inventory(r), {}, {}};
  c.placed = placement(c.inv, options(), {});
  c.fwd = forwarding(r, c.inv, c.placed.vms, probeUp, options());
  return c;
}

model::Probe httpProbe() {
  model::Probe p;
  p.id = lbId() + "/probes/hp";
  p.protocol = model::ProbeProtocol::Http;
  p.armProperties = R"({"protocol":"Http","port":8081})";
  return p;
}

}  // namespace

TEST_CASE("forwarding: a public frontend takes its public IP's address; an internal one its VNet", "[controller][forwarding]") {
  auto r = threeNics();
  auto& lb = r.loadBalancers[0];
  lb.frontendIpConfigurations.push_back({feId("lb1", "int"), "int", std::nullopt, "10.0.0.99", subnetId("vnet1")});
  auto internal = lb.loadBalancingRules[0];
  internal.id += "-int";
  internal.frontendIpConfigurationId = feId("lb1", "int");
  lb.loadBalancingRules.push_back(internal);
  const auto c = run(r);
  REQUIRE(c.fwd.rules.size() == 2);
  CHECK(c.fwd.rules[0].frontendIp.toString() == "198.18.0.1");
  CHECK(c.fwd.rules[0].vnet.empty());
  CHECK(c.fwd.rules[1].frontendIp.toString() == "10.0.0.99");
  CHECK(c.fwd.rules[1].vnet == toLower(vnetId("vnet1")));
  // NIC members come sorted by ipConfiguration id, each tunnelled to its VM's PA.
  REQUIRE(c.fwd.rules[0].backends.size() == 3);
  CHECK(c.fwd.rules[0].backends[0].id == configId("nic1"));
  for (const auto& b : c.fwd.rules[0].backends) {
    auto vm = std::find_if(c.placed.vms.begin(), c.placed.vms.end(), [&](const auto& v) { return v.ips[0] == b.ip.toString(); });
    REQUIRE(vm != c.placed.vms.end());
    CHECK(b.hostIp.toString() == vm->underlay);
  }
}

TEST_CASE("forwarding: a rule whose frontend has no address, or whose pool is empty, is left out", "[controller][forwarding]") {
  auto r = threeNics();
  r.publicIpAddresses[0].ipAddress = "";
  CHECK(run(r).fwd.rules.empty());
  auto empty = threeNics();
  empty.loadBalancers[0].backendAddressPools[0].backendIpConfigurationIds.clear();
  CHECK(run(empty).fwd.rules.empty());
}

TEST_CASE("forwarding: a load balancer the data plane refuses is reported and the others still run", "[controller][forwarding]") {
  auto r = threeNics();
  auto bad = r.loadBalancers[0];
  bad.id = lbId("lb2");
  bad.loadBalancingRules[0].id = lbId("lb2") + "/loadBalancingRules/web";
  bad.loadBalancingRules[0].frontendPort = 0;  // Tcp needs a port
  bad.loadBalancingRules[0].frontendIpConfigurationId = feId("lb2");
  bad.frontendIpConfigurations[0].id = feId("lb2");
  r.loadBalancers.push_back(bad);
  const auto c = run(r);
  REQUIRE(c.fwd.errors.count(lbId("lb2")) == 1);
  CHECK(c.fwd.errors.count(lbId()) == 0);
  REQUIRE(c.fwd.rules.size() == 1);
  CHECK(c.fwd.rules[0].name == lbId() + "/loadBalancingRules/web");
}

TEST_CASE("forwarding: a probed rule plans one probe per backend and keeps backends out until probed up", "[controller][forwarding]") {
  auto r = threeNics();
  r.loadBalancers[0].probes = {httpProbe()};
  r.loadBalancers[0].loadBalancingRules[0].probeId = httpProbe().id;
  const auto first = run(r);
  REQUIRE(first.fwd.probes.size() == 3);
  for (const auto& b : first.fwd.rules.at(0).backends) CHECK_FALSE(b.healthy);
  REQUIRE(first.fwd.ruleHealth.size() == 1);
  CHECK(first.fwd.ruleHealth[0].protocol == "Http");
  std::size_t entries = 0;
  for (const auto& [host, list] : first.fwd.probeEntries)
    for (const auto& e : list) {
      ++entries;
      CHECK(e.probe.value("port", 0) == 8081);  // the ARM probe reaches the agent as stored
      CHECK(first.fwd.probes.at(e.key).host == host);
    }
  CHECK(entries == 3);

  const std::string upKey = first.fwd.probes.begin()->first;
  const auto second = run(r, {{upKey, true}});
  int healthy = 0;
  for (const auto& b : second.fwd.rules.at(0).backends) healthy += b.healthy ? 1 : 0;
  CHECK(healthy == 1);
  CHECK(second.fwd.probes.at(upKey).up);
}

TEST_CASE("forwarding: admin state overrides the probe, and AllProbedUp never revives an admin-Down address", "[controller][forwarding]") {
  model::Resources r;
  r.virtualNetworks = {vnet("vnet1", "10.0.0.0/24")};
  r.publicIpAddresses = {{kRg + "/publicIPAddresses/pip1", "pip1", "198.18.0.1"}};
  r.loadBalancers = {loadBalancer({}, {address("a1", "10.0.0.4", "vnet1", model::AdminState::Up),
                                       address("a2", "10.0.0.5", "vnet1", model::AdminState::Down),
                                       address("a3", "10.0.0.6", "vnet1")})};
  auto probe = httpProbe();
  probe.noHealthyBackendsBehavior = model::NoHealthyBackendsBehavior::AllProbedUp;
  r.loadBalancers[0].probes = {probe};
  r.loadBalancers[0].loadBalancingRules[0].probeId = probe.id;
  const auto c = run(r);
  const auto& backends = c.fwd.rules.at(0).backends;
  REQUIRE(backends.size() == 3);
  CHECK(backends[0].healthy);        // admin Up
  CHECK_FALSE(backends[1].healthy);  // admin Down
  CHECK_FALSE(backends[2].healthy);  // probed down; a1 is up, so AllProbedUp does not apply
  REQUIRE(c.fwd.ruleHealth.size() == 1);
  CHECK(c.fwd.ruleHealth[0].backends[0].admin == "Up");
  CHECK(c.fwd.ruleHealth[0].backends[1].admin == "Down");
  CHECK_FALSE(c.fwd.ruleHealth[0].allDownIsUp);
}

TEST_CASE("forwarding: a port-range NAT rule maps consecutive ports to the pool's members in order", "[controller][forwarding]") {
  auto r = threeNics();
  model::InboundNatRule nat;
  nat.id = lbId() + "/inboundNatRules/ssh";
  nat.frontendIpConfigurationId = feId();
  nat.frontendPortRangeStart = 50000;
  nat.frontendPortRangeEnd = 50001;
  nat.backendPort = 22;
  nat.backendAddressPoolId = poolId();
  model::InboundNatRule single;
  single.id = lbId() + "/inboundNatRules/one";
  single.frontendIpConfigurationId = feId();
  single.frontendPort = 2222;
  single.backendPort = 22;
  single.backendIpConfigurationId = configId("nic3");
  r.loadBalancers[0].inboundNatRules = {nat, single};
  const auto c = run(r);
  REQUIRE(c.fwd.rules.size() == 4);
  CHECK(c.fwd.rules[1].name == nat.id + "#50000");
  CHECK(c.fwd.rules[1].backends.at(0).id == configId("nic1"));
  CHECK(c.fwd.rules[2].frontendPort == 50001);
  CHECK(c.fwd.rules[2].backends.at(0).id == configId("nic2"));
  CHECK(c.fwd.rules[3].frontendPort == 2222);
  CHECK(c.fwd.rules[3].backends.at(0).ip.toString() == "10.0.0.6");
}

TEST_CASE("snapshots: every process gets the rules and VM table; a host only its own namespaces and probes", "[controller][snapshots]") {
  auto r = threeNics();
  r.loadBalancers[0].probes = {httpProbe()};
  r.loadBalancers[0].loadBalancingRules[0].probeId = httpProbe().id;
  const auto c = run(r);
  const Fabric f = topology(c.placed.vms, options());
  const Snapshots s = snapshots(c.fwd, f, c.placed.vms, options(), 9);
  REQUIRE(s.mux.size() == 2);
  REQUIRE(s.host.size() == 2);
  std::size_t probes = 0;
  for (std::uint32_t j = 0; j < 2; ++j) {
    const auto& h = s.host[j];
    CHECK(h.version == 9);
    CHECK(h.forwarding.rules.size() == 1);
    CHECK(h.vms.size() == 3);
    CHECK(h.host.index == j);
    for (const auto& ns : h.host.vnetNamespaces) CHECK(f.hostVnets.at(ns.name).first == j);
    for (const auto& e : h.host.probes) CHECK(c.fwd.probes.at(e.key).host == j);
    probes += h.host.probes.size();
  }
  CHECK(probes == 3);
  CHECK(s.mux[0].host.probes.empty());
  CHECK(s.mux[1].muxUnderlays.size() == 2);
}
