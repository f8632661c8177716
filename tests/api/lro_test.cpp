// Long-running operations exactly as PROTOCOL.md describes NRP's: PUT 201/200 + Updating +
// Azure-AsyncOperation + Retry-After: 1; DELETE 202 + Azure-AsyncOperation + Location; the 404
// bodies; and case-insensitive paths with canonical ids.
#include <catch2/catch.hpp>

#include <regex>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

namespace {

const std::string kGuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

std::regex escapedPrefix(const std::string& literal, const std::string& rest) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex(std::regex_replace(literal, special, R"(\$&)") + rest);
}

}  // namespace

TEST_CASE("PUT is 201 Updating with Azure-AsyncOperation and Retry-After 1; the operation ends Succeeded, then GET "
          "shows Succeeded; a second PUT is 200",
          "[lro]") {
  TestServer srv;
  Client c = srv.client();
  REQUIRE(c.put(groupPath("rg1"), groupBody()).status == 201);

  Reply put = c.put(pipId("rg1", "pip1"), standardPipBody());
  INFO(put.describe());
  REQUIRE(put.status == 201);
  CHECK(put.doc["properties"].value("provisioningState", "") == "Updating");
  CHECK(put.doc.value("id", "") == pipId("rg1", "pip1"));
  CHECK(put.header("Retry-After") == "1");
  CHECK(!put.hasHeader("Location"));
  const std::string op = put.header("Azure-AsyncOperation");
  CHECK(std::regex_match(op, escapedPrefix(c.baseUrl() + "/subscriptions/" + kSub +
                                               "/providers/Microsoft.Network/locations/westus/operations/",
                                           kGuid + R"(\?api-version=2022-05-01)")));

  json status = c.waitOperation(op);
  CHECK(status.value("status", "") == "Succeeded");
  CHECK(!status.contains("error"));

  Reply got = c.get(pipId("rg1", "pip1"));
  REQUIRE(got.status == 200);
  CHECK(got.doc["properties"].value("provisioningState", "") == "Succeeded");
  // The GET is the PUT's body with the terminal state.
  json expected = put.doc;
  expected["properties"]["provisioningState"] = "Succeeded";
  CHECK(got.doc == expected);

  Reply again = c.put(pipId("rg1", "pip1"), standardPipBody());
  INFO(again.describe());
  CHECK(again.status == 200);
  CHECK(again.header("Retry-After") == "1");
  CHECK(!again.header("Azure-AsyncOperation").empty());
  CHECK(c.waitOperation(again.header("Azure-AsyncOperation")).value("status", "") == "Succeeded");
}

TEST_CASE("DELETE is 202 with Azure-AsyncOperation and Location; Location turns 204; the resource is then 404 "
          "ResourceNotFound with ARM's message; deleting it again is 204",
          "[lro]") {
  TestServer srv;
  Client c = srv.client();
  createAzWorld(c);

  struct Case {
    std::string path, type, name;
  };
  // The LB first: its frontend holds pip1.
  for (const Case& k : {Case{lbId("rg1", "lb1"), "Microsoft.Network/loadBalancers", "lb1"},
                        Case{pipId("rg1", "pip1"), "Microsoft.Network/publicIPAddresses", "pip1"},
                        Case{vnetId("rg1", "vnet1"), "Microsoft.Network/virtualNetworks", "vnet1"}}) {
    Reply del = c.del(k.path);
    INFO("DELETE " << k.path << " -> " << del.describe());
    REQUIRE(del.status == 202);
    CHECK(del.body.empty());
    CHECK(del.header("Retry-After") == "1");
    CHECK(del.header("Azure-AsyncNotification") == "Enabled");
    const std::string op = del.header("Azure-AsyncOperation");
    const std::string loc = del.header("Location");
    CHECK(std::regex_match(op, escapedPrefix(c.baseUrl() + "/subscriptions/" + kSub +
                                                 "/providers/Microsoft.Network/locations/westus/operations/",
                                             kGuid + R"(\?api-version=2022-05-01)")));
    CHECK(std::regex_match(loc, escapedPrefix(c.baseUrl() + "/subscriptions/" + kSub +
                                                  "/providers/Microsoft.Network/locations/westus/operationResults/",
                                              kGuid + R"(\?api-version=2022-05-01)")));
    CHECK(c.waitOperation(op).value("status", "") == "Succeeded");
    Reply done = c.waitLocation(loc);
    CHECK(done.status == 204);
    CHECK(done.body.empty());

    Reply gone = c.get(k.path);
    INFO(gone.describe());
    CHECK(gone.status == 404);
    CHECK(gone.isArmError());
    CHECK(gone.code() == "ResourceNotFound");
    CHECK(gone.message() == "The Resource '" + k.type + "/" + k.name +
                                "' under resource group 'rg1' was not found. For more details please go to "
                                "https://aka.ms/ARMResourceNotFoundFix");
    Reply again = c.del(k.path);
    CHECK(again.status == 204);
    CHECK(again.body.empty());
  }
}

