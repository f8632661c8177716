// Computed back-references (frontend/pool/probe/NAT rule/public IP/subnet) and the port-range
// NAT rule mappings, through Service::handle.
#include <catch2/catch.hpp>

#include <algorithm>

#include "tests/unit/armapi/service_fixture.h"

using namespace azlb::armtest;

namespace {

json refs(std::initializer_list<std::string> ids) {
  json out = json::array();
  for (const auto& id : ids) out.push_back(idRef(id));
  return out;
}

const std::string kIpconfig1 = nicId("nic1") + "/ipConfigurations/ipconfig1";

/// lb1 (Standard): frontends fe (pip1) and fe2 (pip2); pools be and be2 (three IP backends); probe hp;
/// rules web (fe, be, hp) and dns (fe, be2, hp, Udp); NAT rule ssh on fe; ranged NAT rule range on fe2
/// over be2 (50000-50001); outbound rule out on fe2 for be. nic1 joins be and ssh.
struct Topology : ServiceFixture {
  Topology() {
    putPip("pip1");
    putPip("pip2");
    putVnet("vnet1");
    json lb = publicLb("pip1");
    auto& p = lb["properties"];
    p["frontendIPConfigurations"].push_back({{"name", "fe2"}, {"properties", {{"publicIPAddress", idRef(pipId("pip2"))}}}});
    json addrs = json::array();
    for (const auto& [n, ip] : std::vector<std::pair<std::string, std::string>>{
             {"a", "10.0.0.10"}, {"b", "10.0.0.11"}, {"c", "10.0.0.12"}})
      addrs.push_back({{"name", n}, {"properties", {{"ipAddress", ip}, {"virtualNetwork", idRef(vnetId("vnet1"))}}}});
    p["backendAddressPools"].push_back({{"name", "be2"}, {"properties", {{"loadBalancerBackendAddresses", addrs}}}});
    p["probes"] = {{{"name", "hp"}, {"properties", {{"protocol", "Tcp"}, {"port", 80}}}}};
    const json probeRef = idRef(lbChild("lb1", "probes", "hp"));
    p["loadBalancingRules"] = {
        lbRule("lb1", "web", "Tcp", 80, {{"probe", probeRef}}),
        lbRule("lb1", "dns", "Udp", 53,
               {{"probe", probeRef}, {"backendAddressPool", idRef(lbChild("lb1", "backendAddressPools", "be2"))}})};
    p["inboundNatRules"] = {
        natRule("lb1", "ssh", "Tcp", 50022, 22),
        {{"name", "range"},
         {"properties",
          {{"protocol", "Tcp"}, {"frontendPortRangeStart", 50000}, {"frontendPortRangeEnd", 50001}, {"backendPort", 22},
           {"frontendIPConfiguration", idRef(lbChild("lb1", "frontendIPConfigurations", "fe2"))},
           {"backendAddressPool", idRef(lbChild("lb1", "backendAddressPools", "be2"))}}}}};
    p["outboundRules"] = {{{"name", "out"},
                           {"properties",
                            {{"protocol", "All"}, {"backendAddressPool", idRef(lbChild("lb1", "backendAddressPools", "be"))},
                             {"frontendIPConfigurations", {idRef(lbChild("lb1", "frontendIPConfigurations", "fe2"))}}}}}};
    mustPut(lbId("lb1"), lb);
    mustPut(nicId("nic1"),
            nicBody("vnet1", "default",
                    {{"loadBalancerBackendAddressPools", {idRef(lbChild("lb1", "backendAddressPools", "be"))}},
                     {"loadBalancerInboundNatRules", {idRef(lbChild("lb1", "inboundNatRules", "ssh"))}}}));
  }
};

}  // namespace

TEST_CASE("frontends list the rules, NAT rules and outbound rules that use them", "[backrefs]") {
  Topology f;
  auto lb = f.mustGet(lbId("lb1"));
  auto fe = childOf(lb, "frontendIPConfigurations", "fe")["properties"];
  CHECK(fe["loadBalancingRules"] ==
        refs({lbChild("lb1", "loadBalancingRules", "web"), lbChild("lb1", "loadBalancingRules", "dns")}));
  CHECK(fe["inboundNatRules"] == refs({lbChild("lb1", "inboundNatRules", "ssh")}));
  CHECK_FALSE(fe.contains("outboundRules"));  // only present when non-empty
  auto fe2 = childOf(lb, "frontendIPConfigurations", "fe2")["properties"];
  CHECK(fe2["outboundRules"] == refs({lbChild("lb1", "outboundRules", "out")}));
  CHECK(fe2["inboundNatRules"] == refs({lbChild("lb1", "inboundNatRules", "range")}));
  CHECK_FALSE(fe2.contains("loadBalancingRules"));
}

