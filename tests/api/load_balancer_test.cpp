// Load balancers: az's whole-LB body round-trips, unknown properties survive, read-only input is
// ignored, back-references are computed, child collections read and (pools, NAT rules) write.
#include <catch2/catch.hpp>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

namespace {

json refs(const json& arr) {
  json out = json::array();
  for (const auto& r : arr) out.push_back(r.value("id", ""));
  return out;
}

const json* byName(const json& arr, const std::string& name) {
  for (const auto& item : arr)
    if (item.value("name", "") == name) return &item;
  return nullptr;
}

}  // namespace

TEST_CASE("the whole LB body az sends round-trips: everything sent comes back, plus what ARM adds", "[lb]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  const json sent = json::parse(kAzLoadBalancerPut);
  Reply put = c.put(lbId("rg1", "lb1"), sent);
  INFO(put.describe());
  REQUIRE(put.status == 201);
  CHECK(put.header("Retry-After") == "1");
  REQUIRE(c.waitOperation(put.header("Azure-AsyncOperation")).value("status", "") == "Succeeded");
  Reply got = c.get(lbId("rg1", "lb1"));
  REQUIRE(got.status == 200);
  const json& lb = got.doc;

  const std::string mismatch = subsetMismatch(lb, sent);
  INFO("GET body: " << lb.dump());
  CHECK(mismatch == "");
  CHECK(lb.value("name", "") == "lb1");
  CHECK(lb.value("type", "") == "Microsoft.Network/loadBalancers");
  CHECK(lb.value("location", "") == "westus");
  CHECK(lb["sku"] == json{{"name", "Standard"}, {"tier", "Regional"}});
  CHECK(lb["properties"].value("provisioningState", "") == "Succeeded");
  CHECK(lb["properties"].value("resourceGuid", "").size() == 36);
  for (const char* coll : {"frontendIPConfigurations", "backendAddressPools", "loadBalancingRules", "probes",
                           "inboundNatRules", "inboundNatPools", "outboundRules"}) {
    INFO(coll);
    REQUIRE(lb["properties"][coll].is_array());
    for (const auto& item : lb["properties"][coll]) {
      CHECK(item.value("id", "") == lbChildId("rg1", "lb1", coll, item.value("name", "")));
      CHECK(item.value("type", "") == std::string("Microsoft.Network/loadBalancers/") + coll);
      CHECK(item["properties"].value("provisioningState", "") == "Succeeded");
    }
  }
  // What the service fills in: both pool spellings on the rule, defaults, the new outbound rule's id.
  const json& rule = lb["properties"]["loadBalancingRules"][0]["properties"];
  CHECK(rule["backendAddressPool"]["id"] == lbChildId("rg1", "lb1", "backendAddressPools", "be1"));
  CHECK(rule.value("idleTimeoutInMinutes", 0) == 4);
  CHECK(rule.value("enableTcpReset", true) == false);
  CHECK(rule.value("disableOutboundSnat", true) == false);
  CHECK(rule.value("enableFloatingIP", false) == true);
  CHECK(lb["properties"]["outboundRules"][0].value("id", "") == lbChildId("rg1", "lb1", "outboundRules", "out1"));

  // The GET body, sent back as is (what an SDK round-trip does), changes nothing but the etag.
  Reply again = c.putAndWait(lbId("rg1", "lb1"), lb);
  CHECK(withoutKey(again.doc, "etag") == withoutKey(lb, "etag"));
}

TEST_CASE("unknown properties, top-level, in properties and in a child, are stored and returned", "[lb]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  json body = json::parse(kAzLoadBalancerPut);
  body["someFutureTopLevel"] = "kept";
  body["properties"]["fooBar"] = {{"x", 1}};
  body["properties"]["probes"][0]["properties"]["futureProbeKnob"] = json::array({1, 2});
  Reply put = c.put(lbId("rg1", "lb1"), body);
  INFO(put.describe());
  REQUIRE(put.status == 201);
  CHECK(put.doc.value("someFutureTopLevel", "") == "kept");
  CHECK(put.doc["properties"]["fooBar"] == json{{"x", 1}});
  c.waitOperation(put.header("Azure-AsyncOperation"));
  Reply got = c.get(lbId("rg1", "lb1"));
  CHECK(got.doc.value("someFutureTopLevel", "") == "kept");
  CHECK(got.doc["properties"]["fooBar"] == json{{"x", 1}});
  CHECK(got.doc["properties"]["probes"][0]["properties"]["futureProbeKnob"] == json::array({1, 2}));
  Reply probe = c.get(lbChildId("rg1", "lb1", "probes", "http"));
  CHECK(probe.doc["properties"]["futureProbeKnob"] == json::array({1, 2}));
}

