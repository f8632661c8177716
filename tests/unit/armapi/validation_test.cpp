// Every validation rule the service implements (SPEC.md §3), through Service::handle. Each refusal
// asserts the exact ARM code and that nothing changed (expectRefused compares the whole group and
// the target's GET body and ETag before and after).
#include <catch2/catch.hpp>

#include "tests/unit/armapi/service_fixture.h"

using namespace azlb::armtest;

namespace {

/// pip1, pip2 (Standard), bpip (Basic), vnet1 (10.0.0.0/16) with default 10.0.0.0/24 and other 10.0.1.0/24.
struct Net : ServiceFixture {
  Net() {
    putPip("pip1");
    putPip("pip2");
    putPip("bpip", "Basic");
    putVnet("vnet1", {{"default", "10.0.0.0/24"}, {"other", "10.0.1.0/24"}});
  }
};

json fe(const std::string& lb, const std::string& name = "fe") {
  return idRef(lbChild(lb, "frontendIPConfigurations", name));
}
json pool(const std::string& lb, const std::string& name = "be") {
  return idRef(lbChild(lb, "backendAddressPools", name));
}
json probe(const std::string& name, const std::string& protocol, int port, const json& extra = json::object()) {
  json p = {{"protocol", protocol}, {"port", port}};
  for (const auto& [k, v] : extra.items()) p[k] = v;
  return {{"name", name}, {"properties", p}};
}
json outboundRule(const std::string& lb, const std::string& name, const std::string& protocol,
                  const std::vector<json>& frontends, const json& extra = json::object()) {
  json p = {{"protocol", protocol}, {"backendAddressPool", pool(lb)}, {"frontendIPConfigurations", json(frontends)}};
  for (const auto& [k, v] : extra.items()) p[k] = v;
  return {{"name", name}, {"properties", p}};
}
/// Public Standard LB "lb1" with two frontends fe (pip1) and fe2 (pip2) and pool be.
json twoFrontendLb(const json& extra = json::object()) {
  json lb = publicLb("pip1", extra);
  lb["properties"]["frontendIPConfigurations"].push_back(
      {{"name", "fe2"}, {"properties", {{"publicIPAddress", idRef(pipId("pip2"))}}}});
  return lb;
}
json natPool(const std::string& lb, const std::string& name, const std::string& protocol, int start, int end,
             int backendPort) {
  return {{"name", name},
          {"properties",
           {{"protocol", protocol}, {"frontendPortRangeStart", start}, {"frontendPortRangeEnd", end},
            {"backendPort", backendPort}, {"frontendIPConfiguration", fe(lb)}}}};
}
json rangedNat(const std::string& lb, const std::string& name, const std::string& protocol, int start, int end) {
  return {{"name", name},
          {"properties",
           {{"protocol", protocol}, {"frontendPortRangeStart", start}, {"frontendPortRangeEnd", end},
            {"backendPort", 22}, {"frontendIPConfiguration", fe(lb)}, {"backendAddressPool", pool(lb)}}}};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// V1 InvalidResourceReference

TEST_CASE("V1: references to missing resources are InvalidResourceReference", "[validation][V1]") {
  Net f;
  f.mustPut(lbId("lb2"), publicLb("pip2", {{"probes", {probe("hp2", "Tcp", 80)}}}));  // holds another LB's children

  SECTION("frontend -> missing public IP, with ARM's message naming both ids") {
    json lb = publicLb("nosuchpip");
    auto r = f.expectBadPut(lbId("lb1"), lb, "InvalidResourceReference");
    CHECK(r.message() == "Resource " + pipId("nosuchpip") + " referenced by resource " +
                             lbChild("lb1", "frontendIPConfigurations", "fe") +
                             " was not found. Please make sure that the referenced resource exists, and that both "
                             "resources are in the same region.");
  }
  SECTION("frontend -> public IP id that is a virtual network") {
    json lb = publicLb("pip1");
    lb["properties"]["frontendIPConfigurations"][0]["properties"]["publicIPAddress"] = idRef(vnetId("vnet1"));
    f.expectBadPut(lbId("lb1"), lb, "InvalidResourceReference");
  }
  SECTION("a frontend references exactly one of public IP and subnet") {
    json both = publicLb("pip1");
    both["properties"]["frontendIPConfigurations"][0]["properties"]["subnet"] = idRef(subnetId("vnet1", "default"));
    f.expectBadPut(lbId("lb1"), both, "InvalidParameter");
    json neither = publicLb("pip1");
    neither["properties"]["frontendIPConfigurations"][0]["properties"] = json::object();
    f.expectBadPut(lbId("lb1"), neither, "InvalidParameter");
  }
  SECTION("frontend -> missing subnet of an existing vnet") {
    f.expectBadPut(lbId("lb1"), internalLb("vnet1", "nosuchsubnet"), "InvalidResourceReference");
  }
  SECTION("frontend -> subnet of a missing vnet") {
    f.expectBadPut(lbId("lb1"), internalLb("nosuchvnet", "default"), "InvalidResourceReference");
  }
  SECTION("rule -> missing frontend") {
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"loadBalancingRules",
                                      {lbRule("lb1", "web", "Tcp", 80, {{"frontendIPConfiguration", fe("lb1", "nofe")}})}}}),
                   "InvalidResourceReference");
  }
  SECTION("rule -> missing pool (singular and plural)") {
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"loadBalancingRules",
                                      {lbRule("lb1", "web", "Tcp", 80, {{"backendAddressPool", pool("lb1", "nopool")}})}}}),
                   "InvalidResourceReference");
    json rule = lbRule("lb1", "web", "Tcp", 80);
    rule["properties"].erase("backendAddressPool");
    rule["properties"]["backendAddressPools"] = {pool("lb1", "nopool")};
    f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"loadBalancingRules", {rule}}}), "InvalidResourceReference");
  }
  SECTION("rule -> missing probe") {
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"loadBalancingRules",
                                      {lbRule("lb1", "web", "Tcp", 80,
                                              {{"probe", idRef(lbChild("lb1", "probes", "noprobe"))}})}}}),
                   "InvalidResourceReference");
  }
  SECTION("rule -> probe of another load balancer") {
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"loadBalancingRules",
                                      {lbRule("lb1", "web", "Tcp", 80, {{"probe", idRef(lbChild("lb2", "probes", "hp2"))}})}}}),
                   "InvalidResourceReference");
  }
  SECTION("rule -> a pool id given where a probe is expected") {
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"loadBalancingRules", {lbRule("lb1", "web", "Tcp", 80, {{"probe", pool("lb1")}})}}}),
                   "InvalidResourceReference");
  }
  SECTION("inbound NAT rule -> missing frontend or pool") {
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"inboundNatRules",
                                      {natRule("lb1", "ssh", "Tcp", 50000, 22, {{"frontendIPConfiguration", fe("lb1", "x")}})}}}),
                   "InvalidResourceReference");
    json nat = rangedNat("lb1", "ssh", "Tcp", 50000, 50010);
    nat["properties"]["backendAddressPool"] = pool("lb1", "nopool");
    f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"inboundNatRules", {nat}}}), "InvalidResourceReference");
  }
  SECTION("outbound rule -> missing pool or frontend") {
    json ob = outboundRule("lb1", "out", "All", {fe("lb1")});
    ob["properties"]["backendAddressPool"] = pool("lb1", "nopool");
    f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"outboundRules", {ob}}}), "InvalidResourceReference");
    f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"outboundRules", {outboundRule("lb1", "out", "All", {fe("lb1", "x")})}}}),
                   "InvalidResourceReference");
  }
  SECTION("backend address -> missing virtual network or subnet") {
    json lb = publicLb("pip1");
    lb["properties"]["backendAddressPools"][0]["properties"] = {
        {"loadBalancerBackendAddresses",
         {{{"name", "a1"}, {"properties", {{"ipAddress", "10.0.0.10"}, {"virtualNetwork", idRef(vnetId("novnet"))}}}}}}};
    f.expectBadPut(lbId("lb1"), lb, "InvalidResourceReference");
    lb["properties"]["backendAddressPools"][0]["properties"]["loadBalancerBackendAddresses"][0]["properties"] = {
        {"ipAddress", "10.0.0.10"}, {"subnet", idRef(subnetId("vnet1", "nosubnet"))}};
    f.expectBadPut(lbId("lb1"), lb, "InvalidResourceReference");
  }
  SECTION("NIC -> missing subnet, pool, NAT rule or public IP") {
    f.expectBadPut(nicId("nic1"), ServiceFixture::nicBody("vnet1", "nosubnet"), "InvalidResourceReference");
    f.expectBadPut(nicId("nic1"),
                   ServiceFixture::nicBody("vnet1", "default", {{"loadBalancerBackendAddressPools", {pool("lb2", "nopool")}}}),
                   "InvalidResourceReference");
    f.expectBadPut(nicId("nic1"),
                   ServiceFixture::nicBody("vnet1", "default", {{"loadBalancerBackendAddressPools", {pool("nolb")}}}),
                   "InvalidResourceReference");
    f.expectBadPut(nicId("nic1"),
                   ServiceFixture::nicBody("vnet1", "default",
                                           {{"loadBalancerInboundNatRules", {idRef(lbChild("lb2", "inboundNatRules", "x"))}}}),
                   "InvalidResourceReference");
    f.expectBadPut(nicId("nic1"), ServiceFixture::nicBody("vnet1", "default", {{"publicIPAddress", idRef(pipId("nope"))}}),
                   "InvalidResourceReference");
  }
}

