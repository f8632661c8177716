#include "netns/topology.h"

#include <catch2/catch.hpp>

#include <bit>
#include <string>

#include "netns/address.h"
#include "netns/naming.h"

using namespace azlb::netns_model;

namespace {

Ipv4Prefix prefix(const char* text) {
  auto p = parseIpv4Prefix(text);
  REQUIRE(p);
  return *p;
}

Ipv4Address address(const char* text) {
  auto a = parseIpv4(text);
  REQUIRE(a);
  return *a;
}

// Router with two MUX next hops for one frontend /32, the shape the controller will emit.
Topology routerWithTwoMuxes() {
  const Naming n = Naming::defaults();
  const std::string rtr = *n.name(Role::Router), mux0 = *n.name(Role::Mux, 0),
                    mux1 = *n.name(Role::Mux, 1);
  Topology t;
  t.namespaces = {{rtr, {{"net.ipv4.ip_forward", "1"}, {"net.ipv4.fib_multipath_hash_policy", "1"}}},
                  {mux0, {}},
                  {mux1, {}}};
  t.veths = {{.a = {rtr, mux0, {prefix("100.64.1.1/30")}, ""}, .b = {mux0, rtr, {prefix("100.64.1.2/30")}, ""}},
             {.a = {rtr, mux1, {prefix("100.64.2.1/30")}, ""}, .b = {mux1, rtr, {prefix("100.64.2.2/30")}, ""}}};
  t.routes = {{.ns = rtr,
               .destination = prefix("198.18.0.1/32"),
               .nexthops = {{.gateway = address("100.64.1.2"), .dev = mux0},
                            {.gateway = address("100.64.2.2"), .dev = mux1}}}};
  return t;
}

}  // namespace

TEST_CASE("ipv4 addresses and prefixes parse and print", "[netns][topology]") {
  CHECK(parseIpv4("10.0.0.1")->value == 0x0a000001u);
  CHECK(parseIpv4("255.255.255.255")->value == 0xffffffffu);
  CHECK(toString(Ipv4Address{0xc6120001u}) == "198.18.0.1");
  CHECK(toString(prefix("100.64.0.1/30")) == "100.64.0.1/30");
  CHECK(prefix("1.2.3.4").length == 32);
  CHECK(toNetworkOrder(Ipv4Address{0x01020304u}) == (std::endian::native == std::endian::little
                                                        ? 0x04030201u
                                                        : 0x01020304u));
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4/33",
                          "1.2.3.4/", "a.b.c.d", "1..2.3", "1.2.3.4 "}) {
    INFO(bad);
    CHECK_FALSE(parseIpv4Prefix(bad));
  }
}

TEST_CASE("a router with two multipath next hops validates", "[netns][topology]") {
  auto ok = validate(routerWithTwoMuxes());
  INFO((ok ? std::string() : ok.error().message()));
  CHECK(ok);
}

TEST_CASE("validate names the first offending object", "[netns][topology]") {
  SECTION("route through a link the namespace does not have") {
    Topology t = routerWithTwoMuxes();
    t.routes[0].nexthops[1].dev = "azlb0-mux7";
    auto r = validate(t);
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("azlb0-mux7") != std::string::npos);
  }
  SECTION("veth end in an undeclared namespace") {
    Topology t = routerWithTwoMuxes();
    t.veths[0].b.ns = "azlb0-host3";
    CHECK_FALSE(validate(t));
  }
  SECTION("name longer than IFNAMSIZ-1") {
    Topology t = routerWithTwoMuxes();
    t.veths[0].a.name = "a-very-long-interface";
    CHECK_FALSE(validate(t));
  }
  SECTION("two links with one name in one namespace") {
    Topology t = routerWithTwoMuxes();
    t.veths[1].a.name = t.veths[0].a.name;
    CHECK_FALSE(validate(t));
  }
  SECTION("route destination with host bits") {
    Topology t = routerWithTwoMuxes();
    t.routes[0].destination = prefix("198.18.0.1/16");
    CHECK_FALSE(validate(t));
  }
  SECTION("multipath weight out of range") {
    Topology t = routerWithTwoMuxes();
    t.routes[0].nexthops[0].weight = 0;
    CHECK_FALSE(validate(t));
  }
  SECTION("sysctl key escaping /proc/sys") {
    Topology t = routerWithTwoMuxes();
    t.namespaces[0].sysctls.push_back({"net/../../etc/passwd", "x"});
    CHECK_FALSE(validate(t));
  }
  SECTION("route without nexthop") {
    Topology t = routerWithTwoMuxes();
    t.routes[0].nexthops.clear();
    CHECK_FALSE(validate(t));
  }
}
