// JSON mapping of every Microsoft.Network type through Service::handle: defaults, the
// backendAddressPool(s) unification, unknown and read-only properties, PUT as a full replace,
// child ids/types/etags, provisioningState, resourceGuid, names and locations.
#include <catch2/catch.hpp>

#include "tests/unit/armapi/service_fixture.h"

using namespace azlb::armtest;

TEST_CASE("a load balancer without sku is Basic/Regional and lists every child collection", "[mapping][lb]") {
  ServiceFixture f;
  f.putPip("bpip", "Basic");
  json lb = publicLb("bpip");
  lb.erase("sku");
  auto body = f.mustPut(lbId("lb1"), lb);
  CHECK(body["sku"] == json{{"name", "Basic"}, {"tier", "Regional"}});
  CHECK(body["type"] == "Microsoft.Network/loadBalancers");
  CHECK(body["location"] == "westus");
  for (const char* coll : {"frontendIPConfigurations", "backendAddressPools", "loadBalancingRules", "probes",
                           "inboundNatRules", "inboundNatPools", "outboundRules"}) {
    INFO(coll);
    CHECK(body["properties"][coll].is_array());
  }
  CHECK(body["properties"]["loadBalancingRules"] == json::array());
  auto fe = childOf(body, "frontendIPConfigurations", "fe");
  CHECK(fe["properties"]["privateIPAllocationMethod"] == "Dynamic");
  CHECK(fe["properties"]["privateIPAddressVersion"] == "IPv4");
  CHECK_FALSE(fe["properties"].contains("privateIPAddress"));  // public frontend

  json gw = publicLb("pip1");
  gw["sku"] = {{"name", "standard"}};  // enum values are matched case-insensitively
  f.putPip("pip1");
  auto std2 = f.mustPut(lbId("lb2"), gw);
  CHECK(std2["sku"] == json{{"name", "Standard"}, {"tier", "Regional"}});
}

TEST_CASE("load-balancing rule defaults", "[mapping][lb]") {
  ServiceFixture f;
  f.putPip("pip1");
  auto body = f.mustPut(lbId("lb1"), publicLb("pip1", {{"loadBalancingRules", {lbRule("lb1", "web", "tcp", 80)}}}));
  auto p = childOf(body, "loadBalancingRules", "web")["properties"];
  CHECK(p["protocol"] == "Tcp");
  CHECK(p["frontendPort"] == 80);
  CHECK(p["backendPort"] == 80);  // = frontendPort when omitted
  CHECK(p["idleTimeoutInMinutes"] == 4);
  CHECK(p["loadDistribution"] == "Default");
  CHECK(p["enableFloatingIP"] == false);
  CHECK(p["enableTcpReset"] == false);
  CHECK(p["disableOutboundSnat"] == false);
  CHECK(p["provisioningState"] == "Succeeded");
  CHECK_FALSE(p.contains("probe"));

  auto explicitValues = f.mustPut(
      lbId("lb1"), publicLb("pip1", {{"loadBalancingRules",
                                      {lbRule("lb1", "web", "Udp", 53,
                                              {{"backendPort", 5353}, {"idleTimeoutInMinutes", 30},
                                               {"loadDistribution", "sourceip"}, {"enableFloatingIP", true},
                                               {"enableTcpReset", true}, {"disableOutboundSnat", true}})}}}));
  auto q = childOf(explicitValues, "loadBalancingRules", "web")["properties"];
  CHECK(q["backendPort"] == 5353);
  CHECK(q["idleTimeoutInMinutes"] == 30);
  CHECK(q["loadDistribution"] == "SourceIP");
  CHECK(q["enableFloatingIP"] == true);
  CHECK(q["enableTcpReset"] == true);
  CHECK(q["disableOutboundSnat"] == true);
}

TEST_CASE("probe and inbound NAT rule defaults", "[mapping][lb]") {
  ServiceFixture f;
  f.putPip("pip1");
  auto body = f.mustPut(
      lbId("lb1"),
      publicLb("pip1", {{"probes",
                         {{{"name", "tcp"}, {"properties", {{"protocol", "tcp"}, {"port", 80}}}},
                          {{"name", "http"},
                           {"properties", {{"protocol", "HTTP"}, {"port", 8080}, {"requestPath", "/healthz"}}}}}},
                        {"inboundNatRules", {natRule("lb1", "ssh", "Tcp", 50000, 22)}}}));
  auto tcp = childOf(body, "probes", "tcp")["properties"];
  CHECK(tcp["protocol"] == "Tcp");
  CHECK(tcp["intervalInSeconds"] == 15);
  CHECK(tcp["numberOfProbes"] == 2);
  auto http = childOf(body, "probes", "http")["properties"];
  CHECK(http["protocol"] == "Http");
  CHECK(http["requestPath"] == "/healthz");
  auto nat = childOf(body, "inboundNatRules", "ssh")["properties"];
  CHECK(nat["idleTimeoutInMinutes"] == 4);
  CHECK(nat["enableFloatingIP"] == false);
  CHECK(nat["enableTcpReset"] == false);
  CHECK(nat["frontendPort"] == 50000);
  CHECK(nat["backendPort"] == 22);
}