// ---------------------------------------------------------------------------------------------
// V2, V4: SKUs

TEST_CASE("V2: load balancer and public IP SKUs must match, both ways", "[validation][V2]") {
  Net f;
  auto r = f.expectBadPut(lbId("lb1"), publicLb("bpip", {}, "Standard"), "PublicIPAndLBSkuDoNotMatch");
  CHECK(r.message() == "Standard sku load balancer " + lbId("lb1") + " cannot reference Basic sku publicIP " +
                           pipId("bpip") + ".");
  auto r2 = f.expectBadPut(lbId("lb1"), publicLb("pip1", {}, "Basic"), "PublicIPAndLBSkuDoNotMatch");
  CHECK_THAT(r2.message(), Catch::Contains("Basic sku load balancer") && Catch::Contains("Standard sku publicIP"));
  // Omitted sku = Basic, which cannot use a Standard IP either.
  json noSku = publicLb("pip1");
  noSku.erase("sku");
  f.expectBadPut(lbId("lb1"), noSku, "PublicIPAndLBSkuDoNotMatch");
  // The matching pairs are accepted.
  f.mustPut(lbId("lb1"), publicLb("pip1", {}, "Standard"));
  f.mustPut(lbId("lb2"), publicLb("bpip", {}, "Basic"));
}

TEST_CASE("V4: a Standard public IP must be Static; the SKU of a public IP cannot change", "[validation][V4]") {
  Net f;
  auto r = f.expectBadPut(pipId("p9"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}},
                                        {"properties", {{"publicIPAllocationMethod", "Dynamic"}}}},
                          "StandardSkuPublicIPAddressesMustBeStatic");
  CHECK(r.message() == "Standard sku publicIp " + pipId("p9") + " must have AllocationMethod set to Static.");
  f.expectBadPut(pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}},
                                 {"properties", {{"publicIPAllocationMethod", "dynamic"}}}},
                 "StandardSkuPublicIPAddressesMustBeStatic");
  f.expectBadPut(pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Basic"}}}}, "PublicIPAddressSkuCannotBeChanged");
  f.expectBadPut(pipId("p9"), {{"location", "westus"}, {"sku", {{"name", "Premium"}}}}, "InvalidParameter");
  f.expectBadPut(pipId("p9"), {{"location", "westus"}, {"properties", {{"publicIPAllocationMethod", "Sometimes"}}}},
                 "InvalidParameter");
  // Global (cross-region) needs Standard.
  auto global = f.expectBadPut(pipId("p9"), {{"location", "westus"}, {"sku", {{"name", "Basic"}, {"tier", "Global"}}}},
                               "InvalidParameter");
  CHECK(global.body["error"]["target"] == "sku.tier");
  f.mustPut(pipId("p9"), {{"location", "westus"}, {"sku", {{"name", "Standard"}, {"tier", "Global"}}}});
}

// ---------------------------------------------------------------------------------------------
// V5, V6: rules sharing backend port, protocol and pool

TEST_CASE("V5: two rules without floating IP cannot share protocol, backend port and pool", "[validation][V5]") {
  Net f;
  auto r = f.expectBadPut(
      lbId("lb1"),
      publicLb("pip1", {{"loadBalancingRules",
                         {lbRule("lb1", "a", "Tcp", 80, {{"backendPort", 8080}}),
                          lbRule("lb1", "b", "Tcp", 81, {{"backendPort", 8080}})}}}),
      "RulesUseSameBackendPortProtocolAndPool");
  CHECK_THAT(r.message(), Catch::Contains(lbChild("lb1", "loadBalancingRules", "a")) &&
                              Catch::Contains(lbChild("lb1", "loadBalancingRules", "b")));
  // All overlaps Tcp.
  f.expectBadPut(lbId("lb1"),
                 publicLb("pip1", {{"loadBalancingRules",
                                    {lbRule("lb1", "a", "All", 80, {{"backendPort", 8080}}),
                                     lbRule("lb1", "b", "Tcp", 81, {{"backendPort", 8080}})}}}),
                 "RulesUseSameBackendPortProtocolAndPool");
  // Different protocols, different backend ports or different pools are fine.
  f.mustPut(lbId("lb1"), publicLb("pip1", {{"loadBalancingRules",
                                            {lbRule("lb1", "a", "Tcp", 80, {{"backendPort", 8080}}),
                                             lbRule("lb1", "b", "Udp", 81, {{"backendPort", 8080}}),
                                             lbRule("lb1", "c", "Tcp", 82, {{"backendPort", 8081}})}}}));
  json twoPools = publicLb("pip1", {{"loadBalancingRules",
                                     {lbRule("lb1", "a", "Tcp", 80, {{"backendPort", 8080}}),
                                      lbRule("lb1", "b", "Tcp", 81, {{"backendPort", 8080}, {"backendAddressPool", pool("lb1", "be2")}})}}});
  twoPools["properties"]["backendAddressPools"].push_back({{"name", "be2"}});
  f.mustPut(lbId("lb1"), twoPools);
}

TEST_CASE("a rule over several pools has only the plural backendAddressPools; over one, both", "[validation]") {
  Net f;
  json lb = publicLb("pip1", {{"loadBalancingRules",
                               {lbRule("lb1", "one", "Tcp", 80, {{"backendPort", 8080}}),
                                lbRule("lb1", "two", "Tcp", 81, {{"backendPort", 8081}})}}});
  lb["properties"]["backendAddressPools"].push_back({{"name", "be2"}});
  json& two = lb["properties"]["loadBalancingRules"][1]["properties"];
  two.erase("backendAddressPool");
  two["backendAddressPools"] = {pool("lb1"), pool("lb1", "be2")};
  const json got = f.mustPut(lbId("lb1"), lb);
  const json& one = got["properties"]["loadBalancingRules"][0]["properties"];
  CHECK(one["backendAddressPool"] == pool("lb1"));
  CHECK(one["backendAddressPools"] == json::array({pool("lb1")}));
  const json& both = got["properties"]["loadBalancingRules"][1]["properties"];
  CHECK_FALSE(both.contains("backendAddressPool"));
  CHECK(both["backendAddressPools"].size() == 2);
}

TEST_CASE("V6: with floating IP the same frontend cannot be shared as well", "[validation][V6]") {
  Net f;
  json floating = {{"backendPort", 8080}, {"enableFloatingIP", true}};
  f.expectBadPut(lbId("lb1"),
                 twoFrontendLb({{"loadBalancingRules",
                                 {lbRule("lb1", "a", "Tcp", 80, floating), lbRule("lb1", "b", "Tcp", 81, floating)}}}),
                 "RulesUseSameBackendPortProtocolAndPoolAndFrontendIPWithFloatingIPEnabled");
  json onFe2 = floating;
  onFe2["frontendIPConfiguration"] = fe("lb1", "fe2");
  f.mustPut(lbId("lb1"), twoFrontendLb({{"loadBalancingRules",
                                         {lbRule("lb1", "a", "Tcp", 80, floating), lbRule("lb1", "b", "Tcp", 81, onFe2)}}}));
  // One with and one without floating IP: neither V5 nor V6.
  f.mustPut(lbId("lb2"),
            publicLb("bpip",
                     {{"loadBalancingRules",
                       {lbRule("lb2", "a", "Tcp", 80, floating), lbRule("lb2", "b", "Tcp", 81, {{"backendPort", 8080}})}}},
                     "Basic"));
}

