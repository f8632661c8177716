// Network interfaces: private address allocation and reservation, joining backend pools and NAT
// rules; and queryInboundNatRulePortMapping for a port-range NAT rule.
#include <catch2/catch.hpp>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

namespace {

std::string ipOf(const Reply& nic) {
  return nic.doc["properties"]["ipConfigurations"][0]["properties"].value("privateIPAddress", "");
}

const std::string kSubnet = subnetId("rg1", "vnet1", "default");

}  // namespace

TEST_CASE("dynamic private IPs come from the subnet's .4 upward and are reused once freed", "[nic]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  Reply nic1 = c.putAndWait(nicId("rg1", "nic1"), nicBody(kSubnet));
  CHECK(ipOf(nic1) == "10.0.0.4");
  const json& cfg = nic1.doc["properties"]["ipConfigurations"][0];
  CHECK(cfg.value("id", "") == nicId("rg1", "nic1") + "/ipConfigurations/ipconfig1");
  CHECK(cfg.value("type", "") == "Microsoft.Network/networkInterfaces/ipConfigurations");
  CHECK(cfg["properties"].value("privateIPAllocationMethod", "") == "Dynamic");
  CHECK(cfg["properties"].value("primary", false) == true);
  CHECK(!nic1.doc["properties"].value("macAddress", "").empty());
  Reply nic2 = c.putAndWait(nicId("rg1", "nic2"), nicBody(kSubnet));
  CHECK(ipOf(nic2) == "10.0.0.5");
  // An update keeps the address.
  Reply again = c.putAndWait(nicId("rg1", "nic1"), nicBody(kSubnet));
  CHECK(ipOf(again) == "10.0.0.4");
  // A static address in the free space is skipped by later dynamic ones.
  Reply nic3 = c.putAndWait(nicId("rg1", "nic3"), nicBody(kSubnet, "10.0.0.6"));
  CHECK(ipOf(nic3) == "10.0.0.6");
  CHECK(nic3.doc["properties"]["ipConfigurations"][0]["properties"].value("privateIPAllocationMethod", "") == "Static");
  Reply nic4 = c.putAndWait(nicId("rg1", "nic4"), nicBody(kSubnet));
  CHECK(ipOf(nic4) == "10.0.0.7");
  // Freed addresses come back.
  c.deleteAndWait(nicId("rg1", "nic1"));
  Reply nic5 = c.putAndWait(nicId("rg1", "nic5"), nicBody(kSubnet));
  CHECK(ipOf(nic5) == "10.0.0.4");
  // The NIC's ipConfigurations can be read on their own.
  Reply list = c.get(nicId("rg1", "nic5") + "/ipConfigurations");
  REQUIRE(list.status == 200);
  REQUIRE(list.doc["value"].size() == 1);
  Reply one = c.get(nicId("rg1", "nic5") + "/ipConfigurations/ipconfig1");
  REQUIRE(one.status == 200);
  CHECK(one.doc == list.doc["value"][0]);
}

TEST_CASE("a static IP Azure reserves (.0-.3 and the last) is refused", "[nic]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  for (const std::string& ip : std::vector<std::string>{"10.0.0.1", "10.0.0.0", "10.0.0.3", "10.0.0.255"}) {
    Reply r = expectRefusedWithoutChange(c, {nicId("rg1", "nic1"), groupId("rg1") + "/resources", vnetId("rg1", "vnet1")},
                                         [&] { return c.put(nicId("rg1", "nic1"), nicBody(kSubnet, ip)); });
    INFO(ip << " -> " << r.describe());
    CHECK(r.status == 400);
    CHECK(r.isArmError());
    CHECK(r.code() == "PrivateIPAddressIsReserved");
  }
}

TEST_CASE("two NICs cannot hold the same private IP: PrivateIPAddressInUse", "[nic]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  c.putAndWait(nicId("rg1", "nic1"), nicBody(kSubnet, "10.0.0.10"));
  const std::vector<std::string> paths = {nicId("rg1", "nic1"), nicId("rg1", "nic2"), groupId("rg1") + "/resources"};
  Reply same = expectRefusedWithoutChange(c, paths, [&] { return c.put(nicId("rg1", "nic2"), nicBody(kSubnet, "10.0.0.10")); });
  INFO(same.describe());
  CHECK(same.status == 400);
  CHECK(same.isArmError());
  CHECK(same.code() == "PrivateIPAddressInUse");
  CHECK(same.message().find(nicId("rg1", "nic1") + "/ipConfigurations/ipconfig1") != std::string::npos);
  // A dynamic neighbour's address is taken too.
  Reply dyn = c.putAndWait(nicId("rg1", "nic3"), nicBody(kSubnet));
  Reply onDynamic = expectRefusedWithoutChange(c, paths, [&] { return c.put(nicId("rg1", "nic2"), nicBody(kSubnet, ipOf(dyn))); });
  CHECK(onDynamic.status == 400);
  CHECK(onDynamic.code() == "PrivateIPAddressInUse");
  // Re-sending a NIC's own static address is fine.
  Reply self = c.put(nicId("rg1", "nic1"), nicBody(kSubnet, "10.0.0.10"));
  CHECK(self.status == 200);
}