TEST_CASE("public IP defaults: Standard is Static with an address, Basic is Dynamic without one", "[mapping][pip]") {
  ServiceFixture f;
  auto std1 = f.putPip("pip1", "Standard");
  CHECK(std1["sku"] == json{{"name", "Standard"}, {"tier", "Regional"}});
  CHECK(std1["type"] == "Microsoft.Network/publicIPAddresses");
  auto& sp = std1["properties"];
  CHECK(sp["publicIPAllocationMethod"] == "Static");
  CHECK(sp["publicIPAddressVersion"] == "IPv4");
  CHECK(sp["idleTimeoutInMinutes"] == 4);
  CHECK(sp["ipTags"] == json::array());
  CHECK(sp["ipAddress"].is_string());
  CHECK_FALSE(sp.contains("ipConfiguration"));

  auto basic = f.mustPut(pipId("bpip"), {{"location", "westus"}});
  CHECK(basic["sku"]["name"] == "Basic");
  CHECK(basic["properties"]["publicIPAllocationMethod"] == "Dynamic");
  CHECK(basic["properties"]["idleTimeoutInMinutes"] == 4);
  CHECK_FALSE(basic["properties"].contains("ipAddress"));  // Dynamic: allocated when attached

  auto basicStatic = f.mustPut(pipId("bstatic"), {{"location", "westus"},
                                                  {"properties", {{"publicIPAllocationMethod", "static"}}}});
  CHECK(basicStatic["properties"]["publicIPAllocationMethod"] == "Static");
  CHECK(basicStatic["properties"]["ipAddress"].is_string());
  CHECK(basicStatic["properties"]["ipAddress"] != sp["ipAddress"]);

  // An update keeps the address.
  auto again = f.mustPut(pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}},
                                         {"properties", {{"idleTimeoutInMinutes", 10}}}});
  CHECK(again["properties"]["ipAddress"] == sp["ipAddress"]);
  CHECK(again["properties"]["idleTimeoutInMinutes"] == 10);

  // A Basic dynamic address appears once a frontend uses it.
  f.mustPut(lbId("lb1"), publicLb("bpip", {}, "Basic"));
  auto attached = f.mustGet(pipId("bpip"));
  CHECK(attached["properties"]["ipAddress"].is_string());
  CHECK(attached["properties"]["ipConfiguration"] == idRef(lbChild("lb1", "frontendIPConfigurations", "fe")));
}

TEST_CASE("virtual network and subnet defaults", "[mapping][vnet]") {
  ServiceFixture f;
  auto vnet = f.putVnet("vnet1", {{"default", "10.0.0.0/24"}, {"web", "10.0.1.0/24"}});
  CHECK(vnet["type"] == "Microsoft.Network/virtualNetworks");
  CHECK(vnet["properties"]["enableDdosProtection"] == false);
  CHECK(vnet["properties"]["enableVmProtection"] == false);
  CHECK(vnet["properties"]["virtualNetworkPeerings"] == json::array());
  auto subnet = childOf(vnet, "subnets", "web");
  CHECK(subnet["id"] == subnetId("vnet1", "web"));
  CHECK(subnet["type"] == "Microsoft.Network/virtualNetworks/subnets");
  CHECK(subnet["etag"] == vnet["etag"]);
  CHECK(subnet["properties"]["privateEndpointNetworkPolicies"] == "Disabled");
  CHECK(subnet["properties"]["privateLinkServiceNetworkPolicies"] == "Enabled");
  CHECK(subnet["properties"]["provisioningState"] == "Succeeded");
  CHECK_FALSE(subnet["properties"].contains("ipConfigurations"));

  auto child = f.mustGet(subnetId("vnet1", "web"));
  CHECK(child == subnet);

  // A subnet PUT on its own adds it to the virtual network.
  auto put = f.put(subnetId("vnet1", "extra"), {{"properties", {{"addressPrefix", "10.0.2.0/24"},
                                                               {"privateEndpointNetworkPolicies", "Enabled"}}}});
  REQUIRE(put.status == 201);
  auto after = f.mustGet(vnetId("vnet1"));
  CHECK(after["properties"]["subnets"].size() == 3);
  CHECK(childOf(after, "subnets", "extra")["properties"]["privateEndpointNetworkPolicies"] == "Enabled");
}