TEST_CASE("read-only input is ignored: provisioningState, etag, resourceGuid, type and back-references", "[lb]") {
  TestServer srv;
  Client c = srv.client();
  Reply before = createAzWorld(c);
  const std::string bogusConfig = nicId("rg1", "ghostnic") + "/ipConfigurations/ipconfig1";
  json body = json::parse(kAzLoadBalancerPut);
  body["etag"] = "W/\"11111111-1111-1111-1111-111111111111\"";
  body["type"] = "Microsoft.Network/somethingElse";
  body["name"] = "othername";
  body["properties"]["provisioningState"] = "Failed";
  body["properties"]["resourceGuid"] = "22222222-2222-2222-2222-222222222222";
  auto& pool = body["properties"]["backendAddressPools"][0];
  pool["properties"]["backendIPConfigurations"] = json::array({{{"id", bogusConfig}}});
  pool["properties"]["loadBalancingRules"] = json::array({{{"id", "/bogus/rule"}}});
  pool["etag"] = "W/\"33333333-3333-3333-3333-333333333333\"";
  body["properties"]["probes"][0]["properties"]["loadBalancingRules"] = json::array({{{"id", "/bogus/rule"}}});
  body["properties"]["probes"][0]["properties"]["provisioningState"] = "Deleting";
  body["properties"]["frontendIPConfigurations"][0]["properties"]["inboundNatRules"] = json::array({{{"id", "/x"}}});

  Reply got = c.putAndWait(lbId("rg1", "lb1"), body);
  const json& lb = got.doc;
  CHECK(lb.value("etag", "") != "W/\"11111111-1111-1111-1111-111111111111\"");
  CHECK(lb.value("type", "") == "Microsoft.Network/loadBalancers");
  CHECK(lb.value("name", "") == "lb1");
  CHECK(lb["properties"].value("provisioningState", "") == "Succeeded");
  CHECK(lb["properties"].value("resourceGuid", "") == before.doc["properties"].value("resourceGuid", ""));
  const json& be1 = lb["properties"]["backendAddressPools"][0];
  CHECK(!be1["properties"].contains("backendIPConfigurations"));
  CHECK(refs(be1["properties"]["loadBalancingRules"]) == json::array({lbChildId("rg1", "lb1", "loadBalancingRules", "web")}));
  CHECK(be1.value("etag", "") == lb.value("etag", ""));
  const json& probe = lb["properties"]["probes"][0]["properties"];
  CHECK(refs(probe["loadBalancingRules"]) == json::array({lbChildId("rg1", "lb1", "loadBalancingRules", "web")}));
  CHECK(probe.value("provisioningState", "") == "Succeeded");
  CHECK(refs(lb["properties"]["frontendIPConfigurations"][0]["properties"]["inboundNatRules"]) ==
        json::array({lbChildId("rg1", "lb1", "inboundNatRules", "ssh0")}));
}