TEST_CASE("pools list their rules, outbound rules, ranged NAT rules and NIC ipConfigurations", "[backrefs]") {
  Topology f;
  auto lb = f.mustGet(lbId("lb1"));
  auto be = childOf(lb, "backendAddressPools", "be")["properties"];
  CHECK(be["loadBalancingRules"] == refs({lbChild("lb1", "loadBalancingRules", "web")}));
  CHECK(be["outboundRules"] == refs({lbChild("lb1", "outboundRules", "out")}));
  CHECK(be["outboundRule"] == idRef(lbChild("lb1", "outboundRules", "out")));
  CHECK(be["backendIPConfigurations"] == refs({kIpconfig1}));
  CHECK_FALSE(be.contains("inboundNatRules"));
  auto be2 = childOf(lb, "backendAddressPools", "be2")["properties"];
  CHECK(be2["loadBalancingRules"] == refs({lbChild("lb1", "loadBalancingRules", "dns")}));
  CHECK(be2["inboundNatRules"] == refs({lbChild("lb1", "inboundNatRules", "range")}));
  CHECK_FALSE(be2.contains("backendIPConfigurations"));
  CHECK_FALSE(be2.contains("outboundRules"));
  // The child GET renders the same back-references.
  CHECK(f.mustGet(lbChild("lb1", "backendAddressPools", "be"))["properties"] == be);
}

TEST_CASE("probes list their rules; NAT rules name their NIC ipConfiguration", "[backrefs]") {
  Topology f;
  auto lb = f.mustGet(lbId("lb1"));
  CHECK(childOf(lb, "probes", "hp")["properties"]["loadBalancingRules"] ==
        refs({lbChild("lb1", "loadBalancingRules", "web"), lbChild("lb1", "loadBalancingRules", "dns")}));
  CHECK(childOf(lb, "inboundNatRules", "ssh")["properties"]["backendIPConfiguration"] == idRef(kIpconfig1));
  CHECK_FALSE(childOf(lb, "inboundNatRules", "range")["properties"].contains("backendIPConfiguration"));
  CHECK(f.mustGet(lbChild("lb1", "inboundNatRules", "ssh"))["properties"]["backendIPConfiguration"] == idRef(kIpconfig1));
}

TEST_CASE("public IPs and subnets name what uses them", "[backrefs]") {
  Topology f;
  CHECK(f.mustGet(pipId("pip1"))["properties"]["ipConfiguration"] == idRef(lbChild("lb1", "frontendIPConfigurations", "fe")));
  CHECK(f.mustGet(pipId("pip2"))["properties"]["ipConfiguration"] == idRef(lbChild("lb1", "frontendIPConfigurations", "fe2")));
  f.putPip("pip3");
  f.mustPut(nicId("nic2"), ServiceFixture::nicBody("vnet1", "default", {{"publicIPAddress", idRef(pipId("pip3"))}}));
  CHECK(f.mustGet(pipId("pip3"))["properties"]["ipConfiguration"] == idRef(nicId("nic2") + "/ipConfigurations/ipconfig1"));

  f.mustPut(lbId("ilb"), internalLb("vnet1", "default"));
  auto subnet = f.mustGet(subnetId("vnet1", "default"));
  auto users = subnet["properties"]["ipConfigurations"];
  REQUIRE(users.is_array());
  CHECK(users.size() == 3);
  for (const auto& id : {kIpconfig1, nicId("nic2") + "/ipConfigurations/ipconfig1",
                         lbChild("ilb", "frontendIPConfigurations", "fe")}) {
    INFO(id);
    CHECK(std::find(users.begin(), users.end(), idRef(id)) != users.end());
  }
  CHECK(childOf(f.mustGet(vnetId("vnet1")), "subnets", "default")["properties"]["ipConfigurations"] == users);
}

TEST_CASE("the load balancer and NIC list each other", "[backrefs]") {
  Topology f;
  auto nics = f.mustGet(lbId("lb1") + "/networkInterfaces");
  REQUIRE(nics["value"].size() == 1);
  CHECK(nics["value"][0]["id"] == nicId("nic1"));
  auto lbs = f.mustGet(nicId("nic1") + "/loadBalancers");
  REQUIRE(lbs["value"].size() == 1);
  CHECK(lbs["value"][0]["id"] == lbId("lb1"));
  auto cfg = f.mustGet(nicId("nic1") + "/ipConfigurations/ipconfig1");
  CHECK(cfg["properties"]["loadBalancerBackendAddressPools"] == refs({lbChild("lb1", "backendAddressPools", "be")}));
}

TEST_CASE("back-references follow the NIC: they disappear when it leaves", "[backrefs]") {
  Topology f;
  auto etagBefore = f.mustGet(lbId("lb1"))["etag"];
  f.mustPut(nicId("nic1"), ServiceFixture::nicBody("vnet1", "default"));
  auto lb = f.mustGet(lbId("lb1"));
  CHECK_FALSE(childOf(lb, "backendAddressPools", "be")["properties"].contains("backendIPConfigurations"));
  CHECK_FALSE(childOf(lb, "inboundNatRules", "ssh")["properties"].contains("backendIPConfiguration"));
  // [infer] SPEC §2.10: NIC-side changes do not bump the load balancer's etag.
  CHECK(lb["etag"] == etagBefore);
  CHECK(f.mustGet(lbId("lb1") + "/networkInterfaces")["value"] == json::array());
  CHECK(f.del(nicId("nic1")).status == 202);
  CHECK_FALSE(childOf(f.mustGet(vnetId("vnet1")), "subnets", "default")["properties"].contains("ipConfigurations"));
}