TEST_CASE("network interface mapping allocates addresses and fills defaults", "[mapping][nic]") {
  ServiceFixture f;
  f.putVnet("vnet1");
  auto nic = f.mustPut(nicId("nic1"), ServiceFixture::nicBody("vnet1", "default"));
  CHECK(nic["type"] == "Microsoft.Network/networkInterfaces");
  auto cfg = childOf(nic, "ipConfigurations", "ipconfig1");
  CHECK(cfg["id"] == nicId("nic1") + "/ipConfigurations/ipconfig1");
  CHECK(cfg["type"] == "Microsoft.Network/networkInterfaces/ipConfigurations");
  CHECK(cfg["etag"] == nic["etag"]);
  CHECK(cfg["properties"]["privateIPAddress"] == "10.0.0.4");  // first four addresses are Azure's
  CHECK(cfg["properties"]["privateIPAllocationMethod"] == "Dynamic");
  CHECK(cfg["properties"]["privateIPAddressVersion"] == "IPv4");
  CHECK(cfg["properties"]["primary"] == true);
  CHECK(cfg["properties"]["subnet"] == idRef(subnetId("vnet1", "default")));
  CHECK(nic["properties"]["enableAcceleratedNetworking"] == false);
  CHECK(nic["properties"]["enableIPForwarding"] == false);
  CHECK(nic["properties"]["macAddress"].is_string());

  auto nic2 = f.mustPut(nicId("nic2"), ServiceFixture::nicBody("vnet1", "default"));
  CHECK(childOf(nic2, "ipConfigurations", "ipconfig1")["properties"]["privateIPAddress"] == "10.0.0.5");
  // An update keeps the dynamic address and the MAC.
  auto again = f.mustPut(nicId("nic1"), ServiceFixture::nicBody("vnet1", "default"));
  CHECK(childOf(again, "ipConfigurations", "ipconfig1")["properties"]["privateIPAddress"] == "10.0.0.4");
  CHECK(again["properties"]["macAddress"] == nic["properties"]["macAddress"]);
}

TEST_CASE("NICs whose names share a prefix never get the same dynamic address", "[mapping][nic]") {
  ServiceFixture f;
  f.putVnet("vnet1");
  auto nic10 = f.mustPut(nicId("nic10"), ServiceFixture::nicBody("vnet1", "default"));
  auto nic1 = f.mustPut(nicId("nic1"), ServiceFixture::nicBody("vnet1", "default"));
  CHECK(childOf(nic10, "ipConfigurations", "ipconfig1")["properties"]["privateIPAddress"] == "10.0.0.4");
  CHECK(childOf(nic1, "ipConfigurations", "ipconfig1")["properties"]["privateIPAddress"] == "10.0.0.5");
}

TEST_CASE("internal frontends get a private address from their subnet", "[mapping][lb]") {
  ServiceFixture f;
  f.putVnet("vnet1");
  f.mustPut(nicId("nic1"), ServiceFixture::nicBody("vnet1", "default"));  // takes 10.0.0.4
  auto lb = f.mustPut(lbId("ilb"), internalLb("vnet1", "default"));
  auto fe = childOf(lb, "frontendIPConfigurations", "fe")["properties"];
  CHECK(fe["privateIPAddress"] == "10.0.0.5");
  CHECK(fe["privateIPAllocationMethod"] == "Dynamic");
  CHECK(fe["subnet"] == idRef(subnetId("vnet1", "default")));
  // Kept across updates.
  auto again = f.mustPut(lbId("ilb"), internalLb("vnet1", "default"));
  CHECK(childOf(again, "frontendIPConfigurations", "fe")["properties"]["privateIPAddress"] == "10.0.0.5");
}

TEST_CASE("backendAddressPool and backendAddressPools are unified on rules", "[mapping][lb]") {
  ServiceFixture f;
  f.putPip("pip1");
  const json poolRef = idRef(lbChild("lb1", "backendAddressPools", "be"));
  auto check = [&](const json& ruleProps) {
    json rule = {{"name", "web"},
                 {"properties",
                  {{"protocol", "Tcp"}, {"frontendPort", 80},
                   {"frontendIPConfiguration", idRef(lbChild("lb1", "frontendIPConfigurations", "fe"))}}}};
    for (const auto& [k, v] : ruleProps.items()) rule["properties"][k] = v;
    auto body = f.mustPut(lbId("lb1"), publicLb("pip1", {{"loadBalancingRules", {rule}}}));
    auto p = childOf(body, "loadBalancingRules", "web")["properties"];
    CHECK(p["backendAddressPool"] == poolRef);
    CHECK(p["backendAddressPools"] == json::array({poolRef}));
  };
  SECTION("singular only") { check({{"backendAddressPool", poolRef}}); }
  SECTION("plural only (az)") { check({{"backendAddressPools", {poolRef}}}); }
  SECTION("both") { check({{"backendAddressPool", poolRef}, {"backendAddressPools", {poolRef}}}); }
  SECTION("the pool id in another casing is stored canonically") {
    std::string lower = azlb::armapi::toLower(lbChild("lb1", "backendAddressPools", "be"));
    check({{"backendAddressPool", idRef(lower)}});
  }
  SECTION("neither: no pool on the rule") {
    json rule = {{"name", "web"},
                 {"properties",
                  {{"protocol", "Tcp"}, {"frontendPort", 80},
                   {"frontendIPConfiguration", idRef(lbChild("lb1", "frontendIPConfigurations", "fe"))}}}};
    auto body = f.mustPut(lbId("lb1"), publicLb("pip1", {{"loadBalancingRules", {rule}}}));
    auto p = childOf(body, "loadBalancingRules", "web")["properties"];
    CHECK_FALSE(p.contains("backendAddressPool"));
    CHECK_FALSE(p.contains("backendAddressPools"));
  }
}

