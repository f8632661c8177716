// Validation: every refused request answers Azure's status and error code in ARM's shape and
// leaves nothing changed (every GET answers as before: status, ETag and body).
#include <catch2/catch.hpp>

#include <functional>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

namespace {

/// az's world (rg1, pip1, vnet1/default, lb1) plus a Basic public IP and nic1 on the subnet.
void buildWorld(Client& c) {
  createAzWorld(c);
  c.putAndWait(pipId("rg1", "pipbasic"), basicPipBody());
  c.putAndWait(nicId("rg1", "nic1"), nicBody(subnetId("rg1", "vnet1", "default")));
}

Reply refused(Client& c, int status, const std::string& code, const std::function<Reply()>& attempt) {
  Reply r = expectRefusedWithoutChange(c, worldPaths(), attempt);
  INFO(r.describe());
  CHECK(r.status == status);
  CHECK(r.isArmError());
  CHECK(r.code() == code);
  return r;
}

json azLb() { return json::parse(kAzLoadBalancerPut); }

json& rule0(json& lb) { return lb["properties"]["loadBalancingRules"][0]["properties"]; }

const std::string kFe1 = lbChildId("rg1", "lb1", "frontendIPConfigurations", "fe1");
const std::string kBe1 = lbChildId("rg1", "lb1", "backendAddressPools", "be1");

}  // namespace

TEST_CASE("PublicIPAndLBSkuDoNotMatch: a Standard LB frontend cannot take a Basic public IP", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  json lb2 = {{"location", "westus"},
              {"sku", {{"name", "Standard"}}},
              {"properties",
               {{"frontendIPConfigurations",
                 {{{"name", "fe1"}, {"properties", {{"publicIPAddress", {{"id", pipId("rg1", "pipbasic")}}}}}}}}}}};
  Reply r = refused(c, 400, "PublicIPAndLBSkuDoNotMatch", [&] { return c.put(lbId("rg1", "lb2"), lb2); });
  CHECK(r.message() == "Standard sku load balancer " + lbId("rg1", "lb2") + " cannot reference Basic sku publicIP " +
                           pipId("rg1", "pipbasic") + ".");

  json lb1 = azLb();
  lb1["properties"]["frontendIPConfigurations"][0]["properties"]["publicIPAddress"]["id"] = pipId("rg1", "pipbasic");
  refused(c, 400, "PublicIPAndLBSkuDoNotMatch", [&] { return c.put(lbId("rg1", "lb1"), lb1); });

  // And the other way round: a Basic LB on a Standard IP.
  json basic = lb2;
  basic["sku"]["name"] = "Basic";
  basic["properties"]["frontendIPConfigurations"][0]["properties"]["publicIPAddress"]["id"] = pipId("rg1", "pip1");
  refused(c, 400, "PublicIPAndLBSkuDoNotMatch", [&] { return c.put(lbId("rg1", "lb2"), basic); });
}

TEST_CASE("StandardSkuPublicIPAddressesMustBeStatic", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  json dynamicStd = standardPipBody();
  dynamicStd["properties"]["publicIPAllocationMethod"] = "Dynamic";
  Reply r = refused(c, 400, "StandardSkuPublicIPAddressesMustBeStatic",
                    [&] { return c.put(pipId("rg1", "pipnew"), dynamicStd); });
  CHECK(r.message() == "Standard sku publicIp " + pipId("rg1", "pipnew") + " must have AllocationMethod set to Static.");
  refused(c, 400, "StandardSkuPublicIPAddressesMustBeStatic", [&] { return c.put(pipId("rg1", "pip1"), dynamicStd); });
}

