// Persistence: a new Service on the same SQLite file serves the same resources (ids, bodies,
// etags); the azlb binary killed with SIGKILL right after an acknowledged PUT loses nothing.
#include <catch2/catch.hpp>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

namespace {

/// Group, public IP, VNet, LB (with a second pool) and a NIC in that pool.
std::vector<std::string> buildEverything(Client& c) {
  createAzWorld(c);
  const std::string be2 = lbChildId("rg1", "lb1", "backendAddressPools", "be2");
  Reply pool = c.put(be2, json{{"properties", json::object()}});
  REQUIRE(pool.status == 201);
  c.waitOperation(pool.header("Azure-AsyncOperation"));
  c.putAndWait(nicId("rg1", "nic1"), nicBody(subnetId("rg1", "vnet1", "default"), {}, {be2}));
  return {groupPath("rg1"),
          pipId("rg1", "pip1"),
          vnetId("rg1", "vnet1"),
          subnetId("rg1", "vnet1", "default"),
          lbId("rg1", "lb1"),
          be2,
          lbChildId("rg1", "lb1", "probes", "http"),
          nicId("rg1", "nic1"),
          groupId("rg1") + "/resources"};
}

}  // namespace

TEST_CASE("a new Service on the same store file serves every resource with the same id, body and etag",
          "[persistence]") {
  TestServer srv(TestServer::StoreKind::File);
  std::vector<std::pair<std::string, Observed>> before;
  {
    Client c = srv.client();
    auto paths = buildEverything(c);
    before = observe(c, paths);
  }
  for (const auto& [path, o] : before) {
    INFO(path);
    REQUIRE(o.status == 200);
  }
  // Clients are closed before each stop: httplib's stop() waits out idle keep-alive connections.
  srv.stop();
  srv.start();
  Reply tagged;
  {
    Client c = srv.client();
    for (const auto& [path, o] : before) {
      Reply r = c.get(path);
      INFO(path << " -> " << r.describe());
      CHECK(r.status == 200);
      CHECK(r.header("ETag") == o.etag);
      CHECK(r.body == o.body);
      if (r.doc.contains("id")) CHECK(r.doc.value("id", "") == json::parse(o.body).value("id", ""));
    }
    // And it keeps working: one more write, one more restart.
    tagged = c.patch(lbId("rg1", "lb1"), json{{"tags", {{"after", "restart"}}}});
    REQUIRE(tagged.status == 200);
  }
  srv.stop();
  srv.start();
  Client c2 = srv.client();
  Reply lb = c2.get(lbId("rg1", "lb1"));
  CHECK(lb.doc["tags"] == json{{"after", "restart"}});
  CHECK(lb.header("ETag") == tagged.doc.value("etag", ""));
}

TEST_CASE("azlb serve killed with SIGKILL right after an acknowledged PUT restarts with every acknowledged resource",
          "[persistence][binary]") {
  TempDir dir;
  ChildServer child(dir.path());
  child.start();
  Client c = child.client();

  struct Acked {
    std::string path;
    std::string etag;  // "" for the group, which has none
    json body;
  };
  std::vector<Acked> acked;
  auto put = [&](const std::string& path, const json& body) {
    Reply r = c.put(path, body);
    INFO("PUT " << path << " -> " << r.describe());
    REQUIRE((r.status == 200 || r.status == 201));
    acked.push_back({path, r.doc.value("etag", ""), r.doc});
    return r;
  };
  put(groupPath("rg1"), groupBody());
  put(pipId("rg1", "pip1"), standardPipBody());
  put(vnetId("rg1", "vnet1"), vnetBody("10.0.0.0/16", {{"default", "10.0.0.0/24"}}));
  put(lbId("rg1", "lb1"), json::parse(kAzLoadBalancerPut));
  Reply nic = put(nicId("rg1", "nic1"), nicBody(subnetId("rg1", "vnet1", "default")));
  const std::string nicOp = nic.header("Azure-AsyncOperation");
  child.killHard();  // no polling, no grace: straight after the last acknowledged PUT

  child.start();
  Client after = child.client();
  REQUIRE(after.port() > 0);
  for (const auto& a : acked) {
    Reply r = after.get(a.path);
    INFO(a.path << " -> " << r.describe());
    REQUIRE(r.status == 200);
    CHECK(r.doc.value("id", "") == a.body.value("id", ""));
    CHECK(r.doc.value("etag", "") == a.etag);
    if (!a.etag.empty()) CHECK(r.header("ETag") == a.etag);
    // The body is the acknowledged one; only provisioningState may have moved on to Succeeded,
    // the public IP now shows the frontend that took it...
    json got = withoutKey(r.doc, "provisioningState");
    json want = withoutKey(a.body, "provisioningState");
    if (a.path == pipId("rg1", "pip1")) got["properties"].erase("ipConfiguration");
    // ...and the VNet's subnet shows the NIC created after it.
    if (a.path == vnetId("rg1", "vnet1")) got = withoutKey(got, "ipConfigurations");
    CHECK(got == want);
  }
  // Operations that were in flight are finished after the restart, on the new port.
  const std::string opPath = nicOp.substr(nicOp.find("/subscriptions/"));
  json st = after.waitOperation(after.baseUrl() + opPath);
  CHECK(st.value("status", "") == "Succeeded");
  CHECK(after.get(nicId("rg1", "nic1")).doc["properties"].value("provisioningState", "") == "Succeeded");
  INFO(child.log());
}

}  // namespace azlb::apitest