TEST_CASE("unknown properties are kept at every level", "[mapping]") {
  ServiceFixture f;
  f.putPip("pip1");
  json lb = publicLb("pip1", {{"loadBalancingRules", {lbRule("lb1", "web", "Tcp", 80, {{"futureRuleFlag", true}})}},
                              {"futureLbSetting", {{"a", 1}}}});
  lb["extendedLocation"] = {{"name", "edge1"}, {"type", "EdgeZone"}};
  lb["properties"]["backendAddressPools"][0]["properties"] = {{"drainPeriodInSeconds", 30}, {"futurePool", "x"}};
  auto body = f.mustPut(lbId("lb1"), lb);
  CHECK(body["extendedLocation"] == lb["extendedLocation"]);
  CHECK(body["properties"]["futureLbSetting"] == json{{"a", 1}});
  CHECK(childOf(body, "loadBalancingRules", "web")["properties"]["futureRuleFlag"] == true);
  CHECK(childOf(body, "backendAddressPools", "be")["properties"]["futurePool"] == "x");
  CHECK(childOf(body, "backendAddressPools", "be")["properties"]["drainPeriodInSeconds"] == 30);

  auto pip = f.mustPut(pipId("pip2"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}, {"zones", {"1", "2"}},
                                       {"properties", {{"futurePip", 7}, {"dnsSettings", {{"domainNameLabel", "MyApp"}}}}}});
  CHECK(pip["zones"] == json{"1", "2"});
  CHECK(pip["properties"]["futurePip"] == 7);
  CHECK(pip["properties"]["dnsSettings"]["fqdn"] == "myapp.westus.cloudapp.azure.com");
}

TEST_CASE("read-only properties sent by clients are ignored", "[mapping]") {
  ServiceFixture f;
  f.putPip("pip1");
  auto first = f.mustPut(lbId("lb1"), publicLb("pip1", {{"probes", {{{"name", "hp"}, {"properties", {{"protocol", "Tcp"}, {"port", 80}}}}}}}));
  const std::string guid = first["properties"]["resourceGuid"];

  json lb = publicLb("pip1", {{"probes", {{{"name", "hp"}, {"properties", {{"protocol", "Tcp"}, {"port", 80}}}}}}});
  lb["id"] = lbId("someOtherName");
  lb["name"] = "someOtherName";
  lb["type"] = "Microsoft.Network/virtualNetworks";
  lb["etag"] = "W/\"bogus\"";
  // provisioningState equal to the server's (SDK round trips); a differing one is V26, see the report.
  lb["properties"]["provisioningState"] = "Succeeded";
  lb["properties"]["resourceGuid"] = "bogus-guid";
  auto& fe = lb["properties"]["frontendIPConfigurations"][0];
  fe["etag"] = "W/\"bogus\"";
  fe["type"] = "bogus";
  fe["id"] = "/bogus";
  fe["properties"]["provisioningState"] = "Succeeded";
  fe["properties"]["loadBalancingRules"] = {idRef("/bogus/rule")};
  fe["properties"]["inboundNatRules"] = {idRef("/bogus/nat")};
  lb["properties"]["backendAddressPools"][0]["properties"] = {
      {"backendIPConfigurations", {idRef("/bogus/ipconfig")}}, {"loadBalancingRules", {idRef("/bogus/rule")}},
      {"outboundRule", idRef("/bogus/ob")}};
  lb["properties"]["probes"][0]["properties"]["loadBalancingRules"] = {idRef("/bogus/rule")};

  auto r = f.put(lbId("lb1"), lb);
  REQUIRE(r.status == 200);
  auto body = f.mustGet(lbId("lb1"));
  CHECK(body["id"] == lbId("lb1"));
  CHECK(body["name"] == "lb1");
  CHECK(body["type"] == "Microsoft.Network/loadBalancers");
  CHECK(body["etag"] != "W/\"bogus\"");
  CHECK(body["properties"]["provisioningState"] == "Succeeded");
  CHECK(body["properties"]["resourceGuid"] == guid);
  auto feOut = childOf(body, "frontendIPConfigurations", "fe");
  CHECK(feOut["id"] == lbChild("lb1", "frontendIPConfigurations", "fe"));
  CHECK(feOut["type"] == "Microsoft.Network/loadBalancers/frontendIPConfigurations");
  CHECK(feOut["etag"] == body["etag"]);
  CHECK(feOut["properties"]["provisioningState"] == "Succeeded");
  CHECK_FALSE(feOut["properties"].contains("loadBalancingRules"));
  CHECK_FALSE(feOut["properties"].contains("inboundNatRules"));
  auto pool = childOf(body, "backendAddressPools", "be")["properties"];
  CHECK_FALSE(pool.contains("backendIPConfigurations"));
  CHECK_FALSE(pool.contains("loadBalancingRules"));
  CHECK_FALSE(pool.contains("outboundRule"));
  CHECK_FALSE(childOf(body, "probes", "hp")["properties"].contains("loadBalancingRules"));

  // Public IP: the address and the back-reference are the server's.
  json pip = f.mustGet(pipId("pip1"));
  json sent = {{"location", "westus"}, {"sku", {{"name", "Standard"}}},
               {"properties", {{"ipAddress", "203.0.113.9"}, {"ipConfiguration", idRef("/bogus")},
                               {"resourceGuid", "bogus"}, {"provisioningState", "Succeeded"}}}};
  auto pipAfter = f.mustPut(pipId("pip1"), sent);
  CHECK(pipAfter["properties"]["ipAddress"] == pip["properties"]["ipAddress"]);
  CHECK(pipAfter["properties"]["ipConfiguration"] == idRef(lbChild("lb1", "frontendIPConfigurations", "fe")));
  CHECK(pipAfter["properties"]["resourceGuid"] == pip["properties"]["resourceGuid"]);
  CHECK(pipAfter["properties"]["provisioningState"] == "Succeeded");

  // Subnet ipConfigurations are computed, not stored.
  f.putVnet("vnet1");
  json vnet = f.mustGet(vnetId("vnet1"));
  vnet["properties"]["subnets"][0]["properties"]["ipConfigurations"] = {idRef("/bogus/ipconfig")};
  auto vnetAfter = f.mustPut(vnetId("vnet1"), vnet);
  CHECK_FALSE(childOf(vnetAfter, "subnets", "default")["properties"].contains("ipConfigurations"));
}

