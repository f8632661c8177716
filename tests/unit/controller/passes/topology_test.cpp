// Pass 3, topology: namespaces, links and routes for the underlay and every placed VM.
#include <catch2/catch.hpp>

#include <algorithm>

#include "emulator/controller/passes/placement.h"
#include "emulator/controller/passes/topology.h"
#include "tests/unit/controller/passes/fixture.h"

using namespace azlb;
using namespace azlb::controller::passes;
using namespace azlb::controller::passes::test;

namespace {

const netns_model::RouteSpec* routeTo(const Fabric& f, const std::string& ns, const std::string& dst) {
  for (const auto& r : f.topology.routes)
    if (r.ns == ns && netns_model::toString(r.destination) == dst) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("topology: the router's public route spreads over the MUXes that are up", "[controller][topology]") {
  auto o = options();
  o.muxes = 3;
  o.muxesDown = {1};
  const Fabric f = topology({}, o);
  const auto* ecmp = routeTo(f, azlb::controller::routerNamespace(o), "198.18.0.0/16");
  REQUIRE(ecmp);
  REQUIRE(ecmp->nexthops.size() == 2);
  CHECK(ecmp->nexthops[0].dev == "mux0");
  CHECK(ecmp->nexthops[1].dev == "mux2");
  CHECK(f.muxUnderlays == std::vector<std::string>{"100.64.4.1", "100.64.4.2", "100.64.4.3"});
  CHECK(routeTo(f, netns_model::kRootNamespace, "198.18.0.0/16"));
  CHECK(netns_model::validate(f.topology).has_value());
}

TEST_CASE("topology: in BGP mode the router has no static public route; the MUX links are muxLink()'s", "[controller][topology]") {
  auto o = options();
  o.muxes = 3;
  o.bgp = true;
  const Fabric f = topology({}, o);
  CHECK_FALSE(routeTo(f, azlb::controller::routerNamespace(o), "198.18.0.0/16"));
  CHECK(routeTo(f, netns_model::kRootNamespace, "198.18.0.0/16"));  // the shell still reaches the router
  for (std::uint32_t i = 0; i < o.muxes; ++i) {
    const auto link = azlb::controller::muxLink(o, i);
    const std::string ns = azlb::controller::muxNamespace(o, i);
    CHECK(std::any_of(f.topology.veths.begin(), f.topology.veths.end(), [&](const auto& v) {
      return v.b.ns == ns && v.b.addresses.size() == 1 && v.a.addresses.size() == 1 &&
             netns_model::toString(v.b.addresses[0].address) == link.muxSide &&
             netns_model::toString(v.a.addresses[0].address) == link.routerSide;
    }));
  }
  CHECK(f.routerAddress == azlb::controller::routerAddress(o));
}

TEST_CASE("topology: each VM gets its namespace, its link into its (host, VNet) namespace and routes both ways", "[controller][topology]") {
  const Placement p = placement(inventory(threeNics()), options(), {});
  const Fabric f = topology(p.vms, options());
  for (const auto& vm : p.vms) {
    const auto* dflt = routeTo(f, vm.ns, "0.0.0.0/0");
    REQUIRE(dflt);
    CHECK(netns_model::toString(*dflt->nexthops[0].gateway) == vm.gateway);
    const auto* back = routeTo(f, vm.hostNs, vm.ips[0] + "/32");
    REQUIRE(back);
    CHECK(back->nexthops[0].dev == vm.hostLink);
    CHECK(f.hostVnets.at(vm.hostNs) == std::make_pair(vm.host, vm.vnet));
    CHECK(std::any_of(f.topology.veths.begin(), f.topology.veths.end(),
                      [&](const auto& v) { return v.a.ns == vm.hostNs && v.b.ns == vm.ns && v.b.mac == vm.mac; }));
  }
  CHECK(netns_model::validate(f.topology).has_value());
}