// ---------------------------------------------------------------------------------------------
// V9: outbound rules sharing a frontend

TEST_CASE("V9: one outbound rule per frontend and protocol", "[validation][V9]") {
  Net f;
  const std::string code = "MoreThanOneOutboundRuleUsingSameFrontendIPConfigurationAndProtocolIsNotSupported";
  f.expectBadPut(lbId("lb1"),
                 twoFrontendLb({{"outboundRules", {outboundRule("lb1", "o1", "Tcp", {fe("lb1")}),
                                                   outboundRule("lb1", "o2", "Tcp", {fe("lb1"), fe("lb1", "fe2")})}}}),
                 code);
  f.expectBadPut(lbId("lb1"),
                 twoFrontendLb({{"outboundRules", {outboundRule("lb1", "o1", "All", {fe("lb1")}),
                                                   outboundRule("lb1", "o2", "Udp", {fe("lb1")})}}}),
                 code);
  f.mustPut(lbId("lb1"), twoFrontendLb({{"outboundRules", {outboundRule("lb1", "o1", "Tcp", {fe("lb1")}),
                                                           outboundRule("lb1", "o2", "Udp", {fe("lb1")}),
                                                           outboundRule("lb1", "o3", "All", {fe("lb1", "fe2")})}}}));
}

// ---------------------------------------------------------------------------------------------
// V10

TEST_CASE("V10: a load balancer without frontends cannot have children", "[validation][V10]") {
  Net f;
  const std::string code = "LoadBalancerWithoutFrontendIPCantHaveChildResources";
  json base = {{"location", "westus"}, {"sku", {{"name", "Standard"}}}, {"properties", json::object()}};
  json withPool = base;
  withPool["properties"]["backendAddressPools"] = {{{"name", "be"}}};
  f.expectBadPut(lbId("lb1"), withPool, code);
  json withProbe = base;
  withProbe["properties"]["probes"] = {probe("hp", "Tcp", 80)};
  f.expectBadPut(lbId("lb1"), withProbe, code);
  // An empty load balancer is fine, and so is one with frontends only.
  f.mustPut(lbId("lb1"), base);
  json feOnly = publicLb("pip1");
  feOnly["properties"].erase("backendAddressPools");
  f.mustPut(lbId("lb1"), feOnly);
  // Removing the frontend while children remain is refused too.
  f.mustPut(lbId("lb1"), publicLb("pip1"));
  f.expectBadPut(lbId("lb1"), withPool, code);
}

// ---------------------------------------------------------------------------------------------
// V20: ranges at their edges

TEST_CASE("V20: load-balancing rule ports and idle timeout at the edges", "[validation][V20]") {
  Net f;
  auto rule = [&](int frontendPort, const json& extra) {
    return publicLb("pip1", {{"loadBalancingRules", {lbRule("lb1", "r", "Tcp", frontendPort, extra)}}});
  };
  f.mustPut(lbId("lb1"), rule(65534, json::object()));
  f.mustPut(lbId("lb1"), rule(1, {{"backendPort", 65535}}));
  f.mustPut(lbId("lb1"), rule(80, {{"idleTimeoutInMinutes", 4}}));
  f.mustPut(lbId("lb1"), rule(80, {{"idleTimeoutInMinutes", 30}}));
  auto r = f.expectBadPut(lbId("lb1"), rule(65535, {{"backendPort", 80}}), "InvalidParameter");
  CHECK(r.body["error"]["target"] == "properties.loadBalancingRules[0].properties.frontendPort");
  CHECK_THAT(r.message(), Catch::Contains("between 0 and 65534"));
  f.expectBadPut(lbId("lb1"), rule(-1, {{"backendPort", 80}}), "InvalidParameter");
  auto b = f.expectBadPut(lbId("lb1"), rule(80, {{"backendPort", 65536}}), "InvalidParameter");
  CHECK(b.body["error"]["target"] == "properties.loadBalancingRules[0].properties.backendPort");
  f.expectBadPut(lbId("lb1"), rule(80, {{"idleTimeoutInMinutes", 3}}), "InvalidParameter");
  auto idle = f.expectBadPut(lbId("lb1"), rule(80, {{"idleTimeoutInMinutes", 31}}), "InvalidParameter");
  CHECK_THAT(idle.message(), Catch::Contains("between 4 and 30"));
  // Port 0 means "any port" and is only valid as HA ports.
  f.expectBadPut(lbId("lb1"), rule(0, {{"backendPort", 80}}), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), rule(80, {{"backendPort", 0}}), "InvalidParameter");
  // A wrongly typed port names its path.
  auto typed = f.expectBadPut(lbId("lb1"), rule(80, {{"backendPort", "80"}}), "InvalidRequestFormat", "InvalidJsonTokenType");
  CHECK_THAT(typed.body["error"]["details"][0]["message"].get<std::string>(),
             Catch::Contains("properties.loadBalancingRules[0].properties.backendPort"));
}

TEST_CASE("V20: inbound NAT rule and NAT pool ports at the edges", "[validation][V20]") {
  Net f;
  auto nat = [&](int frontendPort, int backendPort, const json& extra = json::object()) {
    return publicLb("pip1", {{"inboundNatRules", {natRule("lb1", "n", "Tcp", frontendPort, backendPort, extra)}}});
  };
  f.mustPut(lbId("lb1"), nat(1, 1));
  f.mustPut(lbId("lb1"), nat(65534, 65535));
  f.mustPut(lbId("lb1"), nat(50000, 22, {{"idleTimeoutInMinutes", 30}}));
  f.expectBadPut(lbId("lb1"), nat(0, 22), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), nat(65535, 22), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), nat(50000, 0), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), nat(50000, 65536), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), nat(50000, 22, {{"idleTimeoutInMinutes", 3}}), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), nat(50000, 22, {{"idleTimeoutInMinutes", 31}}), "InvalidParameter");
  // A single-port rule with range 0/0, as Azure's responses show it and a GET-edit-PUT sends it.
  const json zeros = f.mustPut(lbId("lb1"), nat(50000, 22, {{"frontendPortRangeStart", 0}, {"frontendPortRangeEnd", 0}}));
  CHECK(zeros["properties"]["inboundNatRules"][0]["properties"]["frontendPort"] == 50000);

  auto ranged = [&](int start, int end) {
    return publicLb("pip1", {{"inboundNatRules", {rangedNat("lb1", "r", "Tcp", start, end)}}});
  };
  f.mustPut(lbId("lb1"), ranged(1, 65534));
  f.mustPut(lbId("lb1"), ranged(50000, 50000));
  f.expectBadPut(lbId("lb1"), ranged(0, 10), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), ranged(1, 65535), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), ranged(50010, 50000), "InvalidParameter");
  json noPool = ranged(50000, 50010);
  noPool["properties"]["inboundNatRules"][0]["properties"].erase("backendAddressPool");
  f.expectBadPut(lbId("lb1"), noPool, "InvalidParameter");
  json both = ranged(50000, 50010);
  both["properties"]["inboundNatRules"][0]["properties"]["frontendPort"] = 50000;
  f.expectBadPut(lbId("lb1"), both, "InvalidParameter");

  auto pool = [&](int start, int end, int backendPort) {
    return publicLb("pip1", {{"inboundNatPools", {natPool("lb1", "np", "Tcp", start, end, backendPort)}}});
  };
  f.mustPut(lbId("lb1"), pool(1, 65535, 65535));
  f.expectBadPut(lbId("lb1"), pool(0, 100, 22), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), pool(65535, 65535, 22), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), pool(1, 65536, 22), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), pool(100, 50, 22), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), pool(1, 100, 0), "InvalidParameter");
}

TEST_CASE("V20: probe port and interval, public IP idle timeout at the edges", "[validation][V20]") {
  Net f;
  auto withProbe = [&](int port, const json& extra = json::object()) {
    return publicLb("pip1", {{"probes", {probe("hp", "Tcp", port, extra)}}});
  };
  f.mustPut(lbId("lb1"), withProbe(1));
  f.mustPut(lbId("lb1"), withProbe(65535, {{"intervalInSeconds", 5}}));
  f.expectBadPut(lbId("lb1"), withProbe(0), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), withProbe(65536), "InvalidParameter");
  auto r = f.expectBadPut(lbId("lb1"), withProbe(80, {{"intervalInSeconds", 4}}), "InvalidParameter");
  CHECK(r.body["error"]["target"] == "properties.probes[0].properties.intervalInSeconds");

  auto pip = [](int idle) {
    return json{{"location", "westus"}, {"sku", {{"name", "Standard"}}}, {"properties", {{"idleTimeoutInMinutes", idle}}}};
  };
  f.mustPut(pipId("pip1"), pip(4));
  f.mustPut(pipId("pip1"), pip(30));
  f.expectBadPut(pipId("pip1"), pip(3), "InvalidParameter");
  f.expectBadPut(pipId("pip1"), pip(31), "InvalidParameter");
}