TEST_CASE("a GET body PUT back unchanged is accepted and changes only the etag", "[mapping]") {
  ServiceFixture f;
  f.putPip("pip1");
  f.putVnet("vnet1");
  auto lb = f.mustPut(lbId("lb1"),
                      publicLb("pip1", {{"probes", {{{"name", "hp"}, {"properties", {{"protocol", "Tcp"}, {"port", 80}}}}}},
                                        {"loadBalancingRules",
                                         {lbRule("lb1", "web", "Tcp", 80, {{"probe", idRef(lbChild("lb1", "probes", "hp"))}})}},
                                        {"inboundNatRules", {natRule("lb1", "ssh", "Tcp", 50000, 22)}}}));
  f.mustPut(nicId("nic1"),
            ServiceFixture::nicBody("vnet1", "default",
                                    {{"loadBalancerBackendAddressPools", {idRef(lbChild("lb1", "backendAddressPools", "be"))}},
                                     {"loadBalancerInboundNatRules", {idRef(lbChild("lb1", "inboundNatRules", "ssh"))}}}));
  for (const std::string& path : {lbId("lb1"), pipId("pip1"), vnetId("vnet1"), nicId("nic1")}) {
    INFO(path);
    auto before = f.mustGet(path);
    auto after = f.mustPut(path, before);
    json a = after, b = before;
    a.erase("etag");
    b.erase("etag");
    auto stripEtags = [](json& body) {
      for (auto& [k, v] : body["properties"].items())
        if (v.is_array())
          for (auto& item : v)
            if (item.is_object()) item.erase("etag");
    };
    stripEtags(a);
    stripEtags(b);
    CHECK(a == b);
    CHECK(after["etag"] != before["etag"]);
  }
}

TEST_CASE("PUT replaces the whole load balancer: absent children disappear, scalars reset", "[mapping][lb]") {
  ServiceFixture f;
  f.putPip("pip1");
  json probes = {{{"name", "hp"}, {"properties", {{"protocol", "Tcp"}, {"port", 80}, {"intervalInSeconds", 30}}}}};
  auto full = f.mustPut(
      lbId("lb1"),
      publicLb("pip1", {{"probes", probes},
                        {"loadBalancingRules",
                         {lbRule("lb1", "web", "Tcp", 80,
                                 {{"probe", idRef(lbChild("lb1", "probes", "hp"))}, {"idleTimeoutInMinutes", 10}})}},
                        {"inboundNatRules", {natRule("lb1", "ssh", "Tcp", 50000, 22)}},
                        {"outboundRules",
                         {{{"name", "out"},
                           {"properties",
                            {{"protocol", "All"},
                             {"backendAddressPool", idRef(lbChild("lb1", "backendAddressPools", "be"))},
                             {"frontendIPConfigurations", {idRef(lbChild("lb1", "frontendIPConfigurations", "fe"))}}}}}}}}));
  CHECK(full["properties"]["probes"].size() == 1);
  CHECK(full["properties"]["outboundRules"].size() == 1);

  // Same LB without NAT rule, outbound rule and probe; the rule loses its idle timeout.
  auto after = f.mustPut(lbId("lb1"), publicLb("pip1", {{"loadBalancingRules", {lbRule("lb1", "web", "Tcp", 80)}}}));
  CHECK(after["properties"]["probes"] == json::array());
  CHECK(after["properties"]["inboundNatRules"] == json::array());
  CHECK(after["properties"]["outboundRules"] == json::array());
  auto rule = childOf(after, "loadBalancingRules", "web")["properties"];
  CHECK(rule["idleTimeoutInMinutes"] == 4);
  CHECK_FALSE(rule.contains("probe"));
  CHECK(f.get(lbChild("lb1", "probes", "hp")).status == 404);
  CHECK(f.get(lbChild("lb1", "inboundNatRules", "ssh")).status == 404);
  auto fe = childOf(after, "frontendIPConfigurations", "fe")["properties"];
  CHECK_FALSE(fe.contains("inboundNatRules"));
  CHECK_FALSE(fe.contains("outboundRules"));

  // Tags: a PUT without tags drops them.
  json tagged = publicLb("pip1");
  tagged["tags"] = {{"env", "test"}};
  CHECK(f.mustPut(lbId("lb1"), tagged)["tags"] == json{{"env", "test"}});
  CHECK_FALSE(f.mustPut(lbId("lb1"), publicLb("pip1")).contains("tags"));
}