TEST_CASE("a NIC joining a pool shows in the pool's backendIPConfigurations and in the LB's networkInterfaces list",
          "[nic]") {
  TestServer srv;
  Client c = srv.client();
  createAzWorld(c);
  const std::string be2 = lbChildId("rg1", "lb1", "backendAddressPools", "be2");
  Reply pool = c.put(be2, json{{"properties", json::object()}});
  REQUIRE(pool.status == 201);
  c.waitOperation(pool.header("Azure-AsyncOperation"));

  Reply nic = c.putAndWait(nicId("rg1", "nic1"), nicBody(kSubnet, {}, {be2}));
  const std::string ipconfig = nicId("rg1", "nic1") + "/ipConfigurations/ipconfig1";
  CHECK(nic.doc["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] ==
        json::array({{{"id", be2}}}));

  Reply poolGet = c.get(be2);
  REQUIRE(poolGet.status == 200);
  CHECK(poolGet.doc["properties"]["backendIPConfigurations"] == json::array({{{"id", ipconfig}}}));

  Reply nics = c.get(lbId("rg1", "lb1") + "/networkInterfaces");
  INFO(nics.describe());
  REQUIRE(nics.status == 200);
  REQUIRE(nics.doc["value"].size() == 1);
  CHECK(nics.doc["value"][0] == c.get(nicId("rg1", "nic1")).doc);

  Reply lbs = c.get(nicId("rg1", "nic1") + "/loadBalancers");
  REQUIRE(lbs.status == 200);
  REQUIRE(lbs.doc["value"].size() == 1);
  CHECK(lbs.doc["value"][0].value("id", "") == lbId("rg1", "lb1"));

  // The pool cannot go while the NIC uses it, nor can the LB.
  const std::vector<std::string> paths = {lbId("rg1", "lb1"), nicId("rg1", "nic1")};
  Reply delPool = expectRefusedWithoutChange(c, paths, [&] { return c.del(be2); });
  INFO(delPool.describe());
  CHECK(delPool.status == 400);
  CHECK(delPool.code() == "InUseBackendAddressPoolCannotBeDeleted");
  Reply delLb = expectRefusedWithoutChange(c, paths, [&] { return c.del(lbId("rg1", "lb1")); });
  CHECK(delLb.status == 400);
  CHECK(delLb.code() == "LoadBalancerInUseByNetworkInterface");

  // Leaving the pool removes the back-reference.
  c.putAndWait(nicId("rg1", "nic1"), nicBody(kSubnet));
  CHECK(!c.get(be2).doc["properties"].contains("backendIPConfigurations"));
  Reply none = c.get(lbId("rg1", "lb1") + "/networkInterfaces");
  CHECK(none.doc["value"] == json::array());
}

TEST_CASE("queryInboundNatRulePortMapping answers the frontend port a port-range NAT rule gives each backend "
          "address of an IP-based pool",
          "[nic][nat]") {
  TestServer srv;
  Client c = srv.client();
  createAzWorld(c);  // pool be1 holds vm1 10.0.0.4 and vm2 10.0.0.5
  json body = json::parse(kAzLoadBalancerPut);
  body["properties"]["inboundNatRules"].push_back(
      {{"name", "sshrange"},
       {"properties",
        {{"protocol", "Tcp"},
         {"frontendPortRangeStart", 60000},
         {"frontendPortRangeEnd", 60009},
         {"backendPort", 22},
         {"frontendIPConfiguration", {{"id", lbChildId("rg1", "lb1", "frontendIPConfigurations", "fe1")}}},
         {"backendAddressPool", {{"id", lbChildId("rg1", "lb1", "backendAddressPools", "be1")}}}}}});
  Reply lb = c.putAndWait(lbId("rg1", "lb1"), body);
  const json& nat = lb.doc["properties"]["inboundNatRules"][1];
  CHECK(nat["properties"].value("frontendPortRangeStart", 0) == 60000);
  CHECK(nat["properties"].value("frontendPortRangeEnd", 0) == 60009);

  const std::string query = lbChildId("rg1", "lb1", "backendAddressPools", "be1") + "/queryInboundNatRulePortMapping";
  Reply vm1 = c.post(query, json{{"ipAddress", "10.0.0.4"}});
  INFO(vm1.describe());
  REQUIRE(vm1.status == 200);
  CHECK(vm1.doc == json{{"inboundNatRulePortMappings",
                         {{{"inboundNatRuleName", "sshrange"}, {"protocol", "Tcp"}, {"frontendPort", 60000}, {"backendPort", 22}}}}});
  Reply vm2 = c.post(query, json{{"ipAddress", "10.0.0.5"}});
  REQUIRE(vm2.status == 200);
  REQUIRE(vm2.doc["inboundNatRulePortMappings"].size() == 1);
  CHECK(vm2.doc["inboundNatRulePortMappings"][0].value("frontendPort", 0) == 60001);
  Reply stranger = c.post(query, json{{"ipAddress", "10.0.0.99"}});
  REQUIRE(stranger.status == 200);
  CHECK(stranger.doc["inboundNatRulePortMappings"] == json::array());

  // The pool GET shows the same mapping on each address, and the rule shows on the pool.
  Reply pool = c.get(lbChildId("rg1", "lb1", "backendAddressPools", "be1"));
  const json& addrs = pool.doc["properties"]["loadBalancerBackendAddresses"];
  CHECK(addrs[1]["properties"]["inboundNatRulesPortMapping"] ==
        json::array({{{"inboundNatRuleName", "sshrange"}, {"frontendPort", 60001}, {"backendPort", 22}}}));
  CHECK(pool.doc["properties"]["inboundNatRules"] ==
        json::array({{{"id", lbChildId("rg1", "lb1", "inboundNatRules", "sshrange")}}}));

  Reply noArgs = c.post(query, json::object());
  CHECK(noArgs.status == 400);
  CHECK(noArgs.code() == "InvalidParameter");
  Reply noPool = c.post(lbChildId("rg1", "lb1", "backendAddressPools", "nosuch") + "/queryInboundNatRulePortMapping",
                        json{{"ipAddress", "10.0.0.4"}});
  CHECK(noPool.status == 404);
  CHECK(noPool.code() == "NotFound");
  Reply wrongMethod = c.get(query);
  CHECK(wrongMethod.status == 405);
}

}  // namespace azlb::apitest