// ---------------------------------------------------------------------------------------------
// V21: frontend ports unique per frontend and protocol

TEST_CASE("V21: frontend ports are unique per frontend and protocol", "[validation][V21]") {
  Net f;
  const std::string code = "LoadBalancerRulesUseSameFrontendIPConfigurationAndPort";
  SECTION("two rules on the same port") {
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"loadBalancingRules",
                                      {lbRule("lb1", "a", "Tcp", 80, {{"backendPort", 8080}}),
                                       lbRule("lb1", "b", "Tcp", 80, {{"backendPort", 8081}})}}}),
                   code);
  }
  SECTION("a rule and a NAT rule on the same port") {
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"loadBalancingRules", {lbRule("lb1", "a", "Tcp", 50000)}},
                                     {"inboundNatRules", {natRule("lb1", "n", "Tcp", 50000, 22)}}}),
                   code);
  }
  SECTION("a NAT port range overlapping a single NAT port, at either end") {
    for (int single : {50000, 50005, 50010}) {
      INFO(single);
      f.expectBadPut(lbId("lb1"),
                     publicLb("pip1", {{"inboundNatRules", {rangedNat("lb1", "r", "Tcp", 50000, 50010),
                                                            natRule("lb1", "n", "Tcp", single, 22)}}}),
                     code);
    }
    f.mustPut(lbId("lb1"), publicLb("pip1", {{"inboundNatRules", {rangedNat("lb1", "r", "Tcp", 50000, 50010),
                                                                  natRule("lb1", "n", "Tcp", 50011, 22)}}}));
  }
  SECTION("overlapping and adjacent port ranges") {
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"inboundNatRules", {rangedNat("lb1", "r1", "Tcp", 50000, 50010),
                                                          rangedNat("lb1", "r2", "Tcp", 50010, 50020)}}}),
                   code);
    f.mustPut(lbId("lb1"), publicLb("pip1", {{"inboundNatRules", {rangedNat("lb1", "r1", "Tcp", 50000, 50009),
                                                                  rangedNat("lb1", "r2", "Tcp", 50010, 50019)}}}));
  }
  SECTION("a NAT pool range overlapping a rule is accepted (Azure does: Ansible's layout), not a NAT rule") {
    // Ansible's azure_rm_loadbalancer integration test, run against Azure: pool 80-81, rule on 80.
    const json both = f.mustPut(lbId("lb1"), publicLb("pip1", {{"loadBalancingRules", {lbRule("lb1", "a", "Tcp", 80)}},
                                                               {"inboundNatPools", {natPool("lb1", "np", "Tcp", 80, 81, 8080)}}}));
    CHECK(both["properties"]["inboundNatPools"].size() == 1);
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"inboundNatRules", {natRule("lb1", "n", "Tcp", 50005, 22)}},
                                     {"inboundNatPools", {natPool("lb1", "np", "Tcp", 50000, 50099, 22)}}}),
                   code);
  }
  SECTION("All overlaps Tcp and Udp; Tcp and Udp do not overlap each other") {
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"inboundNatRules", {natRule("lb1", "n1", "All", 50000, 22),
                                                          natRule("lb1", "n2", "Tcp", 50000, 23)}}}),
                   code);
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"inboundNatRules", {natRule("lb1", "n1", "Udp", 50000, 22)}},
                                     {"inboundNatPools", {natPool("lb1", "np", "All", 49990, 50000, 23)}}}),
                   code);
    f.mustPut(lbId("lb1"), publicLb("pip1", {{"inboundNatRules", {natRule("lb1", "n1", "Tcp", 50000, 22),
                                                                  natRule("lb1", "n2", "Udp", 50000, 23)}}}));
  }
  SECTION("the same port on two frontends") {
    json onFe2 = natRule("lb1", "n2", "Tcp", 50000, 22);
    onFe2["properties"]["frontendIPConfiguration"] = fe("lb1", "fe2");
    f.mustPut(lbId("lb1"), twoFrontendLb({{"inboundNatRules", {natRule("lb1", "n1", "Tcp", 50000, 22), onFe2}}}));
  }
}

// ---------------------------------------------------------------------------------------------
// V22, V23, V24

TEST_CASE("V22: requestPath is required for Http/Https probes and forbidden for Tcp", "[validation][V22]") {
  Net f;
  auto r = f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"probes", {probe("hp", "Http", 80)}}}), "InvalidParameter");
  CHECK(r.body["error"]["target"] == "properties.probes[0].properties.requestPath");
  f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"probes", {probe("hp", "Https", 443)}}}), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"probes", {probe("hp", "Http", 80, {{"requestPath", ""}})}}}),
                 "InvalidParameter");
  // Without a leading '/', as Azure's own examples send it ("healthcheck.aspx"): stored as sent
  // (the probe requests "/healthcheck.aspx", see probe_policy).
  auto relative =
      f.mustPut(lbId("lb1"), publicLb("pip1", {{"probes", {probe("hp", "Http", 80, {{"requestPath", "healthcheck.aspx"}})}}}));
  CHECK(relative["properties"]["probes"][0]["properties"]["requestPath"] == "healthcheck.aspx");
  f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"probes", {probe("hp", "Tcp", 80, {{"requestPath", "/"}})}}}),
                 "InvalidParameter");
  f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"probes", {probe("hp", "Icmp", 80)}}}), "InvalidParameter");
  f.mustPut(lbId("lb1"), publicLb("pip1", {{"probes", {probe("hp", "Http", 80, {{"requestPath", "/"}}),
                                                        probe("hs", "Https", 443, {{"requestPath", "/health"}})}}}));
  // Https probes are a Standard feature.
  f.expectBadPut(lbId("lb2"),
                 publicLb("bpip", {{"probes", {probe("hs", "Https", 443, {{"requestPath", "/"}})}}}, "Basic"),
                 "InvalidParameter");
}

TEST_CASE("probe noHealthyBackendsBehavior takes Azure's two values, in any case, and nothing else",
          "[validation][probes]") {
  Net f;
  auto r = f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"probes", {probe("tp", "Tcp", 80, {{"noHealthyBackendsBehavior", "AllUp"}})}}}),
                          "InvalidParameter");
  CHECK(r.body["error"]["target"] == "properties.probes[0].properties.noHealthyBackendsBehavior");
  f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"probes", {probe("tp", "Tcp", 80, {{"noHealthyBackendsBehavior", 1}})}}}),
                 "InvalidRequestFormat");
  auto ok = f.mustPut(lbId("lb1"), publicLb("pip1", {{"probes", {probe("tp", "Tcp", 80, {{"noHealthyBackendsBehavior", "allprobedup"}}),
                                                                 probe("tq", "Tcp", 81)}}}));
  CHECK(ok["properties"]["probes"][0]["properties"]["noHealthyBackendsBehavior"] == "AllProbedUp");
  CHECK_FALSE(ok["properties"]["probes"][1]["properties"].contains("noHealthyBackendsBehavior"));
}

