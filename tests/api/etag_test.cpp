// ETags: W/"<guid>", the GET header equals the body, children carry the parent's etag, every
// write makes a new one, and If-Match / If-None-Match preconditions.
#include <catch2/catch.hpp>

#include <regex>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

namespace {

const std::regex kEtag(R"(^W/"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"$)");

const char* const kLbCollections[] = {"frontendIPConfigurations", "backendAddressPools", "loadBalancingRules",
                                      "probes", "inboundNatRules", "inboundNatPools", "outboundRules"};

}  // namespace

TEST_CASE("etags are W/\"guid\", the GET ETag header equals the body etag, and every child carries the parent's",
          "[etag]") {
  TestServer srv;
  Client c = srv.client();
  createAzWorld(c);
  c.putAndWait(nicId("rg1", "nic1"), nicBody(subnetId("rg1", "vnet1", "default")));

  for (const std::string& path : std::vector<std::string>{pipId("rg1", "pip1"), vnetId("rg1", "vnet1"), lbId("rg1", "lb1"), nicId("rg1", "nic1")}) {
    Reply g = c.get(path);
    INFO(path << " -> " << g.describe());
    REQUIRE(g.status == 200);
    const std::string etag = g.doc.value("etag", "");
    CHECK(std::regex_match(etag, kEtag));
    CHECK(g.header("ETag") == etag);
  }

  Reply lb = c.get(lbId("rg1", "lb1"));
  const std::string lbEtag = lb.doc.value("etag", "");
  size_t children = 0;
  for (const char* coll : kLbCollections)
    for (const auto& item : lb.doc["properties"][coll]) {
      INFO(coll << ": " << item.dump());
      CHECK(item.value("etag", "") == lbEtag);
      ++children;
    }
  CHECK(children == 6);  // fe1, be1, web, http, ssh0, out1
  // The child GETs agree with the copies inside the parent.
  Reply probe = c.get(lbChildId("rg1", "lb1", "probes", "http"));
  CHECK(probe.doc.value("etag", "") == lbEtag);

  Reply vnet = c.get(vnetId("rg1", "vnet1"));
  for (const auto& s : vnet.doc["properties"]["subnets"]) CHECK(s.value("etag", "") == vnet.doc.value("etag", ""));
  Reply nic = c.get(nicId("rg1", "nic1"));
  for (const auto& ipc : nic.doc["properties"]["ipConfigurations"])
    CHECK(ipc.value("etag", "") == nic.doc.value("etag", ""));
}

TEST_CASE("every PUT and PATCH makes a new etag, and the children follow", "[etag]") {
  TestServer srv;
  Client c = srv.client();
  Reply first = createAzWorld(c);
  const std::string e1 = first.doc.value("etag", "");

  Reply put = c.put(lbId("rg1", "lb1"), json::parse(kAzLoadBalancerPut));  // the same body again
  REQUIRE(put.status == 200);
  const std::string e2 = put.doc.value("etag", "");
  CHECK(std::regex_match(e2, kEtag));
  CHECK(e2 != e1);
  c.waitOperation(put.header("Azure-AsyncOperation"));
  Reply afterPut = c.get(lbId("rg1", "lb1"));
  CHECK(afterPut.doc.value("etag", "") == e2);
  CHECK(afterPut.doc["properties"]["probes"][0].value("etag", "") == e2);

  Reply patched = c.patch(lbId("rg1", "lb1"), json{{"tags", {{"k", "v"}}}});
  INFO(patched.describe());
  REQUIRE(patched.status == 200);
  CHECK(patched.doc["tags"] == json{{"k", "v"}});
  const std::string e3 = patched.doc.value("etag", "");
  CHECK(e3 != e2);
  CHECK(c.get(lbId("rg1", "lb1")).header("ETag") == e3);

  // A child PUT is a write of the parent.
  Reply pool = c.put(lbChildId("rg1", "lb1", "backendAddressPools", "be2"), json{{"properties", json::object()}});
  REQUIRE(pool.status == 201);
  const std::string e4 = pool.doc.value("etag", "");
  CHECK(e4 != e3);
  c.waitOperation(pool.header("Azure-AsyncOperation"));
  CHECK(c.get(lbId("rg1", "lb1")).doc.value("etag", "") == e4);
}

TEST_CASE("If-Match with a stale etag is 412 PreconditionFailed and changes nothing; with the current etag or * it "
          "succeeds",
          "[etag]") {
  TestServer srv;
  Client c = srv.client();
  Reply lb = createAzWorld(c);
  const std::string current = lb.doc.value("etag", "");
  const std::string stale = "W/\"00000000-0000-0000-0000-000000000000\"";
  json body = json::parse(kAzLoadBalancerPut);
  body["tags"] = {{"changed", "yes"}};

  Reply refused = expectRefusedWithoutChange(c, worldPaths(), [&] {
    return c.put(lbId("rg1", "lb1"), body, {{"If-Match", stale}});
  });
  INFO(refused.describe());
  CHECK(refused.status == 412);
  CHECK(refused.isArmError());
  CHECK(refused.code() == "PreconditionFailed");

  Reply patch = expectRefusedWithoutChange(c, worldPaths(), [&] {
    return c.patch(lbId("rg1", "lb1"), json{{"tags", json::object()}}, {{"If-Match", stale}});
  });
  CHECK(patch.status == 412);
  CHECK(patch.code() == "PreconditionFailed");
  Reply del = expectRefusedWithoutChange(c, worldPaths(), [&] {
    return c.del(lbId("rg1", "lb1"), {{"If-Match", stale}});
  });
  CHECK(del.status == 412);
  CHECK(del.code() == "PreconditionFailed");
  Reply child = expectRefusedWithoutChange(c, worldPaths(), [&] {
    return c.put(lbChildId("rg1", "lb1", "backendAddressPools", "be2"), json{{"properties", json::object()}},
                 {{"If-Match", stale}});
  });
  CHECK(child.status == 412);

  Reply ok = c.put(lbId("rg1", "lb1"), body, {{"If-Match", current}});
  INFO(ok.describe());
  CHECK(ok.status == 200);
  c.waitOperation(ok.header("Azure-AsyncOperation"));
  Reply star = c.put(lbId("rg1", "lb1"), body, {{"If-Match", "*"}});
  CHECK(star.status == 200);
  c.waitOperation(star.header("Azure-AsyncOperation"));
  // If-Match on something that does not exist cannot hold.
  Reply missing = c.put(pipId("rg1", "pipnew"), standardPipBody(), {{"If-Match", "*"}});
  CHECK(missing.status == 412);
  CHECK(c.get(pipId("rg1", "pipnew")).status == 404);
}

TEST_CASE("If-None-Match * creates only: 412 on an existing resource, 201 on a new one", "[etag]") {
  TestServer srv;
  Client c = srv.client();
  createAzWorld(c);
  Reply refused = expectRefusedWithoutChange(c, worldPaths(), [&] {
    return c.put(pipId("rg1", "pip1"), standardPipBody(), {{"If-None-Match", "*"}});
  });
  INFO(refused.describe());
  CHECK(refused.status == 412);
  CHECK(refused.isArmError());
  CHECK(refused.code() == "PreconditionFailed");

  Reply created = c.put(pipId("rg1", "pipnew"), standardPipBody(), {{"If-None-Match", "*"}});
  INFO(created.describe());
  CHECK(created.status == 201);
}

}  // namespace azlb::apitest