TEST_CASE("back-references are computed: frontend, pool and probe to rules; NIC ipconfig to pool; public IP to its "
          "frontend",
          "[lb]") {
  TestServer srv;
  Client c = srv.client();
  createAzWorld(c);
  Reply pool = c.put(lbChildId("rg1", "lb1", "backendAddressPools", "be2"), json{{"properties", json::object()}});
  REQUIRE(pool.status == 201);
  c.waitOperation(pool.header("Azure-AsyncOperation"));
  c.putAndWait(nicId("rg1", "nic1"), nicBody(subnetId("rg1", "vnet1", "default"), {},
                                             {lbChildId("rg1", "lb1", "backendAddressPools", "be2")},
                                             {lbChildId("rg1", "lb1", "inboundNatRules", "ssh0")}));
  const std::string ipconfig = nicId("rg1", "nic1") + "/ipConfigurations/ipconfig1";

  Reply got = c.get(lbId("rg1", "lb1"));
  const json& p = got.doc["properties"];
  const std::string web = lbChildId("rg1", "lb1", "loadBalancingRules", "web");
  const json& fe = p["frontendIPConfigurations"][0]["properties"];
  CHECK(refs(fe["loadBalancingRules"]) == json::array({web}));
  CHECK(refs(fe["inboundNatRules"]) == json::array({lbChildId("rg1", "lb1", "inboundNatRules", "ssh0")}));
  CHECK(refs(fe["outboundRules"]) == json::array({lbChildId("rg1", "lb1", "outboundRules", "out1")}));
  const json* be1 = byName(p["backendAddressPools"], "be1");
  REQUIRE(be1);
  CHECK(refs((*be1)["properties"]["loadBalancingRules"]) == json::array({web}));
  CHECK(refs((*be1)["properties"]["outboundRules"]) == json::array({lbChildId("rg1", "lb1", "outboundRules", "out1")}));
  const json* be2 = byName(p["backendAddressPools"], "be2");
  REQUIRE(be2);
  CHECK(refs((*be2)["properties"]["backendIPConfigurations"]) == json::array({ipconfig}));
  CHECK(refs(p["probes"][0]["properties"]["loadBalancingRules"]) == json::array({web}));
  CHECK(p["inboundNatRules"][0]["properties"]["backendIPConfiguration"]["id"] == ipconfig);
  // The child GET shows the same.
  Reply be2Get = c.get(lbChildId("rg1", "lb1", "backendAddressPools", "be2"));
  CHECK(refs(be2Get.doc["properties"]["backendIPConfigurations"]) == json::array({ipconfig}));

  Reply pip = c.get(pipId("rg1", "pip1"));
  CHECK(pip.doc["properties"]["ipConfiguration"]["id"] == lbChildId("rg1", "lb1", "frontendIPConfigurations", "fe1"));
  CHECK(!pip.doc["properties"].value("ipAddress", "").empty());
  Reply subnet = c.get(subnetId("rg1", "vnet1", "default"));
  CHECK(refs(subnet.doc["properties"]["ipConfigurations"]) == json::array({ipconfig}));

  // Removing the rule removes its back-references.
  json body = json::parse(kAzLoadBalancerPut);
  body["properties"]["loadBalancingRules"] = json::array();
  body["properties"]["backendAddressPools"].push_back({{"name", "be2"}});
  Reply after = c.putAndWait(lbId("rg1", "lb1"), body);
  CHECK(!after.doc["properties"]["probes"][0]["properties"].contains("loadBalancingRules"));
  CHECK(!after.doc["properties"]["frontendIPConfigurations"][0]["properties"].contains("loadBalancingRules"));
}

TEST_CASE("every child collection can be listed and each item read on its own", "[lb]") {
  TestServer srv;
  Client c = srv.client();
  Reply lb = createAzWorld(c);
  for (const char* coll : {"frontendIPConfigurations", "backendAddressPools", "loadBalancingRules", "probes",
                           "inboundNatRules", "outboundRules"}) {
    Reply list = c.get(lbId("rg1", "lb1") + "/" + coll);
    INFO(coll << " -> " << list.describe());
    REQUIRE(list.status == 200);
    CHECK(list.doc["value"] == lb.doc["properties"][coll]);
    REQUIRE(!list.doc["value"].empty());
    for (const auto& item : lb.doc["properties"][coll]) {
      Reply one = c.get(item.value("id", ""));
      INFO(item.value("id", "") << " -> " << one.describe());
      REQUIRE(one.status == 200);
      CHECK(one.doc == item);
    }
  }
  Reply subnets = c.get(vnetId("rg1", "vnet1") + "/subnets");
  REQUIRE(subnets.status == 200);
  REQUIRE(subnets.doc["value"].size() == 1);
  CHECK(subnets.doc["value"][0].value("id", "") == subnetId("rg1", "vnet1", "default"));
}