TEST_CASE("V23: required properties missing (or null) are MissingJsonProperty", "[validation][V23]") {
  Net f;
  auto without = [](json item, const std::string& key) {
    item["properties"].erase(key);
    return item;
  };
  auto nulled = [](json item, const std::string& key) {
    item["properties"][key] = nullptr;
    return item;
  };
  struct Case {
    std::string collection;
    json item;
    std::vector<std::string> required;
  };
  std::vector<Case> cases = {
      {"loadBalancingRules", lbRule("lb1", "web", "Tcp", 80), {"protocol", "frontendPort"}},
      {"probes", probe("hp", "Tcp", 80), {"protocol", "port"}},
      {"outboundRules", outboundRule("lb1", "out", "All", {fe("lb1")}),
       {"protocol", "backendAddressPool", "frontendIPConfigurations"}},
      {"inboundNatPools", natPool("lb1", "np", "Tcp", 50000, 50100, 22),
       {"protocol", "frontendPortRangeStart", "frontendPortRangeEnd", "backendPort"}},
      {"inboundNatRules", natRule("lb1", "n", "Tcp", 50000, 22), {"protocol", "backendPort", "frontendPort"}},
  };
  for (const auto& c : cases)
    for (const auto& key : c.required) {
      INFO(c.collection << "." << key);
      auto r = f.expectBadPut(lbId("lb1"), publicLb("pip1", {{c.collection, {without(c.item, key)}}}),
                              "InvalidRequestFormat", "MissingJsonProperty");
      CHECK(r.message() == "Cannot parse the request.");
      CHECK_THAT(r.body["error"]["details"][0]["message"].get<std::string>(),
                 Catch::Contains("'" + key + "'") && Catch::Contains("properties." + c.collection + "[0].properties"));
      f.expectBadPut(lbId("lb1"), publicLb("pip1", {{c.collection, {nulled(c.item, key)}}}), "InvalidRequestFormat",
                     "MissingJsonProperty");
    }
  // Sanity: the complete items are accepted together.
  f.mustPut(lbId("lb1"), publicLb("pip1", {{"loadBalancingRules", {lbRule("lb1", "web", "Tcp", 80)}},
                                           {"probes", {probe("hp", "Tcp", 80)}},
                                           {"outboundRules", {outboundRule("lb1", "out", "All", {fe("lb1")})}},
                                           {"inboundNatRules", {natRule("lb1", "n", "Tcp", 50000, 22)}}}));
}

TEST_CASE("V24: child names are unique case-insensitively in every collection", "[validation][V24]") {
  Net f;
  SECTION("probes") {
    f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"probes", {probe("hp", "Tcp", 80), probe("HP", "Tcp", 81)}}}),
                   "InvalidRequestFormat");
  }
  SECTION("frontends") {
    json lb = publicLb("pip1");
    lb["properties"]["frontendIPConfigurations"].push_back(
        {{"name", "FE"}, {"properties", {{"publicIPAddress", idRef(pipId("pip2"))}}}});
    f.expectBadPut(lbId("lb1"), lb, "InvalidRequestFormat");
  }
  SECTION("pools, rules and NAT rules") {
    json lb = publicLb("pip1");
    lb["properties"]["backendAddressPools"].push_back({{"name", "Be"}});
    f.expectBadPut(lbId("lb1"), lb, "InvalidRequestFormat");
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"loadBalancingRules", {lbRule("lb1", "web", "Tcp", 80), lbRule("lb1", "WEB", "Udp", 80)}}}),
                   "InvalidRequestFormat");
    f.expectBadPut(lbId("lb1"),
                   publicLb("pip1", {{"inboundNatRules", {natRule("lb1", "n", "Tcp", 50000, 22),
                                                          natRule("lb1", "N", "Tcp", 50001, 22)}}}),
                   "InvalidRequestFormat");
  }
  SECTION("subnets and NIC ipConfigurations") {
    f.expectBadPut(vnetId("vnet2"),
                   {{"location", "westus"},
                    {"properties",
                     {{"addressSpace", {{"addressPrefixes", {"10.1.0.0/16"}}}},
                      {"subnets", {{{"name", "a"}, {"properties", {{"addressPrefix", "10.1.0.0/24"}}}},
                                   {{"name", "A"}, {"properties", {{"addressPrefix", "10.1.1.0/24"}}}}}}}}},
                   "InvalidRequestFormat");
    json nic = ServiceFixture::nicBody("vnet1", "default");
    json second = nic["properties"]["ipConfigurations"][0];
    second["name"] = "IPCONFIG1";
    nic["properties"]["ipConfigurations"].push_back(second);
    f.expectBadPut(nicId("nic1"), nic, "InvalidRequestFormat");
  }
  SECTION("a child without a name") {
    json lb = publicLb("pip1");
    lb["properties"]["backendAddressPools"].push_back(json::object());
    f.expectBadPut(lbId("lb1"), lb, "InvalidRequestFormat");
  }
}

// ---------------------------------------------------------------------------------------------
// Standard-only features (V25)

TEST_CASE("HA ports are only for internal Standard load balancers", "[validation][V25]") {
  Net f;
  json ha = lbRule("ilb", "ha", "All", 0, {{"backendPort", 0}});
  f.mustPut(lbId("ilb"), internalLb("vnet1", "default", {{"loadBalancingRules", {ha}}}));
  f.expectBadPut(lbId("ilb2"), internalLb("vnet1", "default", {{"loadBalancingRules", {lbRule("ilb2", "ha", "All", 0, {{"backendPort", 0}})}}}, "Basic"),
                 "InvalidParameter");
  f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"loadBalancingRules", {lbRule("lb1", "ha", "All", 0, {{"backendPort", 0}})}}}),
                 "InvalidParameter");
  f.expectBadPut(lbId("ilb3"), internalLb("vnet1", "default", {{"loadBalancingRules", {lbRule("ilb3", "ha", "Tcp", 0, {{"backendPort", 0}})}}}),
                 "InvalidParameter");
  f.expectBadPut(lbId("ilb3"), internalLb("vnet1", "default", {{"loadBalancingRules", {lbRule("ilb3", "ha", "All", 0, {{"backendPort", 80}})}}}),
                 "InvalidParameter");
}

TEST_CASE("outbound rules are only for Standard; allocatedOutboundPorts is a multiple of 8", "[validation][V25]") {
  Net f;
  f.expectBadPut(lbId("lb2"), publicLb("bpip", {{"outboundRules", {outboundRule("lb2", "out", "All", {fe("lb2")})}}}, "Basic"),
                 "OutboundRulesNotSupportedOnBasicSku");
  auto withPorts = [&](const json& ports) {
    return publicLb("pip1", {{"outboundRules", {outboundRule("lb1", "out", "All", {fe("lb1")}, {{"allocatedOutboundPorts", ports}})}}});
  };
  auto body = f.mustPut(lbId("lb1"), withPorts(1024));
  auto ob = childOf(body, "outboundRules", "out")["properties"];
  CHECK(ob["allocatedOutboundPorts"] == 1024);
  CHECK(ob["idleTimeoutInMinutes"] == 4);
  CHECK(ob["enableTcpReset"] == false);
  f.mustPut(lbId("lb1"), withPorts(0));
  f.mustPut(lbId("lb1"), withPorts(8));
  auto r = f.expectBadPut(lbId("lb1"), withPorts(1001), "SpecifiedAllocatedOutboundPortsForOutboundRuleIsNotAMultipleOfEight");
  CHECK_THAT(r.body["error"].value("message", ""), Catch::Contains("Specified Allocated Outbound Ports 1001 for Outbound Rule"));
  f.expectBadPut(lbId("lb1"), withPorts(-8), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), publicLb("pip1", {{"outboundRules", {outboundRule("lb1", "out", "All", {})}}}),
                 "InvalidParameter");
}

TEST_CASE("IP-based backend addresses are Standard-only, unique and inside their vnet", "[validation][V25]") {
  Net f;
  auto withAddrs = [&](const json& addrs, const std::string& sku = "Standard", const std::string& pip = "pip1") {
    json lb = publicLb(pip, {}, sku);
    lb["properties"]["backendAddressPools"][0]["properties"] = {{"loadBalancerBackendAddresses", addrs}};
    return lb;
  };
  auto addr = [](const std::string& name, const std::string& ip) {
    return json{{"name", name}, {"properties", {{"ipAddress", ip}, {"virtualNetwork", idRef(vnetId("vnet1"))}}}};
  };
  f.mustPut(lbId("lb1"), withAddrs(json::array({addr("a", "10.0.0.10"), addr("b", "10.0.0.11")})));
  f.expectBadPut(lbId("lb2"), withAddrs(json::array({addr("a", "10.0.0.10")}), "Basic", "bpip"),
                 "IpBasedBackendAddressPoolNotSupportedOnBasicSku");
  f.expectBadPut(lbId("lb1"), withAddrs({addr("a", "10.0.0.10"), addr("b", "10.0.0.10")}),
                 "DuplicateIpAddressInBackendAddressPool");
  f.expectBadPut(lbId("lb1"), withAddrs({addr("a", "10.0.0.10"), addr("A", "10.0.0.11")}), "InvalidRequestFormat");
  f.expectBadPut(lbId("lb1"), withAddrs(json::array({addr("a", "10.9.0.10")})), "LoadBalancerBackendAddressIpNotInVirtualNetwork");
  f.expectBadPut(lbId("lb1"), withAddrs(json::array({addr("a", "10.0.0.300")})), "InvalidParameter");
  f.expectBadPut(lbId("lb1"), withAddrs(json::array({json{{"properties", {{"ipAddress", "10.0.0.10"}}}}})), "InvalidRequestFormat",
                 "MissingJsonProperty");
}