TEST_CASE("InvalidResourceReference: a missing pool, probe, public IP or subnet", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  struct Case {
    std::string name;
    std::string path;
    json body;
    std::string ref;
  };
  std::vector<Case> cases;
  {
    json b = azLb();
    const std::string ref = lbChildId("rg1", "lb1", "backendAddressPools", "nosuchpool");
    rule0(b)["backendAddressPools"][0]["id"] = ref;
    cases.push_back({"rule -> missing pool", lbId("rg1", "lb1"), b, ref});
  }
  {
    json b = azLb();
    const std::string ref = lbChildId("rg1", "lb1", "probes", "nosuchprobe");
    rule0(b)["probe"]["id"] = ref;
    cases.push_back({"rule -> missing probe", lbId("rg1", "lb1"), b, ref});
  }
  {
    json b = azLb();
    const std::string ref = pipId("rg1", "nosuchpip");
    b["properties"]["frontendIPConfigurations"][0]["properties"]["publicIPAddress"]["id"] = ref;
    cases.push_back({"frontend -> missing public IP", lbId("rg1", "lb1"), b, ref});
  }
  {
    const std::string ref = subnetId("rg1", "vnet1", "nosuchsubnet");
    json b = {{"location", "westus"},
              {"sku", {{"name", "Standard"}}},
              {"properties",
               {{"frontendIPConfigurations", {{{"name", "fe1"}, {"properties", {{"subnet", {{"id", ref}}}}}}}}}}};
    cases.push_back({"internal frontend -> missing subnet", lbId("rg1", "lb2"), b, ref});
  }
  {
    const std::string ref = subnetId("rg1", "nosuchvnet", "default");
    cases.push_back({"NIC -> missing subnet", nicId("rg1", "nic1"), nicBody(ref), ref});
  }
  {
    const std::string ref = lbChildId("rg1", "lb1", "backendAddressPools", "nosuchpool");
    cases.push_back({"NIC -> missing pool", nicId("rg1", "nic1"),
                     nicBody(subnetId("rg1", "vnet1", "default"), {}, {ref}), ref});
  }
  for (const auto& k : cases) {
    SECTION(k.name) {
      Reply r = refused(c, 400, "InvalidResourceReference", [&] { return c.put(k.path, k.body); });
      CHECK(r.message().rfind("Resource " + k.ref + " referenced by resource ", 0) == 0);
      CHECK(r.message().find("was not found.") != std::string::npos);
    }
  }
}

TEST_CASE("RulesUseSameBackendPortProtocolAndPool: two rules, floating IP off, same protocol, backend port and pool",
          "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  json b = azLb();
  rule0(b)["enableFloatingIP"] = false;
  json web2 = b["properties"]["loadBalancingRules"][0];
  web2.erase("id");
  web2["name"] = "web2";
  web2["properties"]["frontendPort"] = 81;  // a different frontend port, the same backend 8080
  b["properties"]["loadBalancingRules"].push_back(web2);
  refused(c, 400, "RulesUseSameBackendPortProtocolAndPool", [&] { return c.put(lbId("rg1", "lb1"), b); });

  // With floating IP on both it is still refused on the same frontend (V6)...
  rule0(b)["enableFloatingIP"] = true;
  b["properties"]["loadBalancingRules"][1]["properties"]["enableFloatingIP"] = true;
  refused(c, 400, "RulesUseSameBackendPortProtocolAndPoolAndFrontendIPWithFloatingIPEnabled",
          [&] { return c.put(lbId("rg1", "lb1"), b); });
  // ...and a distinct backend port makes the pair legal.
  b["properties"]["loadBalancingRules"][1]["properties"]["backendPort"] = 8081;
  Reply ok = c.put(lbId("rg1", "lb1"), b);
  INFO(ok.describe());
  CHECK(ok.status == 200);
}

TEST_CASE("LoadBalancerRulesUseSameFrontendIPConfigurationAndPort: frontend ports are unique per frontend and "
          "protocol",
          "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  SECTION("two load-balancing rules") {
    json b = azLb();
    json web2 = b["properties"]["loadBalancingRules"][0];
    web2.erase("id");
    web2["name"] = "web2";
    web2["properties"]["backendPort"] = 9090;
    b["properties"]["loadBalancingRules"].push_back(web2);
    refused(c, 400, "LoadBalancerRulesUseSameFrontendIPConfigurationAndPort", [&] { return c.put(lbId("rg1", "lb1"), b); });
  }
  SECTION("a NAT rule on a rule's port") {
    json b = azLb();
    b["properties"]["inboundNatRules"][0]["properties"]["frontendPort"] = 80;
    refused(c, 400, "LoadBalancerRulesUseSameFrontendIPConfigurationAndPort", [&] { return c.put(lbId("rg1", "lb1"), b); });
  }
  SECTION("a NAT port range over a NAT rule's port") {
    json b = azLb();
    b["properties"]["inboundNatRules"].push_back(
        {{"name", "range"},
         {"properties",
          {{"protocol", "Tcp"}, {"frontendPortRangeStart", 49990}, {"frontendPortRangeEnd", 50010},
           {"backendPort", 22}, {"frontendIPConfiguration", {{"id", kFe1}}}, {"backendAddressPool", {{"id", kBe1}}}}}});
    refused(c, 400, "LoadBalancerRulesUseSameFrontendIPConfigurationAndPort", [&] { return c.put(lbId("rg1", "lb1"), b); });
  }
}