TEST_CASE("children carry ids, types and the parent's etag; the child GET returns the same item", "[mapping][lb]") {
  ServiceFixture f;
  f.putPip("pip1");
  auto body = f.mustPut(
      lbId("lb1"),
      publicLb("pip1", {{"probes", {{{"name", "hp"}, {"properties", {{"protocol", "Tcp"}, {"port", 80}}}}}},
                        {"loadBalancingRules", {lbRule("lb1", "web", "Tcp", 80)}},
                        {"inboundNatRules", {natRule("lb1", "ssh", "Tcp", 50000, 22)}}}));
  auto g = f.get(lbId("lb1"));
  CHECK(g.header("ETag") == body["etag"]);
  const std::string etag = body["etag"];
  CHECK(etag.rfind("W/\"", 0) == 0);
  for (const auto& [coll, name] : std::vector<std::pair<std::string, std::string>>{
           {"frontendIPConfigurations", "fe"}, {"backendAddressPools", "be"}, {"probes", "hp"},
           {"loadBalancingRules", "web"}, {"inboundNatRules", "ssh"}}) {
    INFO(coll);
    auto item = childOf(body, coll, name);
    CHECK(item["id"] == lbChild("lb1", coll, name));
    CHECK(item["type"] == "Microsoft.Network/loadBalancers/" + coll);
    CHECK(item["etag"] == etag);
    CHECK(item["name"] == name);
    CHECK(f.mustGet(lbChild("lb1", coll, name)) == item);
    auto list = f.mustGet(lbId("lb1") + "/" + coll);
    CHECK(list["value"] == body["properties"][coll]);
  }
  auto missing = f.get(lbChild("lb1", "probes", "nope"));
  CHECK(missing.status == 404);
  CHECK(missing.code() == "NotFound");
  CHECK(missing.message() == "Resource " + lbChild("lb1", "probes", "nope") + " not found.");
  auto missingLb = f.get(lbChild("lb9", "probes", "hp"));
  CHECK(missingLb.status == 404);
  CHECK(missingLb.code() == "ResourceNotFound");
}

TEST_CASE("provisioningState is Updating in the PUT answer and Succeeded once the operation completes",
          "[mapping][lro]") {
  ServiceFixture f;
  auto r = f.put(pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}});
  REQUIRE(r.status == 201);
  CHECK(r.body["properties"]["provisioningState"] == "Updating");
  const std::string url = r.header("Azure-AsyncOperation");
  CHECK(url.rfind(std::string(kBaseUrl) + "/subscriptions/" + kSub +
                      "/providers/Microsoft.Network/locations/westus/operations/",
                  0) == 0);
  CHECK(url.find("?api-version=2022-05-01") != std::string::npos);
  CHECK(r.header("Retry-After") == "1");
  CHECK(r.header("Location").empty());  // no Location on PUT
  CHECK_FALSE(r.header("x-ms-request-id").empty());

  const std::string opId = r.asyncOperationId();
  auto status = f.get(std::string("/subscriptions/") + kSub + "/providers/Microsoft.Network/locations/westus/operations/" + opId);
  REQUIRE(status.status == 200);
  CHECK(status.body["status"] == "Succeeded");
  CHECK(f.mustGet(pipId("pip1"))["properties"]["provisioningState"] == "Succeeded");

  // Updates answer 200 and pass through Updating as well.
  auto update = f.put(pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}});
  CHECK(update.status == 200);
  CHECK(update.body["properties"]["provisioningState"] == "Updating");

  // LB children report the LB's state too.
  auto lb = f.put(lbId("lb1"), publicLb("pip1"));
  REQUIRE(lb.status == 201);
  CHECK(childOf(lb.body, "frontendIPConfigurations", "fe")["properties"]["provisioningState"] == "Updating");
  CHECK(childOf(f.mustGet(lbId("lb1")), "frontendIPConfigurations", "fe")["properties"]["provisioningState"] ==
        "Succeeded");

  // DELETE: 202 with both URLs, then the Location answers 204 and the resource is gone.
  auto d = f.del(lbId("lb1"));
  REQUIRE(d.status == 202);
  CHECK(d.body.is_null());
  CHECK_FALSE(d.header("Azure-AsyncOperation").empty());
  CHECK(d.header("Azure-AsyncNotification") == "Enabled");
  std::string loc = d.header("Location");
  REQUIRE(loc.rfind(kBaseUrl, 0) == 0);
  loc = loc.substr(std::string(kBaseUrl).size());
  loc = loc.substr(0, loc.find('?'));
  CHECK(loc.find("/operationResults/") != std::string::npos);
  CHECK(f.get(loc).status == 204);
  CHECK(f.get(lbId("lb1")).status == 404);
  CHECK(f.del(lbId("lb1")).status == 204);
}