TEST_CASE("backend pools and inbound NAT rules of a Standard LB have their own PUT and DELETE", "[lb]") {
  TestServer srv;
  Client c = srv.client();
  createAzWorld(c);
  const std::string be2 = lbChildId("rg1", "lb1", "backendAddressPools", "be2");

  // The pool body az's `address-pool address add` sends, minus the SDK artefact.
  json poolBody = {{"name", "be2"},
                   {"properties",
                    {{"loadBalancerBackendAddresses",
                      {{{"name", "vm9"},
                        {"properties",
                         {{"ipAddress", "10.0.0.9"},
                          {"virtualNetwork",
                           {{"id", vnetId("rg1", "vnet1")},
                            {"properties", {{"enableDdosProtection", false}}}}}}}}}}}}};
  Reply created = c.put(be2, poolBody);
  INFO(created.describe());
  REQUIRE(created.status == 201);
  CHECK(created.doc.value("id", "") == be2);
  CHECK(created.doc.value("name", "") == "be2");
  CHECK(created.doc.value("type", "") == "Microsoft.Network/loadBalancers/backendAddressPools");
  CHECK(created.header("Retry-After") == "1");
  REQUIRE(c.waitOperation(created.header("Azure-AsyncOperation")).value("status", "") == "Succeeded");
  Reply got = c.get(be2);
  REQUIRE(got.status == 200);
  const json& addr = got.doc["properties"]["loadBalancerBackendAddresses"][0]["properties"];
  CHECK(addr["virtualNetwork"] == json{{"id", vnetId("rg1", "vnet1")}});  // the artefact is dropped
  CHECK(addr.value("ipAddress", "") == "10.0.0.9");
  Reply lb = c.get(lbId("rg1", "lb1"));
  CHECK(lb.doc["properties"]["backendAddressPools"].size() == 2);
  // The rest of the LB is untouched.
  CHECK(lb.doc["properties"]["loadBalancingRules"].size() == 1);

  Reply updated = c.put(be2, json{{"properties", json::object()}});
  CHECK(updated.status == 200);
  c.waitOperation(updated.header("Azure-AsyncOperation"));

  const std::string ssh1 = lbChildId("rg1", "lb1", "inboundNatRules", "ssh1");
  json natBody = {{"properties",
                   {{"protocol", "Tcp"}, {"frontendPort", 50001}, {"backendPort", 22},
                    {"frontendIPConfiguration", {{"id", lbChildId("rg1", "lb1", "frontendIPConfigurations", "fe1")}}}}}};
  Reply nat = c.put(ssh1, natBody);
  INFO(nat.describe());
  REQUIRE(nat.status == 201);
  CHECK(nat.doc.value("type", "") == "Microsoft.Network/loadBalancers/inboundNatRules");
  c.waitOperation(nat.header("Azure-AsyncOperation"));
  CHECK(c.get(ssh1).doc["properties"].value("frontendPort", 0) == 50001);
  // A child PUT goes through the whole-LB validation.
  json clash = natBody;
  clash["properties"]["frontendPort"] = 50000;  // ssh0's
  Reply refused = expectRefusedWithoutChange(c, worldPaths(), [&] {
    return c.put(lbChildId("rg1", "lb1", "inboundNatRules", "ssh2"), clash);
  });
  CHECK(refused.status == 400);
  CHECK(refused.code() == "LoadBalancerRulesUseSameFrontendIPConfigurationAndPort");

  for (const std::string& child : {be2, ssh1}) {
    Reply del = c.del(child);
    INFO(child << " -> " << del.describe());
    REQUIRE(del.status == 202);
    CHECK(!del.header("Location").empty());
    CHECK(c.waitOperation(del.header("Azure-AsyncOperation")).value("status", "") == "Succeeded");
    CHECK(c.waitLocation(del.header("Location")).status == 204);
    Reply gone = c.get(child);
    CHECK(gone.status == 404);
    CHECK(gone.code() == "NotFound");
    CHECK(c.del(child).status == 204);
  }
  CHECK(c.get(lbId("rg1", "lb1")).doc["properties"]["backendAddressPools"].size() == 1);
}

TEST_CASE("a Basic LB refuses the backend pool child PUT and DELETE (az falls back to a whole-LB PUT)", "[lb]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  c.putAndWait(pipId("rg1", "pipbasic"), basicPipBody());
  json basic = {{"location", "westus"},
                {"sku", {{"name", "Basic"}}},
                {"properties",
                 {{"frontendIPConfigurations",
                   {{{"name", "fe1"}, {"properties", {{"publicIPAddress", {{"id", pipId("rg1", "pipbasic")}}}}}}}},
                  {"backendAddressPools", {{{"name", "be1"}}}}}}};
  Reply lb = c.putAndWait(lbId("rg1", "lb2"), basic);
  CHECK(lb.doc["sku"].value("name", "") == "Basic");
  // The Dynamic Basic public IP got its address when the frontend took it.
  CHECK(!c.get(pipId("rg1", "pipbasic")).doc["properties"].value("ipAddress", "").empty());

  Reply put = expectRefusedWithoutChange(c, worldPaths(), [&] {
    return c.put(lbChildId("rg1", "lb2", "backendAddressPools", "be2"), json{{"properties", json::object()}});
  });
  INFO(put.describe());
  CHECK(put.status == 400);
  CHECK(put.isArmError());
  CHECK(put.code() == "OperationNotSupportedForBasicSkuLoadBalancer");
  Reply del = expectRefusedWithoutChange(c, worldPaths(), [&] {
    return c.del(lbChildId("rg1", "lb2", "backendAddressPools", "be1"));
  });
  CHECK(del.status == 400);
  CHECK(del.code() == "OperationNotSupportedForBasicSkuLoadBalancer");

  // The whole-LB PUT az uses instead works.
  basic["properties"]["backendAddressPools"].push_back({{"name", "be2"}});
  Reply whole = c.putAndWait(lbId("rg1", "lb2"), basic);
  CHECK(whole.doc["properties"]["backendAddressPools"].size() == 2);
}