// ---------------------------------------------------------------------------------------------
// Public IPs in use

TEST_CASE("a public IP can be used by one frontend or ipConfiguration only", "[validation][pip]") {
  Net f;
  SECTION("two frontends of one load balancer") {
    json lb = publicLb("pip1");
    lb["properties"]["frontendIPConfigurations"].push_back(
        {{"name", "fe2"}, {"properties", {{"publicIPAddress", idRef(pipId("pip1"))}}}});
    f.expectBadPut(lbId("lb1"), lb, "PublicIPAddressInUse");
  }
  SECTION("frontends of two load balancers") {
    f.mustPut(lbId("lb1"), publicLb("pip1"));
    auto r = f.expectBadPut(lbId("lb2"), publicLb("pip1"), "PublicIPAddressInUse");
    CHECK_THAT(r.message(), Catch::Contains(lbChild("lb1", "frontendIPConfigurations", "fe")));
  }
  SECTION("a frontend and a NIC, either order") {
    f.mustPut(lbId("lb1"), publicLb("pip1"));
    f.expectBadPut(nicId("nic1"), ServiceFixture::nicBody("vnet1", "default", {{"publicIPAddress", idRef(pipId("pip1"))}}),
                   "PublicIPAddressInUse");
    f.mustPut(nicId("nic2"), ServiceFixture::nicBody("vnet1", "default", {{"publicIPAddress", idRef(pipId("pip2"))}}));
    f.expectBadPut(lbId("lb2"), publicLb("pip2"), "PublicIPAddressInUse");
  }
  SECTION("two ipConfigurations of one NIC") {
    json nic = ServiceFixture::nicBody("vnet1", "default", {{"publicIPAddress", idRef(pipId("pip1"))}});
    json second = nic["properties"]["ipConfigurations"][0];
    second["name"] = "ipconfig2";
    nic["properties"]["ipConfigurations"].push_back(second);
    f.expectBadPut(nicId("nic1"), nic, "PublicIPAddressInUse");
  }
  SECTION("re-PUT of the same load balancer keeps its own IP, also under a renamed frontend") {
    f.mustPut(lbId("lb1"), publicLb("pip1"));
    f.mustPut(lbId("lb1"), publicLb("pip1"));
    json renamed = publicLb("pip1");
    renamed["properties"]["frontendIPConfigurations"][0]["name"] = "fe-new";
    f.mustPut(lbId("lb1"), renamed);
    CHECK(f.mustGet(pipId("pip1"))["properties"]["ipConfiguration"] ==
          idRef(lbChild("lb1", "frontendIPConfigurations", "fe-new")));
  }
  SECTION("a NIC may move its public IP to another of its ipConfigurations") {
    json nic = ServiceFixture::nicBody("vnet1", "default", {{"publicIPAddress", idRef(pipId("pip1"))}});
    f.mustPut(nicId("nic1"), nic);
    nic["properties"]["ipConfigurations"][0]["name"] = "ipconfig2";
    f.mustPut(nicId("nic1"), nic);
  }
}

TEST_CASE("V11: a public IP in use cannot be deleted", "[validation][V11]") {
  Net f;
  f.mustPut(lbId("lb1"), publicLb("pip1"));
  auto r = f.expectRefused("DELETE", pipId("pip1"), json(), 400, "PublicIPAddressCannotBeDeleted");
  CHECK(r.message() == "Public IP address " + pipId("pip1") + " can not be deleted since it is still allocated to resource " +
                           lbChild("lb1", "frontendIPConfigurations", "fe") + ".");
  CHECK(f.del(lbId("lb1")).status == 202);
  CHECK(f.del(pipId("pip1")).status == 202);
}

// ---------------------------------------------------------------------------------------------
// Private addresses

TEST_CASE("static private addresses: reserved, in use, outside the subnet, malformed", "[validation][nic]") {
  Net f;
  f.mustPut(nicId("nic1"), ServiceFixture::nicBody("vnet1", "default"));  // 10.0.0.4
  auto staticIp = [](const std::string& ip) {
    return ServiceFixture::nicBody("vnet1", "default", {{"privateIPAllocationMethod", "Static"}, {"privateIPAddress", ip}});
  };
  for (const char* reserved : {"10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.255"}) {
    INFO(reserved);
    f.expectBadPut(nicId("nic2"), staticIp(reserved), "PrivateIPAddressIsReserved");
  }
  auto inUse = f.expectBadPut(nicId("nic2"), staticIp("10.0.0.4"), "PrivateIPAddressInUse");
  CHECK_THAT(inUse.message(), Catch::Contains(nicId("nic1") + "/ipConfigurations/ipconfig1"));
  f.expectBadPut(nicId("nic2"), staticIp("10.0.1.5"), "PrivateIPAddressNotInSubnet");
  f.expectBadPut(nicId("nic2"), staticIp("10.0.0.999"), "PrivateIPAddressInvalid");
  f.expectBadPut(nicId("nic2"), ServiceFixture::nicBody("vnet1", "default", {{"privateIPAllocationMethod", "Static"}}),
                 "PrivateIPAddressInvalid");
  auto ok = f.mustPut(nicId("nic2"), staticIp("10.0.0.254"));
  CHECK(childOf(ok, "ipConfigurations", "ipconfig1")["properties"]["privateIPAllocationMethod"] == "Static");
  // The NIC may keep its own address on update.
  f.mustPut(nicId("nic2"), staticIp("10.0.0.254"));

  // Internal frontends take part: a static frontend address cannot be a NIC's, and vice versa.
  json ilb = internalLb("vnet1", "default");
  ilb["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAllocationMethod"] = "Static";
  ilb["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAddress"] = "10.0.0.4";
  f.expectBadPut(lbId("ilb"), ilb, "PrivateIPAddressInUse");
  ilb["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAddress"] = "10.0.0.2";
  f.expectBadPut(lbId("ilb"), ilb, "PrivateIPAddressIsReserved");
  ilb["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAddress"] = "10.0.1.9";
  f.expectBadPut(lbId("ilb"), ilb, "PrivateIPAddressNotInSubnet");
  ilb["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAddress"] = "10.0.0.100";
  f.mustPut(lbId("ilb"), ilb);
  f.expectBadPut(nicId("nic3"), staticIp("10.0.0.100"), "PrivateIPAddressInUse");
}

TEST_CASE("NIC structure: ipConfigurations, subnet and a single virtual network", "[validation][nic]") {
  Net f;
  f.putVnet("vnet2", {{"default", "10.1.0.0/24"}}, "10.1.0.0/16");
  f.expectBadPut(nicId("nic1"), {{"location", "westus"}, {"properties", {{"ipConfigurations", json::array()}}}},
                 "NetworkInterfaceMustHaveAtLeastOneIpConfiguration");
  f.expectBadPut(nicId("nic1"),
                 {{"location", "westus"}, {"properties", {{"ipConfigurations", {{{"name", "c"}, {"properties", json::object()}}}}}}},
                 "SubnetRequiredForIpConfiguration");
  json nic = ServiceFixture::nicBody("vnet1", "default");
  nic["properties"]["ipConfigurations"].push_back({{"name", "c2"}, {"properties", {{"subnet", idRef(subnetId("vnet2", "default"))}}}});
  f.expectBadPut(nicId("nic1"), nic, "IpConfigurationsOfNicInDifferentVirtualNetworks");
  // A secondary configuration without a subnet is in the primary's (Azure), wherever it is listed.
  json secondary = ServiceFixture::nicBody("vnet1", "default");
  secondary["properties"]["ipConfigurations"][0]["properties"]["primary"] = true;
  const json c0 = {{"name", "c0"}, {"properties", {{"primary", false}}}};
  secondary["properties"]["ipConfigurations"].insert(secondary["properties"]["ipConfigurations"].begin(), c0);
  auto both = f.mustPut(nicId("nic2"), secondary);
  CHECK(both["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"] == subnetId("vnet1", "default"));
}

TEST_CASE("a full subnet refuses one more address", "[validation][nic]") {
  Net f;
  f.putVnet("tiny", {{"s", "10.2.0.0/29"}}, "10.2.0.0/16");  // 8 addresses, 3 usable (.4 .5 .6)
  for (const char* name : {"n1", "n2", "n3"}) f.mustPut(nicId(name), ServiceFixture::nicBody("tiny", "s"));
  f.expectBadPut(nicId("n4"), ServiceFixture::nicBody("tiny", "s"), "SubnetIsFull");
  f.expectBadPut(lbId("ilb"), internalLb("tiny", "s"), "SubnetIsFull");
}