TEST_CASE("resourceGuid is stable across updates while the etag changes", "[mapping]") {
  ServiceFixture f;
  f.putPip("pip1");
  auto a = f.mustPut(lbId("lb1"), publicLb("pip1"));
  auto b = f.mustPut(lbId("lb1"), publicLb("pip1", {{"loadBalancingRules", {lbRule("lb1", "web", "Tcp", 80)}}}));
  REQUIRE(a["properties"]["resourceGuid"].is_string());
  CHECK(a["properties"]["resourceGuid"] == b["properties"]["resourceGuid"]);
  CHECK(a["etag"] != b["etag"]);
}

TEST_CASE("locations are normalised and cannot change", "[mapping]") {
  ServiceFixture f;
  auto pip = f.mustPut(pipId("pip1"), {{"location", "West US"}, {"sku", {{"name", "Standard"}}}});
  CHECK(pip["location"] == "westus");
  // The same location in another spelling, or none at all, is an update.
  CHECK(f.put(pipId("pip1"), {{"location", "WESTUS"}, {"sku", {{"name", "Standard"}}}}).status == 200);
  CHECK(f.put(pipId("pip1"), {{"sku", {{"name", "Standard"}}}}).status == 200);
  CHECK(f.mustGet(pipId("pip1"))["location"] == "westus");
  auto r = f.expectBadPut(pipId("pip1"), {{"location", "East US"}, {"sku", {{"name", "Standard"}}}},
                          "InvalidResourceLocation");
  CHECK_THAT(r.message(), Catch::Contains("westus") && Catch::Contains("eastus"));
  f.expectBadPut(pipId("pip2"), {{"sku", {{"name", "Standard"}}}}, "LocationRequired");
}

TEST_CASE("names keep their case; lookups ignore it", "[mapping]") {
  ServiceFixture f;
  auto r = f.put(std::string("/subscriptions/") + kSub +
                     "/resourcegroups/RG1/providers/microsoft.network/publicipaddresses/MyPip",
                 {{"location", "westus"}, {"sku", {{"name", "Standard"}}}});
  REQUIRE(r.status == 201);
  CHECK(r.body["name"] == "MyPip");
  CHECK(r.body["id"] == pipId("MyPip"));  // canonical words, the group's stored casing
  auto g = f.get(pipId("mypip"));
  REQUIRE(g.status == 200);
  CHECK(g.body["name"] == "MyPip");
  // The most recent casing wins.
  CHECK(f.put(pipId("MYPIP"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}}).status == 200);
  CHECK(f.mustGet(pipId("mypip"))["name"] == "MYPIP");
}

TEST_CASE("tags are stored, replaced by PATCH, and must be strings", "[mapping]") {
  ServiceFixture f;
  auto pip = f.mustPut(pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}, {"tags", {{"a", "1"}}}});
  CHECK(pip["tags"] == json{{"a", "1"}});
  auto p = f.send("PATCH", pipId("pip1"), {{"tags", {{"b", "2"}}}});
  REQUIRE(p.status == 200);
  CHECK(p.body["tags"] == json{{"b", "2"}});
  CHECK(p.body["etag"] != pip["etag"]);
  f.expectBadPut(pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}}}, {"tags", {{"n", 1}}}},
                 "InvalidTagValue");
}

TEST_CASE("a public IP's fqdn uses the normalised location, also on updates without one", "[mapping][pip]") {
  ServiceFixture f;
  auto pip = f.mustPut(pipId("pip1"), {{"location", "West US"}, {"sku", {{"name", "Standard"}}},
                                       {"properties", {{"dnsSettings", {{"domainNameLabel", "MyApp"}}}}}});
  CHECK(pip["properties"]["dnsSettings"]["fqdn"] == "myapp.westus.cloudapp.azure.com");
  auto again = f.mustPut(pipId("pip1"), {{"sku", {{"name", "Standard"}}},
                                         {"properties", {{"dnsSettings", {{"domainNameLabel", "other"}}}}}});
  CHECK(again["properties"]["dnsSettings"]["fqdn"] == "other.westus.cloudapp.azure.com");
}

