// Public IP prefixes: an aligned block of the public range, public IPs taken from it, LB
// frontends referencing it, in-use delete refused.
#include <catch2/catch.hpp>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

namespace {

std::string prefixId(const std::string& name) { return netId("rg1", "publicIPPrefixes", name); }

json prefixBody(int length) {
  return {{"location", "westus"}, {"sku", {{"name", "Standard"}}}, {"properties", {{"prefixLength", length}}}};
}

json pipFromPrefix(const std::string& prefix) {
  json b = standardPipBody();
  b["properties"]["publicIPPrefix"] = {{"id", prefixId(prefix)}};
  return b;
}

}  // namespace

TEST_CASE("a public IP prefix is an aligned block; public IPs come from it; others avoid it", "[prefix]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);  // pip1 holds the range's first free address
  // PublicIpPrefixCreateDefaults.json's request.
  Reply p = c.putAndWait(prefixId("test-ipprefix"), prefixBody(30));
  REQUIRE(p.status == 200);
  CHECK(p.doc.value("type", "") == "Microsoft.Network/publicIPPrefixes");
  CHECK(p.doc["sku"].value("name", "") == "Standard");
  const json& props = p.doc["properties"];
  CHECK(props.value("prefixLength", 0) == 30);
  CHECK(props.value("publicIPAddressVersion", "") == "IPv4");
  CHECK(props["ipTags"] == json::array());
  const std::string block = props.value("ipPrefix", "");
  // 198.18.0.0/30 holds the range's network address and pip1: the first free aligned /30 is .4.
  CHECK(block == "198.18.0.4/30");

  // Two public IPs from the prefix get its addresses; a plain one skips the whole block.
  Reply a = c.putAndWait(pipId("rg1", "fromPrefix1"), pipFromPrefix("test-ipprefix"));
  Reply b = c.putAndWait(pipId("rg1", "fromPrefix2"), pipFromPrefix("test-ipprefix"));
  CHECK(a.doc["properties"].value("ipAddress", "") == "198.18.0.4");
  CHECK(b.doc["properties"].value("ipAddress", "") == "198.18.0.5");
  Reply plain = c.putAndWait(pipId("rg1", "plain"), standardPipBody());
  CHECK(plain.doc["properties"].value("ipAddress", "") == "198.18.0.2");
  Reply plain2 = c.putAndWait(pipId("rg1", "plain2"), standardPipBody());
  CHECK(plain2.doc["properties"].value("ipAddress", "") == "198.18.0.3");
  Reply plain3 = c.putAndWait(pipId("rg1", "plain3"), standardPipBody());
  CHECK(plain3.doc["properties"].value("ipAddress", "") == "198.18.0.8");

  // The prefix lists its public IPs; a full prefix refuses one more.
  Reply listed = c.get(prefixId("test-ipprefix"));
  CHECK(listed.doc["properties"]["publicIPAddresses"].size() == 2);
  c.putAndWait(pipId("rg1", "fromPrefix3"), pipFromPrefix("test-ipprefix"));
  c.putAndWait(pipId("rg1", "fromPrefix4"), pipFromPrefix("test-ipprefix"));
  Reply full = expectRefusedWithoutChange(c, {pipId("rg1", "fromPrefix5")},
                                          [&] { return c.put(pipId("rg1", "fromPrefix5"), pipFromPrefix("test-ipprefix")); });
  CHECK(full.status == 400);
  CHECK(full.code() == "PublicIpPrefixOutOfIpAddressesForPublicIp");

  // In use: refused; a missing prefix is an invalid reference; the length cannot change.
  Reply inUse = expectRefusedWithoutChange(c, {prefixId("test-ipprefix")}, [&] { return c.del(prefixId("test-ipprefix")); });
  CHECK(inUse.code() == "InUsePublicIpPrefixCannotBeDeleted");
  Reply missing = c.put(pipId("rg1", "orphan"), pipFromPrefix("nope"));
  CHECK(missing.code() == "InvalidResourceReference");
  Reply relength = expectRefusedWithoutChange(c, {prefixId("test-ipprefix")},
                                              [&] { return c.put(prefixId("test-ipprefix"), prefixBody(29)); });
  CHECK(relength.code() == "InvalidParameter");
  CHECK(c.put(prefixId("basic"), {{"location", "westus"}, {"sku", {{"name", "Basic"}}}}).code() == "InvalidParameter");
}

TEST_CASE("a load balancer frontend may reference a public IP prefix, which then names it", "[prefix]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);
  c.putAndWait(prefixId("outbound"), prefixBody(31));
  json lb = json::parse(kAzLoadBalancerPut);
  json& fe = lb["properties"]["frontendIPConfigurations"][0]["properties"];
  fe.erase("publicIPAddress");
  fe["publicIPPrefix"] = {{"id", prefixId("outbound")}};
  Reply made = c.putAndWait(lbId("rg1", "lb1"), lb);
  REQUIRE(made.status == 200);
  CHECK(made.doc["properties"]["frontendIPConfigurations"][0]["properties"]["publicIPPrefix"].value("id", "") ==
        prefixId("outbound"));
  CHECK(c.get(prefixId("outbound")).doc["properties"]["loadBalancerFrontendIpConfiguration"].value("id", "") ==
        made.doc["properties"]["frontendIPConfigurations"][0].value("id", ""));
  fe["publicIPPrefix"] = {{"id", prefixId("nope")}};
  Reply bad = expectRefusedWithoutChange(c, {lbId("rg1", "lb1")}, [&] { return c.put(lbId("rg1", "lb1"), lb); });
  CHECK(bad.code() == "InvalidResourceReference");
}

}  // namespace azlb::apitest
