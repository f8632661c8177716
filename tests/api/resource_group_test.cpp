// Microsoft.Resources: resource groups (PUT/GET/HEAD/PATCH/list/DELETE as an LRO that takes
// everything inside along) and the generic resources list az uses to look up a public IP.
#include <catch2/catch.hpp>

#include <set>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

namespace {

Client rmClient(TestServer& srv) {
  Client c = srv.client();
  c.apiVersion = "2021-04-01";
  return c;
}

}  // namespace

TEST_CASE("resource group PUT creates (201) then updates (200) and returns the canonical body", "[rg]") {
  TestServer srv;
  Client c = rmClient(srv);
  Reply created = c.put(groupPath("rg1"), json{{"location", "West US"}, {"tags", {{"env", "test"}}}});
  INFO(created.describe());
  REQUIRE(created.status == 201);
  CHECK(created.doc.value("id", "") == groupId("rg1"));
  CHECK(created.doc.value("name", "") == "rg1");
  CHECK(created.doc.value("type", "") == "Microsoft.Resources/resourceGroups");
  CHECK(created.doc.value("location", "") == "westus");
  CHECK(created.doc["properties"].value("provisioningState", "") == "Succeeded");
  CHECK(created.doc["tags"] == json{{"env", "test"}});

  Reply updated = c.put(groupPath("rg1"), json{{"location", "westus"}});
  INFO(updated.describe());
  REQUIRE(updated.status == 200);
  CHECK(updated.doc.value("id", "") == groupId("rg1"));

  Reply got = c.get(groupPath("rg1"));
  REQUIRE(got.status == 200);
  CHECK(got.doc == updated.doc);
}

TEST_CASE("resource group HEAD is 204 when it exists and 404 when not", "[rg]") {
  TestServer srv;
  Client c = rmClient(srv);
  CHECK(c.head(groupPath("rg1")).status == 404);
  REQUIRE(c.put(groupPath("rg1"), groupBody()).status == 201);
  Reply h = c.head(groupPath("rg1"));
  CHECK(h.status == 204);
  CHECK(h.body.empty());
  CHECK(c.head(groupPath("RG1")).status == 204);
}

TEST_CASE("resource group PATCH replaces the tags and keeps the rest", "[rg]") {
  TestServer srv;
  Client c = rmClient(srv);
  REQUIRE(c.put(groupPath("rg1"), json{{"location", "westus"}, {"tags", {{"a", "1"}}}}).status == 201);
  Reply p = c.patch(groupPath("rg1"), json{{"tags", {{"b", "2"}}}});
  INFO(p.describe());
  REQUIRE(p.status == 200);
  CHECK(p.doc["tags"] == json{{"b", "2"}});
  CHECK(p.doc.value("location", "") == "westus");
  CHECK(c.get(groupPath("rg1")).doc["tags"] == json{{"b", "2"}});

  Reply missing = c.patch(groupPath("nosuch"), json{{"tags", json::object()}});
  CHECK(missing.status == 404);
  CHECK(missing.code() == "ResourceGroupNotFound");
}

TEST_CASE("resource groups are listed", "[rg]") {
  TestServer srv;
  Client c = rmClient(srv);
  Reply empty = c.get("/subscriptions/" + kSub + "/resourcegroups");
  REQUIRE(empty.status == 200);
  CHECK(empty.doc["value"] == json::array());
  REQUIRE(c.put(groupPath("rg1"), groupBody()).status == 201);
  REQUIRE(c.put(groupPath("rg2"), groupBody("eastus")).status == 201);
  Reply list = c.get("/subscriptions/" + kSub + "/resourcegroups");
  REQUIRE(list.status == 200);
  REQUIRE(list.doc["value"].size() == 2);
  std::set<std::string> names;
  for (const auto& g : list.doc["value"]) names.insert(g.value("name", ""));
  CHECK(names == std::set<std::string>{"rg1", "rg2"});
  CHECK(!list.doc.contains("nextLink"));
}

TEST_CASE("resource group PUT errors: LocationRequired, InvalidResourceGroupLocation (409), InvalidResourceGroup",
          "[rg]") {
  TestServer srv;
  Client c = rmClient(srv);
  Reply noLoc = c.put(groupPath("rg1"), json::object());
  INFO(noLoc.describe());
  CHECK(noLoc.status == 400);
  CHECK(noLoc.isArmError());
  CHECK(noLoc.code() == "LocationRequired");
  CHECK(c.get(groupPath("rg1")).status == 404);

  REQUIRE(c.put(groupPath("rg1"), groupBody("westus")).status == 201);
  Reply moved = c.put(groupPath("rg1"), groupBody("eastus"));
  INFO(moved.describe());
  CHECK(moved.status == 409);
  CHECK(moved.isArmError());
  CHECK(moved.code() == "InvalidResourceGroupLocation");
  CHECK(c.get(groupPath("rg1")).doc.value("location", "") == "westus");

  for (const std::string& bad : std::vector<std::string>{"bad*name", "ends-with-dot.", std::string(91, 'a'), "semi;colon"}) {
    Reply r = c.put(groupPath(bad), groupBody());
    INFO(bad << " -> " << r.describe());
    CHECK(r.status == 400);
    CHECK(r.isArmError());
    CHECK(r.code() == "InvalidResourceGroup");
  }
  // The widest legal names: 90 characters, and the punctuation the regex allows.
  CHECK(c.put(groupPath(std::string(90, 'a')), groupBody()).status == 201);
  CHECK(c.put(groupPath("a-b_c.d(e)"), groupBody()).status == 201);
}