TEST_CASE("az address-pool address add: a child PUT of a Standard pool", "[mapping][lb]") {
  ServiceFixture f;
  f.putPip("pip1");
  f.putVnet("vnet1");
  f.mustPut(lbId("lb1"), publicLb("pip1"));
  // Body as az 2.45 sends it (az-traffic.txt step 11): the vnet reference carries SDK artefacts.
  json body = {{"id", lbChild("lb1", "backendAddressPools", "be")},
               {"name", "be"},
               {"properties",
                {{"loadBalancerBackendAddresses",
                  {{{"name", "vm1"},
                    {"properties",
                     {{"virtualNetwork", {{"id", vnetId("vnet1")},
                                          {"properties", {{"enableDdosProtection", false}, {"enableVmProtection", false}}}}},
                      {"ipAddress", "10.0.0.4"}}}}}}}}};
  auto r = f.put(lbChild("lb1", "backendAddressPools", "be"), body);
  REQUIRE(r.status == 200);  // the pool existed
  CHECK(r.body["id"] == lbChild("lb1", "backendAddressPools", "be"));
  CHECK(r.body["properties"]["provisioningState"] == "Updating");
  CHECK_FALSE(r.header("Azure-AsyncOperation").empty());
  auto pool = f.mustGet(lbChild("lb1", "backendAddressPools", "be"));
  auto addrs = pool["properties"]["loadBalancerBackendAddresses"];
  REQUIRE(addrs.size() == 1);
  CHECK(addrs[0]["name"] == "vm1");
  CHECK(addrs[0]["properties"]["ipAddress"] == "10.0.0.4");
  CHECK(addrs[0]["properties"]["virtualNetwork"] == idRef(vnetId("vnet1")));
  // The rest of the load balancer is untouched, and the new pool can be deleted on its own.
  CHECK(childOf(f.mustGet(lbId("lb1")), "frontendIPConfigurations", "fe").is_object());
  auto created = f.put(lbChild("lb1", "backendAddressPools", "be2"), {{"properties", json::object()}});
  CHECK(created.status == 201);
  CHECK(f.del(lbChild("lb1", "backendAddressPools", "be2")).status == 202);
  CHECK(f.get(lbChild("lb1", "backendAddressPools", "be2")).status == 404);
  CHECK(f.del(lbChild("lb1", "backendAddressPools", "be2")).status == 204);
}

TEST_CASE("optional properties sent as null take their defaults", "[mapping]") {
  ServiceFixture f;
  auto pip = f.mustPut(pipId("pip1"), {{"location", "westus"}, {"sku", {{"name", "Standard"}, {"tier", nullptr}}},
                                       {"properties",
                                        {{"publicIPAllocationMethod", nullptr}, {"publicIPAddressVersion", nullptr},
                                         {"idleTimeoutInMinutes", nullptr}}}});
  CHECK(pip["sku"] == json{{"name", "Standard"}, {"tier", "Regional"}});
  CHECK(pip["properties"]["publicIPAllocationMethod"] == "Static");
  CHECK(pip["properties"]["publicIPAddressVersion"] == "IPv4");
  CHECK(pip["properties"]["idleTimeoutInMinutes"] == 4);
  auto basic = f.mustPut(pipId("bpip"), {{"location", "westus"}, {"sku", {{"name", nullptr}}}});
  CHECK(basic["sku"]["name"] == "Basic");

  f.putVnet("vnet1");
  json lb = publicLb("pip1", {{"loadBalancingRules",
                               {lbRule("lb1", "web", "Tcp", 80,
                                       {{"loadDistribution", nullptr}, {"backendPort", nullptr},
                                        {"idleTimeoutInMinutes", nullptr}, {"enableFloatingIP", nullptr}})}}});
  lb["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAllocationMethod"] = nullptr;
  lb["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAddressVersion"] = nullptr;
  lb["properties"]["backendAddressPools"][0]["properties"] = {
      {"loadBalancerBackendAddresses",
       {{{"name", "a"}, {"properties", {{"ipAddress", "10.0.0.10"}, {"adminState", nullptr}}}}}}};
  auto body = f.mustPut(lbId("lb1"), lb);
  auto rule = childOf(body, "loadBalancingRules", "web")["properties"];
  CHECK(rule["loadDistribution"] == "Default");
  CHECK(rule["backendPort"] == 80);
  CHECK(rule["idleTimeoutInMinutes"] == 4);
  CHECK(rule["enableFloatingIP"] == false);
  auto fe = childOf(body, "frontendIPConfigurations", "fe")["properties"];
  CHECK(fe["privateIPAllocationMethod"] == "Dynamic");
  CHECK(fe["privateIPAddressVersion"] == "IPv4");

  auto nic = f.mustPut(nicId("nic1"), ServiceFixture::nicBody("vnet1", "default", {{"privateIPAllocationMethod", nullptr}}));
  CHECK(childOf(nic, "ipConfigurations", "ipconfig1")["properties"]["privateIPAllocationMethod"] == "Dynamic");

  // A null location on update keeps the resource's.
  CHECK(f.mustPut(pipId("pip1"), {{"location", nullptr}, {"sku", {{"name", "Standard"}}}})["location"] == "westus");
  // Null where a value is required is refused like an absent one.
  f.expectBadPut(lbId("lb1"),
                 publicLb("pip1", {{"probes", {{{"name", "hp"}, {"properties", {{"protocol", "Http"}, {"port", 80},
                                                                               {"requestPath", nullptr}}}}}}}),
                 "InvalidParameter");
  f.expectBadPut(nicId("nic2"),
                 ServiceFixture::nicBody("vnet1", "default",
                                         {{"privateIPAllocationMethod", "Static"}, {"privateIPAddress", nullptr}}),
                 "PrivateIPAddressInvalid");
  f.expectBadPut(pipId("pip2"), {{"location", nullptr}}, "LocationRequired");
}