TEST_CASE("MoreThanOneOutboundRuleUsingSameFrontendIPConfigurationAndProtocolIsNotSupported", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  json b = azLb();
  json out2 = b["properties"]["outboundRules"][0];
  out2.erase("id");
  out2["name"] = "out2";
  out2["properties"]["protocol"] = "Tcp";  // overlaps out1's All
  out2["properties"]["allocatedOutboundPorts"] = 1024;
  b["properties"]["outboundRules"].push_back(out2);
  refused(c, 400, "MoreThanOneOutboundRuleUsingSameFrontendIPConfigurationAndProtocolIsNotSupported",
          [&] { return c.put(lbId("rg1", "lb1"), b); });
}

TEST_CASE("allocatedOutboundPorts: a multiple of 8, and no more than the frontends give the pool", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  json b = azLb();
  json& out1 = b["properties"]["outboundRules"][0]["properties"];
  SECTION("not a multiple of 8") {
    out1["allocatedOutboundPorts"] = 100;
    refused(c, 400, "SpecifiedAllocatedOutboundPortsForOutboundRuleIsNotAMultipleOfEight",
            [&] { return c.put(lbId("rg1", "lb1"), b); });
  }
  SECTION("7 members x 10000 ports > 64000 on one frontend IP") {
    json& addresses = b["properties"]["backendAddressPools"][0]["properties"]["loadBalancerBackendAddresses"];
    const json first = addresses[0];
    addresses = json::array();
    for (int i = 0; i < 7; ++i) {
      json a = first;
      a["name"] = "m" + std::to_string(i);
      a["properties"]["ipAddress"] = "10.0.0." + std::to_string(20 + i);
      addresses.push_back(a);
    }
    Reply r = refused(c, 400, "SpecifiedAllocatedOutboundPortsForOutboundRuleExceedsTotalNumberOfAvailablePorts",
                      [&] { return c.put(lbId("rg1", "lb1"), b); });
    // 64000 / 7 in multiples of 8 (rule web's port 80 is no SNAT port).
    CHECK_THAT(r.message(), Catch::Contains("exceeds total number of available ports 9136"));
    out1["allocatedOutboundPorts"] = 9136;
    const int status = c.put(lbId("rg1", "lb1"), b).status;
    CHECK((status == 200 || status == 201));
  }
}

TEST_CASE("LoadBalancerWithoutFrontendIPCantHaveChildResources", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  json lb2 = {{"location", "westus"},
              {"sku", {{"name", "Standard"}}},
              {"properties", {{"backendAddressPools", {{{"name", "be1"}}}}}}};
  refused(c, 400, "LoadBalancerWithoutFrontendIPCantHaveChildResources", [&] { return c.put(lbId("rg1", "lb2"), lb2); });
  json b = azLb();
  b["properties"]["frontendIPConfigurations"] = json::array();
  refused(c, 400, "LoadBalancerWithoutFrontendIPCantHaveChildResources", [&] { return c.put(lbId("rg1", "lb1"), b); });
}