TEST_CASE("a missing resource group is 404 ResourceGroupNotFound, also for anything inside it", "[rg]") {
  TestServer srv;
  Client c = srv.client();
  for (const std::string& path : std::vector<std::string>{groupPath("nosuch"), lbId("nosuch", "lb1"), lbId("nosuch", "lb1") + "/probes/p",
                                 groupId("nosuch") + "/providers/Microsoft.Network/loadBalancers"}) {
    Reply r = c.get(path);
    INFO(path << " -> " << r.describe());
    CHECK(r.status == 404);
    CHECK(r.isArmError());
    CHECK(r.code() == "ResourceGroupNotFound");
    CHECK(r.message() == "Resource group 'nosuch' could not be found.");
  }
  Reply put = c.put(pipId("nosuch", "pip1"), standardPipBody());
  CHECK(put.status == 404);
  CHECK(put.code() == "ResourceGroupNotFound");
  Reply del = c.del(groupPath("nosuch"));
  CHECK(del.status == 404);
  CHECK(del.code() == "ResourceGroupNotFound");
}

TEST_CASE("resource group DELETE is a 202 LRO polled on Location, and takes everything inside with it", "[rg][lro]") {
  TestServer srv;
  Client c = srv.client();
  createAzWorld(c);
  c.putAndWait(nicId("rg1", "nic1"), nicBody(subnetId("rg1", "vnet1", "default")));
  // A second group must survive.
  REQUIRE(c.put(groupPath("rg2"), groupBody()).status == 201);
  c.putAndWait(pipId("rg2", "pip1"), standardPipBody());

  Client rm = rmClient(srv);
  Reply del = rm.del(groupPath("rg1"));
  INFO(del.describe());
  REQUIRE(del.status == 202);
  CHECK(del.body.empty());
  CHECK(del.header("Retry-After") == "1");
  const std::string location = del.header("Location");
  REQUIRE(location.rfind(c.baseUrl() + "/subscriptions/" + kSub + "/operationresults/", 0) == 0);
  Reply done = rm.waitLocation(location);
  INFO(done.describe());
  CHECK(done.status == 200);

  Reply g = rm.get(groupPath("rg1"));
  CHECK(g.status == 404);
  CHECK(g.code() == "ResourceGroupNotFound");
  CHECK(rm.head(groupPath("rg1")).status == 404);
  for (const std::string& path : std::vector<std::string>{lbId("rg1", "lb1"), pipId("rg1", "pip1"), vnetId("rg1", "vnet1"), nicId("rg1", "nic1"),
                                 lbChildId("rg1", "lb1", "probes", "http")}) {
    Reply r = c.get(path);
    INFO(path << " -> " << r.describe());
    CHECK(r.status == 404);
    CHECK(r.code() == "ResourceGroupNotFound");
  }
  // Re-creating the group finds it empty.
  REQUIRE(rm.put(groupPath("rg1"), groupBody()).status == 201);
  Reply list = c.get(groupId("rg1") + "/resources");
  REQUIRE(list.status == 200);
  CHECK(list.doc["value"] == json::array());
  // The other group is untouched.
  CHECK(c.get(pipId("rg2", "pip1")).status == 200);
}

TEST_CASE("generic resources list filters on resourceGroup, name and resourceType the way az lb create asks",
          "[rg][list]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  // Decoys: same name other type, same type other name, same name and type in another group.
  c.putAndWait(vnetId("rg1", "pip1"), vnetBody("10.1.0.0/16", {}));
  c.putAndWait(pipId("rg1", "pip2"), standardPipBody());
  REQUIRE(c.put(groupPath("rg2"), groupBody()).status == 201);
  c.putAndWait(pipId("rg2", "pip1"), standardPipBody());

  Client rm = rmClient(srv);
  const std::string filter =
      "resourceGroup eq 'rg1' and name eq 'pip1' and resourceType eq 'Microsoft.Network/publicIPAddresses'";
  Reply r = rm.get("/subscriptions/" + kSub + "/resources?$filter=" + queryEncode(filter));
  INFO(r.describe());
  REQUIRE(r.status == 200);
  REQUIRE(r.doc["value"].size() == 1);
  const json& item = r.doc["value"][0];
  CHECK(item.value("id", "") == pipId("rg1", "pip1"));
  CHECK(item.value("name", "") == "pip1");
  CHECK(item.value("type", "") == "Microsoft.Network/publicIPAddresses");
  CHECK(item.value("location", "") == "westus");
  CHECK(item["sku"].value("name", "") == "Standard");

  Reply none = rm.get("/subscriptions/" + kSub + "/resources?$filter=" +
                      queryEncode("resourceGroup eq 'rg1' and name eq 'nosuch' and resourceType eq "
                                  "'Microsoft.Network/publicIPAddresses'"));
  REQUIRE(none.status == 200);
  CHECK(none.doc["value"] == json::array());

  Reply inGroup = rm.get(groupId("rg2") + "/resources");
  REQUIRE(inGroup.status == 200);
  REQUIRE(inGroup.doc["value"].size() == 1);
  CHECK(inGroup.doc["value"][0].value("id", "") == pipId("rg2", "pip1"));
}

TEST_CASE("a $filter the emulator cannot read is 400 InvalidFilterInQueryString", "[rg][list]") {
  TestServer srv;
  Client rm = rmClient(srv);
  for (const std::string& filter : std::vector<std::string>{"name ne 'x'", "resourceGroup eq rg1", "bogusField eq 'x'",
                                   "name eq 'a' or name eq 'b'", "startswith(name, 'p')"}) {
    Reply r = rm.get("/subscriptions/" + kSub + "/resources?$filter=" + queryEncode(filter));
    INFO(filter << " -> " << r.describe());
    CHECK(r.status == 400);
    CHECK(r.isArmError());
    CHECK(r.code() == "InvalidFilterInQueryString");
  }
}

}  // namespace azlb::apitest