namespace azlb::apitest {

TEST_CASE("subnets made with api-version 2025-07-01 or later are private unless told otherwise", "[nic][vnet]") {
  TestServer srv;
  Client c = srv.client();
  REQUIRE(c.put(groupPath("rg1"), groupBody()).status == 201);
  auto dao = [&](const std::string& vnet, const std::string& subnet) {
    const Reply r = c.get(vnetId("rg1", vnet));
    for (const auto& s : r.doc["properties"]["subnets"])
      if (s.value("name", "") == subnet) return s["properties"].value("defaultOutboundAccess", json("absent"));
    return json("no such subnet");
  };
  // Before 2025-07-01: nothing stored, default outbound access stays (absent = allowed).
  c.putAndWait(vnetId("rg1", "old"), vnetBody("10.1.0.0/16", {{"a", "10.1.0.0/24"}}));
  CHECK(dao("old", "a") == "absent");
  c.apiVersion = "2025-07-01";
  // A new subnet of an existing VNet, with the new api-version: private; the old one keeps its own.
  c.putAndWait(vnetId("rg1", "old"), vnetBody("10.1.0.0/16", {{"a", "10.1.0.0/24"}, {"b", "10.1.1.0/24"}}));
  CHECK(dao("old", "a") == "absent");
  CHECK(dao("old", "b") == false);
  json explicitOn = vnetBody("10.2.0.0/16", {{"a", "10.2.0.0/24"}, {"b", "10.2.1.0/24"}});
  explicitOn["properties"]["subnets"][1]["properties"]["defaultOutboundAccess"] = true;
  c.putAndWait(vnetId("rg1", "new"), explicitOn);
  CHECK(dao("new", "a") == false);
  CHECK(dao("new", "b") == true);
}

}  // namespace azlb::apitest