// ---------------------------------------------------------------------------------------------
// Virtual networks and subnets

TEST_CASE("subnets must fit the vnet, not overlap and be at least a /29", "[validation][vnet]") {
  Net f;
  auto vnet = [](const json& subnets, const json& space = json{"10.5.0.0/16"}) {
    return json{{"location", "westus"},
                {"properties", {{"addressSpace", {{"addressPrefixes", space}}}, {"subnets", subnets}}}};
  };
  auto subnet = [](const std::string& name, const std::string& prefix) {
    return json{{"name", name}, {"properties", {{"addressPrefix", prefix}}}};
  };
  auto r = f.expectBadPut(vnetId("v"), vnet({subnet("a", "10.5.0.0/24"), subnet("b", "10.5.0.128/25")}),
                          "NetcfgSubnetRangesOverlap");
  CHECK_THAT(r.message(), Catch::Contains("'b'") && Catch::Contains("'a'"));
  f.expectBadPut(vnetId("v"), vnet(json::array({subnet("a", "10.6.0.0/24")})), "NetcfgSubnetRangeOutsideVnet");
  f.expectBadPut(vnetId("v"), vnet(json::array({subnet("a", "10.4.0.0/15")})), "NetcfgSubnetRangeOutsideVnet");
  f.expectBadPut(vnetId("v"), vnet(json::array({subnet("a", "10.5.0.0/30")})), "NetcfgInvalidSubnet");
  f.expectBadPut(vnetId("v"), vnet(json::array({subnet("a", "10.5.0.1/24")})), "InvalidAddressPrefixFormat");
  f.expectBadPut(vnetId("v"), vnet(json::array({subnet("a", "10.5.0.0/24")}), json{"10.5.0.1/16"}), "InvalidAddressPrefixFormat");
  f.expectBadPut(vnetId("v"), vnet(json::array({subnet("a", "10.5.0.0/24")}), json::array()), "InvalidRequestFormat");
  f.mustPut(vnetId("v"), vnet({subnet("a", "10.5.0.0/29"), subnet("b", "10.5.0.8/29")}));
  // Subnets of a second address space count.
  f.mustPut(vnetId("v2"), vnet({subnet("a", "10.5.0.0/24"), subnet("b", "192.168.1.0/24")},
                               json{"10.5.0.0/16", "192.168.0.0/16"}));
  // A child subnet PUT is checked against its siblings.
  f.expectBadPut(subnetId("vnet1", "clash"), {{"properties", {{"addressPrefix", "10.0.0.0/25"}}}},
                 "NetcfgSubnetRangesOverlap");
}

TEST_CASE("dual-stack VNets: IPv6 prefixes in the address space and subnets are stored and checked", "[validation][vnet]") {
  Net f;
  auto vnet = [](const json& subnets, const json& space = json{"10.5.0.0/16", "fdae:f296:2787::/48"}) {
    return json{{"location", "westus"},
                {"properties", {{"addressSpace", {{"addressPrefixes", space}}}, {"subnets", subnets}}}};
  };
  auto subnet = [](const std::string& name, const json& prefixes) {
    return json{{"name", name}, {"properties", {{"addressPrefixes", prefixes}}}};
  };
  const json ok = f.mustPut(vnetId("v"), vnet({subnet("a", {"10.5.0.0/24", "fdae:f296:2787:1::/64"}),
                                                subnet("b", {"fdae:f296:2787:2::/64", "10.5.1.0/24"})}));
  CHECK(ok["properties"]["addressSpace"]["addressPrefixes"][1] == "fdae:f296:2787::/48");
  CHECK(ok["properties"]["subnets"][1]["properties"]["addressPrefixes"][0] == "fdae:f296:2787:2::/64");
  // A NIC in the dual-stack subnet gets its IPv4 address from the IPv4 prefix, whichever comes first.
  const json nic = f.mustPut(nicId("n"), ServiceFixture::nicBody("v", "b"));
  CHECK(nic["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"] == "10.5.1.4");
  f.expectBadPut(vnetId("v2"), vnet(json::array({subnet("a", {"10.5.0.0/24"})}), json{"10.5.0.0/16", "fdae::1/48"}),
                 "InvalidAddressPrefixFormat");
  f.expectBadPut(vnetId("v2"), vnet(json::array({subnet("a", {"10.5.0.0/24", "fdae:f296:2788::/64"})})),
                 "NetcfgSubnetRangeOutsideVnet");
  f.expectBadPut(vnetId("v2"), vnet(json::array({subnet("a", {"10.5.0.0/24", "fdae:zz::/64"})})),
                 "InvalidAddressPrefixFormat");
  f.expectBadPut(vnetId("v2"), vnet({subnet("a", {"10.5.0.0/24", "fdae:f296:2787:1::/64"}),
                                     subnet("b", {"10.5.1.0/24", "fdae:f296:2787::/56"})}),
                 "NetcfgSubnetRangesOverlap");
  // Every subnet still needs an IPv4 prefix (the data plane is IPv4).
  f.expectBadPut(vnetId("v2"), vnet(json::array({subnet("a", {"fdae:f296:2787:1::/64"})})), "InvalidAddressPrefixFormat");
}

TEST_CASE("V12: a subnet in use cannot be deleted, nor shrunk away from its users", "[validation][V12]") {
  Net f;
  f.mustPut(nicId("nic1"), ServiceFixture::nicBody("vnet1", "default"));
  json withoutDefault = {{"location", "westus"},
                         {"properties", {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}},
                                         {"subnets", {{{"name", "other"}, {"properties", {{"addressPrefix", "10.0.1.0/24"}}}}}}}}};
  auto r = f.expectBadPut(vnetId("vnet1"), withoutDefault, "InUseSubnetCannotBeDeleted");
  CHECK_THAT(r.message(), Catch::Contains(nicId("nic1") + "/ipConfigurations/ipconfig1"));
  f.expectRefused("DELETE", subnetId("vnet1", "default"), json(), 400, "InUseSubnetCannotBeDeleted");
  f.expectRefused("DELETE", vnetId("vnet1"), json(), 400, "InUseSubnetCannotBeDeleted");

  json moved = withoutDefault;
  moved["properties"]["subnets"].push_back({{"name", "default"}, {"properties", {{"addressPrefix", "10.0.2.0/24"}}}});
  f.expectBadPut(vnetId("vnet1"), moved, "InUseSubnetCannotBeUpdated");

  // Internal frontends use subnets too.
  f.mustPut(lbId("ilb"), internalLb("vnet1", "other"));
  f.expectRefused("DELETE", subnetId("vnet1", "other"), json(), 400, "InUseSubnetCannotBeDeleted");

  // Unused subnets go.
  f.mustPut(subnetId("vnet1", "spare"), {{"properties", {{"addressPrefix", "10.0.9.0/24"}}}});
  CHECK(f.del(subnetId("vnet1", "spare")).status == 202);
  CHECK(f.get(subnetId("vnet1", "spare")).status == 404);
}

// ---------------------------------------------------------------------------------------------
// Load balancer parts that NICs use