TEST_CASE("a missing child of an existing parent is 404 NotFound \"Resource {id} not found.\"; a missing parent is "
          "ResourceNotFound for the parent",
          "[lro]") {
  TestServer srv;
  Client c = srv.client();
  createAzWorld(c);
  for (const std::string& childId : std::vector<std::string>
       {lbChildId("rg1", "lb1", "probes", "nosuchprobe"), lbChildId("rg1", "lb1", "backendAddressPools", "nosuch"),
        lbChildId("rg1", "lb1", "loadBalancingRules", "nosuch"), lbChildId("rg1", "lb1", "inboundNatRules", "nosuch"),
        lbChildId("rg1", "lb1", "frontendIPConfigurations", "nosuch"),
        lbChildId("rg1", "lb1", "outboundRules", "nosuch"), subnetId("rg1", "vnet1", "nosuch")}) {
    Reply r = c.get(childId);
    INFO(childId << " -> " << r.describe());
    CHECK(r.status == 404);
    CHECK(r.isArmError());
    CHECK(r.code() == "NotFound");
    CHECK(r.message() == "Resource " + childId + " not found.");
  }
  Reply parent = c.get(lbChildId("rg1", "nosuchlb", "probes", "http"));
  INFO(parent.describe());
  CHECK(parent.status == 404);
  CHECK(parent.code() == "ResourceNotFound");
  CHECK(parent.message().find("'Microsoft.Network/loadBalancers/nosuchlb'") != std::string::npos);
  // Deleting a child that does not exist is a no-op.
  CHECK(c.del(lbChildId("rg1", "lb1", "backendAddressPools", "nosuch")).status == 204);
}

TEST_CASE("paths match case-insensitively and answers carry canonical ids", "[lro]") {
  TestServer srv;
  Client c = srv.client();
  REQUIRE(c.put(groupPath("rg1"), groupBody()).status == 201);

  // az's Microsoft.Resources casing, everything else upside down; the name's casing is the user's.
  const std::string shouted = "/SUBSCRIPTIONS/" + kSub + "/resourcegroups/RG1/PROVIDERS/microsoft.network/PUBLICIPADDRESSES/Pip1";
  Reply put = c.put(shouted, standardPipBody());
  INFO(put.describe());
  REQUIRE(put.status == 201);
  CHECK(put.doc.value("id", "") == pipId("rg1", "Pip1"));
  CHECK(put.doc.value("name", "") == "Pip1");
  CHECK(put.doc.value("type", "") == "Microsoft.Network/publicIPAddresses");
  REQUIRE(c.waitOperation(put.header("Azure-AsyncOperation")).value("status", "") == "Succeeded");

  for (const std::string& path : std::vector<std::string>{pipId("rg1", "pip1"), pipId("RG1", "PIP1"),
                                 "/subscriptions/" + kSub + "/resourcegroups/rg1/providers/Microsoft.Network/publicIPAddresses/pip1"}) {
    Reply g = c.get(path);
    INFO(path << " -> " << g.describe());
    REQUIRE(g.status == 200);
    CHECK(g.doc.value("id", "") == pipId("rg1", "Pip1"));
  }
  // A PUT by another casing is an update (200), and the most recent casing wins.
  Reply renamed = c.put(pipId("rg1", "PIP1"), standardPipBody());
  CHECK(renamed.status == 200);
  CHECK(renamed.doc.value("id", "") == pipId("rg1", "PIP1"));

  // Children too: lower-case collection and names; ids inside keep canonical words.
  createAzWorld(c);
  Reply probe = c.get("/subscriptions/" + kSub + "/resourcegroups/RG1/providers/MICROSOFT.NETWORK/loadbalancers/LB1/probes/HTTP");
  INFO(probe.describe());
  REQUIRE(probe.status == 200);
  CHECK(probe.doc.value("id", "") == lbChildId("rg1", "lb1", "probes", "http"));
  CHECK(probe.doc.value("type", "") == "Microsoft.Network/loadBalancers/probes");
  Reply lbList = c.get("/subscriptions/" + kSub + "/RESOURCEGROUPS/rg1/providers/microsoft.network/LOADBALANCERS");
  REQUIRE(lbList.status == 200);
  REQUIRE(lbList.doc["value"].size() == 1);
  CHECK(lbList.doc["value"][0].value("id", "") == lbId("rg1", "lb1"));
  // References written in another casing come back canonical.
  json body = json::parse(kAzLoadBalancerPut);
  body["properties"]["loadBalancingRules"][0]["properties"]["probe"]["id"] =
      "/SUBSCRIPTIONS/" + kSub + "/resourcegroups/RG1/providers/microsoft.network/loadbalancers/LB1/probes/HTTP";
  Reply lb = c.putAndWait(lbId("rg1", "lb1"), body);
  CHECK(lb.doc["properties"]["loadBalancingRules"][0]["properties"]["probe"]["id"] ==
        lbChildId("rg1", "lb1", "probes", "http"));
}

TEST_CASE("list answers are {value:[...]} with no nextLink, by group and by subscription", "[lro][list]") {
  TestServer srv;
  Client c = srv.client();
  createAzWorld(c);
  REQUIRE(c.put(groupPath("rg2"), groupBody()).status == 201);
  c.putAndWait(pipId("rg2", "pip9"), standardPipBody());

  Reply byGroup = c.get(groupId("rg1") + "/providers/Microsoft.Network/publicIPAddresses");
  REQUIRE(byGroup.status == 200);
  CHECK(byGroup.doc["value"].size() == 1);
  CHECK(!byGroup.doc.contains("nextLink"));
  Reply bySub = c.get("/subscriptions/" + kSub + "/providers/Microsoft.Network/publicIPAddresses");
  REQUIRE(bySub.status == 200);
  CHECK(bySub.doc["value"].size() == 2);
  Reply lbs = c.get("/subscriptions/" + kSub + "/providers/Microsoft.Network/loadBalancers");
  REQUIRE(lbs.status == 200);
  REQUIRE(lbs.doc["value"].size() == 1);
  CHECK(lbs.doc["value"][0] == c.get(lbId("rg1", "lb1")).doc);
  Reply empty = c.get(groupId("rg2") + "/providers/Microsoft.Network/loadBalancers");
  REQUIRE(empty.status == 200);
  CHECK(empty.doc == json{{"value", json::array()}});
}

}  // namespace azlb::apitest