TEST_CASE("ports and idle timeouts out of range are InvalidParameter naming the property", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  struct Case {
    const char* what;
    const char* collection;
    const char* field;
    json value;
  };
  const Case cases[] = {
      {"rule frontendPort 65535", "loadBalancingRules", "frontendPort", 65535},
      {"rule frontendPort -1", "loadBalancingRules", "frontendPort", -1},
      {"rule backendPort 65536", "loadBalancingRules", "backendPort", 65536},
      {"rule idle timeout 3", "loadBalancingRules", "idleTimeoutInMinutes", 3},
      {"rule idle timeout 31", "loadBalancingRules", "idleTimeoutInMinutes", 31},
      {"probe port 0", "probes", "port", 0},
      {"probe port 65536", "probes", "port", 65536},
      {"probe interval 4", "probes", "intervalInSeconds", 4},
      {"NAT rule frontendPort 0", "inboundNatRules", "frontendPort", 0},
      {"NAT rule frontendPort 65535", "inboundNatRules", "frontendPort", 65535},
      {"NAT rule backendPort 0", "inboundNatRules", "backendPort", 0},
      {"NAT rule backendPort 65536", "inboundNatRules", "backendPort", 65536},
      {"NAT rule idle timeout 31", "inboundNatRules", "idleTimeoutInMinutes", 31},
      {"outbound rule idle timeout 3", "outboundRules", "idleTimeoutInMinutes", 3},
  };
  for (const auto& k : cases) {
    SECTION(k.what) {
      json b = azLb();
      b["properties"][k.collection][0]["properties"][k.field] = k.value;
      Reply r = refused(c, 400, "InvalidParameter", [&] { return c.put(lbId("rg1", "lb1"), b); });
      const std::string target = r.doc["error"].value("target", "");
      INFO("target: " << target);
      CHECK(target.find(std::string("properties.") + k.collection + "[0].properties") == 0);
    }
  }
  SECTION("public IP idle timeout 31") {
    json pip = standardPipBody();
    pip["properties"]["idleTimeoutInMinutes"] = 31;
    refused(c, 400, "InvalidParameter", [&] { return c.put(pipId("rg1", "pip1"), pip); });
  }
  SECTION("the edges are accepted") {
    json b = azLb();
    rule0(b)["frontendPort"] = 65534;
    rule0(b)["backendPort"] = 65535;
    rule0(b)["idleTimeoutInMinutes"] = 30;
    b["properties"]["inboundNatRules"][0]["properties"]["frontendPort"] = 1;
    b["properties"]["probes"][0]["properties"]["port"] = 65535;
    b["properties"]["probes"][0]["properties"]["intervalInSeconds"] = 5;
    Reply ok = c.put(lbId("rg1", "lb1"), b);
    INFO(ok.describe());
    CHECK(ok.status == 200);
  }
}

TEST_CASE("probe requestPath: forbidden for Tcp, required for Http", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  SECTION("Tcp with requestPath") {
    json b = azLb();
    b["properties"]["probes"][0]["properties"]["protocol"] = "Tcp";
    Reply r = refused(c, 400, "InvalidParameter", [&] { return c.put(lbId("rg1", "lb1"), b); });
    CHECK(r.doc["error"].value("target", "") == "properties.probes[0].properties.requestPath");
  }
  SECTION("Http without requestPath") {
    json b = azLb();
    b["properties"]["probes"][0]["properties"].erase("requestPath");
    Reply r = refused(c, 400, "InvalidParameter", [&] { return c.put(lbId("rg1", "lb1"), b); });
    CHECK(r.doc["error"].value("target", "") == "properties.probes[0].properties.requestPath");
  }
}

TEST_CASE("PublicIPAddressCannotBeDeleted while a frontend holds it", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  Reply r = refused(c, 400, "PublicIPAddressCannotBeDeleted", [&] { return c.del(pipId("rg1", "pip1")); });
  CHECK(r.message() == "Public IP address " + pipId("rg1", "pip1") +
                           " can not be deleted since it is still allocated to resource " + kFe1 + ".");
}

TEST_CASE("InUseSubnetCannotBeDeleted: by VNet DELETE, by a VNet PUT that drops it, and by the subnet DELETE",
          "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  const std::string ipconfig = nicId("rg1", "nic1") + "/ipConfigurations/ipconfig1";
  SECTION("DELETE of the VNet") {
    Reply r = refused(c, 400, "InUseSubnetCannotBeDeleted", [&] { return c.del(vnetId("rg1", "vnet1")); });
    CHECK(r.message().find(ipconfig) != std::string::npos);
  }
  SECTION("PUT of the VNet without the subnet") {
    Reply r = refused(c, 400, "InUseSubnetCannotBeDeleted",
                      [&] { return c.put(vnetId("rg1", "vnet1"), vnetBody("10.0.0.0/16", {{"other", "10.0.1.0/24"}})); });
    CHECK(r.message().find(ipconfig) != std::string::npos);
  }
  SECTION("DELETE of the subnet child") {
    Reply r = refused(c, 400, "InUseSubnetCannotBeDeleted", [&] { return c.del(subnetId("rg1", "vnet1", "default")); });
    CHECK(r.message().find(ipconfig) != std::string::npos);
  }
}