TEST_CASE("children without their own PUT/DELETE (probes, rules, frontends, outbound rules) answer 405", "[lb]") {
  TestServer srv;
  Client c = srv.client();
  createAzWorld(c);
  for (const std::string& coll : std::vector<std::string>{"probes", "loadBalancingRules", "frontendIPConfigurations", "outboundRules"}) {
    const std::string child = lbChildId("rg1", "lb1", coll, "newone");
    Reply put = expectRefusedWithoutChange(c, worldPaths(), [&] {
      return c.put(child, json{{"properties", {{"protocol", "Tcp"}, {"port", 81}}}});
    });
    INFO(coll << " PUT -> " << put.describe());
    CHECK(put.status == 405);
    CHECK(put.isArmError());
    CHECK(put.code() == "MethodNotAllowed");
  }
  Reply del = expectRefusedWithoutChange(c, worldPaths(), [&] {
    return c.del(lbChildId("rg1", "lb1", "probes", "http"));
  });
  CHECK(del.status == 405);
  CHECK(del.code() == "MethodNotAllowed");
  CHECK(c.get(lbChildId("rg1", "lb1", "probes", "http")).status == 200);
}

TEST_CASE("a rule's health status is an operation whose result lists its backends (none without a data plane)",
          "[lb][health]") {
  TestServer srv;
  Client c = srv.client();
  createAzWorld(c);
  const std::string health = lbChildId("rg1", "lb1", "loadBalancingRules", "web") + "/health";
  Reply post = c.post(health, json::object());
  INFO(post.describe());
  REQUIRE(post.status == 202);
  CHECK(post.header("Retry-After") == "1");
  REQUIRE(post.hasHeader("Location"));
  REQUIRE(post.hasHeader("Azure-AsyncOperation"));
  CHECK(c.waitOperation(post.header("Azure-AsyncOperation"))["status"] == "Succeeded");
  Reply result = c.waitLocation(post.header("Location"));
  INFO(result.describe());
  REQUIRE(result.status == 200);
  // The api tier runs no data plane: no backend runs, so none is listed (Azure: stopped VMs).
  CHECK(result.doc == json{{"up", 0}, {"down", 0}, {"loadBalancerBackendAddresses", json::array()}});

  // The names are case-insensitive like every ARM path; a GET is not the API.
  CHECK(c.post(lbChildId("rg1", "lb1", "loadBalancingRules", "WEB") + "/Health", json::object()).status == 202);
  Reply get = c.get(health);
  CHECK(get.status == 405);
  CHECK(get.code() == "MethodNotAllowed");
  Reply missing = c.post(lbChildId("rg1", "lb1", "loadBalancingRules", "nope") + "/health", json::object());
  CHECK(missing.status == 404);
  CHECK(missing.isArmError());

  // A rule without a probe has no health status.
  Reply lb = c.get(lbId("rg1", "lb1"));
  REQUIRE(lb.status == 200);
  json body = lb.doc;
  json raw = body["properties"]["loadBalancingRules"][0];
  raw.erase("id");
  raw.erase("etag");
  raw["name"] = "raw";
  raw["properties"].erase("probe");
  raw["properties"]["frontendPort"] = 81;
  raw["properties"]["backendPort"] = 8081;
  body["properties"]["loadBalancingRules"].push_back(raw);
  REQUIRE(c.putAndWait(lbId("rg1", "lb1"), body).status == 200);
  Reply unprobed = c.post(lbChildId("rg1", "lb1", "loadBalancingRules", "raw") + "/health", json::object());
  INFO(unprobed.describe());
  CHECK(unprobed.status == 400);
  CHECK(unprobed.code() == "LoadBalancingRuleHealthNotSupportedWithoutProbe");
}

}  // namespace azlb::apitest