TEST_CASE("a port-range NAT rule maps backend i to frontendPortRangeStart + i and stops at the end",
          "[backrefs][nat]") {
  Topology f;
  auto lb = f.mustGet(lbId("lb1"));
  auto addrs = childOf(lb, "backendAddressPools", "be2")["properties"]["loadBalancerBackendAddresses"];
  REQUIRE(addrs.size() == 3);
  CHECK(addrs[0]["properties"]["inboundNatRulesPortMapping"] ==
        json::array({{{"inboundNatRuleName", "range"}, {"frontendPort", 50000}, {"backendPort", 22}}}));
  CHECK(addrs[1]["properties"]["inboundNatRulesPortMapping"] ==
        json::array({{{"inboundNatRuleName", "range"}, {"frontendPort", 50001}, {"backendPort", 22}}}));
  CHECK_FALSE(addrs[2]["properties"].contains("inboundNatRulesPortMapping"));  // range exhausted

  // The same through queryInboundNatRulePortMapping.
  auto q = f.send("POST", lbChild("lb1", "backendAddressPools", "be2") + "/queryInboundNatRulePortMapping",
                  {{"ipAddress", "10.0.0.11"}});
  REQUIRE(q.status == 200);
  CHECK(q.body["inboundNatRulePortMappings"] ==
        json::array({{{"inboundNatRuleName", "range"}, {"protocol", "Tcp"}, {"frontendPort", 50001}, {"backendPort", 22}}}));
  auto none = f.send("POST", lbChild("lb1", "backendAddressPools", "be2") + "/queryInboundNatRulePortMapping",
                     {{"ipAddress", "10.0.0.12"}});
  CHECK(none.body["inboundNatRulePortMappings"] == json::array());
  auto bad = f.send("POST", lbChild("lb1", "backendAddressPools", "be2") + "/queryInboundNatRulePortMapping", json::object());
  CHECK(bad.status == 400);
  CHECK(bad.code() == "InvalidParameter");

  // A mapping is computed, never stored: sending it back changes nothing.
  auto again = f.mustPut(lbId("lb1"), lb);
  CHECK(childOf(again, "backendAddressPools", "be2")["properties"]["loadBalancerBackendAddresses"] == addrs);

  // Widening the range gives the third backend its port.
  json wider = lb;
  for (auto& nat : wider["properties"]["inboundNatRules"])
    if (nat["name"] == "range") nat["properties"]["frontendPortRangeEnd"] = 50010;
  auto widened = f.mustPut(lbId("lb1"), wider);
  auto third = childOf(widened, "backendAddressPools", "be2")["properties"]["loadBalancerBackendAddresses"][2];
  CHECK(third["properties"]["inboundNatRulesPortMapping"] ==
        json::array({{{"inboundNatRuleName", "range"}, {"frontendPort", 50002}, {"backendPort", 22}}}));
}

TEST_CASE("NIC members of a pool get port-range mappings too", "[backrefs][nat]") {
  Topology f;
  f.mustPut(nicId("nic2"),
            ServiceFixture::nicBody("vnet1", "default",
                                    {{"loadBalancerBackendAddressPools", {idRef(lbChild("lb1", "backendAddressPools", "be"))}}}));
  json lb = f.mustGet(lbId("lb1"));
  json nat = {{"name", "range2"},
              {"properties",
               {{"protocol", "Tcp"}, {"frontendPortRangeStart", 60000}, {"frontendPortRangeEnd", 60009}, {"backendPort", 3389},
                {"frontendIPConfiguration", idRef(lbChild("lb1", "frontendIPConfigurations", "fe"))},
                {"backendAddressPool", idRef(lbChild("lb1", "backendAddressPools", "be"))}}}};
  lb["properties"]["inboundNatRules"].push_back(nat);
  f.mustPut(lbId("lb1"), lb);
  // NIC ipConfigurations are ordered by id: nic1 then nic2.
  auto q1 = f.send("POST", lbChild("lb1", "backendAddressPools", "be") + "/queryInboundNatRulePortMapping",
                   {{"ipConfiguration", idRef(kIpconfig1)}});
  REQUIRE(q1.status == 200);
  CHECK(q1.body["inboundNatRulePortMappings"] ==
        json::array({{{"inboundNatRuleName", "range2"}, {"protocol", "Tcp"}, {"frontendPort", 60000}, {"backendPort", 3389}}}));
  auto q2 = f.send("POST", lbChild("lb1", "backendAddressPools", "be") + "/queryInboundNatRulePortMapping",
                   {{"ipConfiguration", idRef(nicId("nic2") + "/ipConfigurations/ipconfig1")}});
  CHECK(q2.body["inboundNatRulePortMappings"][0]["frontendPort"] == 60001);
}