TEST_CASE("pools and NAT rules referenced by NICs cannot be removed; such a load balancer cannot be deleted",
          "[validation][lb]") {
  Net f;
  json lb = publicLb("pip1", {{"inboundNatRules", {natRule("lb1", "ssh", "Tcp", 50000, 22)}}});
  lb["properties"]["backendAddressPools"].push_back({{"name", "spare"}});
  f.mustPut(lbId("lb1"), lb);
  f.mustPut(nicId("nic1"),
            ServiceFixture::nicBody("vnet1", "default",
                                    {{"loadBalancerBackendAddressPools", {pool("lb1")}},
                                     {"loadBalancerInboundNatRules", {idRef(lbChild("lb1", "inboundNatRules", "ssh"))}}}));

  json noPool = lb;
  noPool["properties"]["backendAddressPools"] = {{{"name", "spare"}}};
  auto r = f.expectBadPut(lbId("lb1"), noPool, "InUseBackendAddressPoolCannotBeDeleted");
  CHECK_THAT(r.message(), Catch::Contains(lbChild("lb1", "backendAddressPools", "be")) &&
                              Catch::Contains(nicId("nic1") + "/ipConfigurations/ipconfig1"));
  f.expectRefused("DELETE", lbChild("lb1", "backendAddressPools", "be"), json(), 400,
                  "InUseBackendAddressPoolCannotBeDeleted");
  json noNat = lb;
  noNat["properties"]["inboundNatRules"] = json::array();
  f.expectBadPut(lbId("lb1"), noNat, "InUseInboundNatRuleCannotBeDeleted");
  f.expectRefused("DELETE", lbChild("lb1", "inboundNatRules", "ssh"), json(), 400, "InUseInboundNatRuleCannotBeDeleted");
  auto d = f.expectRefused("DELETE", lbId("lb1"), json(), 400, "LoadBalancerInUseByNetworkInterface");
  CHECK_THAT(d.message(), Catch::Contains(nicId("nic1") + "/ipConfigurations/ipconfig1"));

  // The unused pool can go; once the NIC leaves, everything can.
  CHECK(f.del(lbChild("lb1", "backendAddressPools", "spare")).status == 202);
  f.mustPut(nicId("nic1"), ServiceFixture::nicBody("vnet1", "default"));
  CHECK(f.del(lbId("lb1")).status == 202);
}

TEST_CASE("V19: the backend pools of a Basic load balancer change only through the whole load balancer",
          "[validation][V19]") {
  Net f;
  f.mustPut(lbId("lb2"), publicLb("bpip", {}, "Basic"));
  f.expectRefused("PUT", lbChild("lb2", "backendAddressPools", "be2"), {{"properties", json::object()}}, 400,
                  "OperationNotSupportedForBasicSkuLoadBalancer");
  f.expectRefused("DELETE", lbChild("lb2", "backendAddressPools", "be"), json(), 400,
                  "OperationNotSupportedForBasicSkuLoadBalancer");
  // Standard: the child PUT works and answers with the child.
  f.mustPut(lbId("lb1"), publicLb("pip1"));
  auto r = f.put(lbChild("lb1", "backendAddressPools", "be2"), {{"properties", json::object()}});
  CHECK(r.status == 201);
  CHECK(r.body["id"] == lbChild("lb1", "backendAddressPools", "be2"));
  // Read-only children have no PUT of their own.
  f.expectRefused("PUT", lbChild("lb1", "probes", "hp"), probe("hp", "Tcp", 80), 405, "MethodNotAllowed");
}

// ---------------------------------------------------------------------------------------------
// Envelope-level checks

TEST_CASE("envelope checks: names, body, types, api-version, If-Match", "[validation]") {
  Net f;
  f.expectBadPut(pipId("-bad"), {{"location", "westus"}}, "InvalidResourceName");
  f.expectBadPut(pipId("bad."), {{"location", "westus"}}, "InvalidResourceName");
  f.expectBadPut(pipId(std::string(81, 'a')), {{"location", "westus"}}, "InvalidResourceName");
  f.mustPut(pipId(std::string(80, 'a')), {{"location", "westus"}});
  f.expectRefused("PUT", pipId("p"), json::array({1}), 400, "InvalidRequestFormat");
  f.expectBadPut(lbId("lb1"), {{"location", "westus"}, {"properties", "nope"}}, "InvalidRequestFormat");
  f.expectBadPut(lbId("lb1"), {{"location", "westus"}, {"sku", "Standard"}}, "InvalidRequestFormat");
  f.expectBadPut(lbId("lb1"), {{"location", 5}}, "InvalidRequestFormat");
  f.expectBadPut(lbId("lb1"), {{"location", "westus"}, {"properties", {{"frontendIPConfigurations", {{"name", "x"}}}}}},
                 "InvalidRequestFormat");

  auto noVersion = f.send("GET", pipId("pip1"), json(), "");
  CHECK(noVersion.status == 400);
  CHECK(noVersion.code() == "MissingApiVersionParameter");
  auto badVersion = f.send("GET", pipId("pip1"), json(), "yesterday");
  CHECK(badVersion.status == 400);
  CHECK(badVersion.code() == "InvalidApiVersionParameter");
  CHECK(f.send("GET", pipId("pip1"), json(), "2099-01-01-preview").status == 200);

  auto etag = f.mustGet(pipId("pip1"))["etag"].get<std::string>();
  auto before = f.snapshot();
  auto pre = f.send("PUT", pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}, kApi,
                    {{"If-Match", "W/\"stale\""}});
  CHECK(pre.status == 412);
  CHECK(pre.code() == "PreconditionFailed");
  auto none = f.send("PUT", pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}, kApi,
                     {{"If-None-Match", "*"}});
  CHECK(none.status == 412);
  CHECK(f.snapshot() == before);
  CHECK(f.send("PUT", pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}, kApi,
               {{"If-Match", etag}}).status == 200);

  auto missingGroup = f.put(netId("publicIPAddresses", "p", "nogroup"), {{"location", "westus"}});
  CHECK(missingGroup.status == 404);
  CHECK(missingGroup.code() == "ResourceGroupNotFound");
  auto badType = f.get(rgId() + "/providers/Microsoft.Network/routeTables/rt");
  CHECK(badType.status == 400);
  CHECK(badType.code() == "InvalidResourceType");
}

// ---------------------------------------------------------------------------------------------
// Wrongly typed JSON is the client's error: 400 InvalidRequestFormat naming the property, never a 500.

TEST_CASE("wrongly typed properties are InvalidRequestFormat, never an internal error", "[validation][types]") {
  Net f;
  auto pip = [](const json& sku, const json& props) {
    return json{{"location", "westus"}, {"sku", sku}, {"properties", props}};
  };
  auto check = [&](const std::string& path, const json& body, const std::string& property) {
    auto r = f.expectBadPut(path, body, "InvalidRequestFormat", "InvalidJsonTokenType");
    CHECK_THAT(r.body["error"]["details"][0]["message"].get<std::string>(), Catch::Contains("'" + property + "'"));
  };
  check(pipId("p"), pip({{"name", 5}}, json::object()), "sku.name");
  check(pipId("p"), pip({{"name", "Standard"}, {"tier", true}}, json::object()), "sku.tier");
  check(pipId("p"), pip({{"name", "Standard"}}, {{"dnsSettings", {{"domainNameLabel", 5}}}}),
        "properties.dnsSettings.domainNameLabel");
  check(pipId("p"), pip({{"name", "Standard"}}, {{"idleTimeoutInMinutes", 4.5}}), "properties.idleTimeoutInMinutes");

  json lbSku = publicLb("pip1");
  lbSku["sku"] = {{"name", 5}};
  check(lbId("lb1"), lbSku, "sku.name");

  auto withAddr = [&](const json& addr) {
    json lb = publicLb("pip1");
    lb["properties"]["backendAddressPools"][0]["properties"] = {{"loadBalancerBackendAddresses", json::array({addr})}};
    return lb;
  };
  const std::string addrPath = "properties.backendAddressPools[0].properties.loadBalancerBackendAddresses[0]";
  check(lbId("lb1"), withAddr({{"name", 5}, {"properties", {{"ipAddress", "10.0.0.10"}}}}), addrPath + ".name");
  check(lbId("lb1"), withAddr({{"name", "a"}, {"properties", {{"ipAddress", 5}}}}), addrPath + ".properties.ipAddress");
  check(lbId("lb1"), withAddr({{"name", "a"}, {"properties", {{"ipAddress", "10.0.0.10"}, {"adminState", 1}}}}),
        addrPath + ".properties.adminState");

  json vnet = {{"location", "westus"},
               {"properties", {{"addressSpace", {{"addressPrefixes", {"10.9.0.0/16"}}}},
                               {"subnets", {{{"name", "s"}, {"properties", {{"addressPrefix", 5}}}}}}}}};
  check(vnetId("v9"), vnet, "properties.subnets[0].properties.addressPrefix");

  check(nicId("nic1"),
        ServiceFixture::nicBody("vnet1", "default", {{"loadBalancerBackendAddressPools", {{{"id", 5}}}}}),
        "properties.ipConfigurations[0].properties.loadBalancerBackendAddressPools[0].id");
  check(nicId("nic1"), ServiceFixture::nicBody("vnet1", "default", {{"loadBalancerInboundNatRules", {"x"}}}),
        "properties.ipConfigurations[0].properties.loadBalancerInboundNatRules[0]");

  check(lbId("lb1"), {{"location", "westus"}, {"properties", json::array()}}, "properties");
  check(lbId("lb1"), {{"location", 5}}, "location");
}