TEST_CASE("NetcfgSubnetRangeOutsideVnet, by VNet PUT and by subnet PUT", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  refused(c, 400, "NetcfgSubnetRangeOutsideVnet", [&] {
    return c.put(vnetId("rg1", "vnet1"), vnetBody("10.0.0.0/16", {{"default", "10.0.0.0/24"}, {"far", "10.1.0.0/24"}}));
  });
  refused(c, 400, "NetcfgSubnetRangeOutsideVnet", [&] {
    return c.put(subnetId("rg1", "vnet1", "far"), json{{"properties", {{"addressPrefix", "192.168.0.0/24"}}}});
  });
}

TEST_CASE("PrivateIPAddressNotInSubnet, for a NIC and for an internal LB frontend", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  refused(c, 400, "PrivateIPAddressNotInSubnet", [&] {
    return c.put(nicId("rg1", "nic1"), nicBody(subnetId("rg1", "vnet1", "default"), "10.0.1.10"));
  });
  json lb2 = {{"location", "westus"},
              {"sku", {{"name", "Standard"}}},
              {"properties",
               {{"frontendIPConfigurations",
                 {{{"name", "fe1"},
                   {"properties",
                    {{"subnet", {{"id", subnetId("rg1", "vnet1", "default")}}},
                     {"privateIPAllocationMethod", "Static"},
                     {"privateIPAddress", "10.0.5.5"}}}}}}}}};
  refused(c, 400, "PrivateIPAddressNotInSubnet", [&] { return c.put(lbId("rg1", "lb2"), lb2); });
}

TEST_CASE("malformed JSON is 400 InvalidRequestFormat", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  for (const std::string& path : std::vector<std::string>{lbId("rg1", "lb1"), pipId("rg1", "pipnew"), nicId("rg1", "nic1"),
                                 lbChildId("rg1", "lb1", "backendAddressPools", "be1"), groupPath("rg1")}) {
    for (const std::string& text : std::vector<std::string>{std::string("{\"location\": "), std::string("not json"), std::string("[1,2]")}) {
      Reply r = refused(c, 400, "InvalidRequestFormat", [&] { return c.send("PUT", path, text); });
      INFO(path << " with " << text);
    }
  }
}

TEST_CASE("a JSON value of the wrong type is 400 InvalidRequestFormat", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  SECTION("frontendPort \"80\"") {
    json b = azLb();
    rule0(b)["frontendPort"] = "80";
    Reply r = refused(c, 400, "InvalidRequestFormat", [&] { return c.put(lbId("rg1", "lb1"), b); });
    CHECK(r.doc["error"]["details"].size() >= 1);
  }
  SECTION("enableFloatingIP \"true\"") {
    json b = azLb();
    rule0(b)["enableFloatingIP"] = "true";
    refused(c, 400, "InvalidRequestFormat", [&] { return c.put(lbId("rg1", "lb1"), b); });
  }
  SECTION("sku as a string") {
    json b = azLb();
    b["sku"] = "Standard";
    refused(c, 400, "InvalidRequestFormat", [&] { return c.put(lbId("rg1", "lb1"), b); });
  }
  SECTION("properties as an array") {
    json pip = standardPipBody();
    pip["properties"] = json::array();
    refused(c, 400, "InvalidRequestFormat", [&] { return c.put(pipId("rg1", "pipnew"), pip); });
  }
  SECTION("tags as an array") {
    json pip = standardPipBody();
    pip["tags"] = json::array({"a"});
    refused(c, 400, "InvalidRequestFormat", [&] { return c.put(pipId("rg1", "pip1"), pip); });
  }
  SECTION("a child collection as an object") {
    json b = azLb();
    b["properties"]["probes"] = json::object();
    refused(c, 400, "InvalidRequestFormat", [&] { return c.put(lbId("rg1", "lb1"), b); });
  }
}

TEST_CASE("a body over 4 MiB is 413 with an ARM error body", "[validation]") {
  TestServer srv;
  Client c = srv.client();
  buildWorld(c);
  json b = azLb();
  b["tags"] = {{"big", std::string(4 * 1024 * 1024 + 16, 'x')}};
  const std::string text = b.dump();
  REQUIRE(text.size() > 4 * 1024 * 1024);
  Reply r = refused(c, 413, "RequestEntityTooLarge", [&] { return c.send("PUT", lbId("rg1", "lb1"), text); });
  CHECK(r.header("Content-Type").rfind("application/json", 0) == 0);
  // The server is still fine afterwards.
  CHECK(c.get(lbId("rg1", "lb1")).status == 200);
}

}  // namespace azlb::apitest
