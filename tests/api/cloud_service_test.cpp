// Microsoft.Compute/cloudServices (Cloud Services extended support) over the API: the sample
// package (a folder with its .csdef) and cscfg create a service; ARM answers never show azlb's
// stored csdef; roles and role instances are listed as Azure names them; invalid csdef/cscfg,
// unknown or shared public IPs are refused with nothing stored; the VIP swap exchanges the
// deployments' public IPs; /azlb/cloud-services summarises a service.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

namespace {

const std::string kSample = std::string(AZLB_SOURCE_DIR) + "/samples/cloud-services/ProbeTenant";

std::string csId(const std::string& name) {
  return groupId("rg1") + "/providers/Microsoft.Compute/cloudServices/" + name;
}

std::string readText(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

json csBody(const std::string& pip, const std::string& package = kSample,
            const std::string& configuration = readText(kSample + "/ServiceConfiguration.cscfg")) {
  return {{"location", "westus"},
          {"properties",
           {{"packageUrl", package},
            {"configuration", configuration},
            {"networkProfile",
             {{"loadBalancerConfigurations",
               {{{"name", "lb"},
                 {"properties",
                  {{"frontendIpConfigurations",
                    {{{"name", "fe"}, {"properties", {{"publicIPAddress", {{"id", pipId("rg1", pip)}}}}}}}}}}}}}}}}}};
}

Reply putCs(Client& c, const std::string& name, const json& body) {
  return c.send("PUT", csId(name) + "?api-version=2022-09-04", body.dump());
}

Reply getCs(Client& c, const std::string& path) { return c.send("GET", path + "?api-version=2022-09-04"); }

void prerequisites(Client& c) {
  c.putAndWait(groupPath("rg1"), groupBody());
  c.putAndWait(pipId("rg1", "vip"), standardPipBody());
  c.putAndWait(pipId("rg1", "vip2"), standardPipBody());
}

}  // namespace

TEST_CASE("a cloud service is created from a package folder and a cscfg; ARM answers hide azlb's copy of the csdef",
          "[cloudservice]") {
  TestServer srv;
  Client c = srv.client();
  prerequisites(c);
  Reply put = putCs(c, "web", csBody("vip"));
  INFO(put.describe());
  REQUIRE(put.status == 201);
  REQUIRE(c.waitOperation(put.header("Azure-AsyncOperation")).value("status", "") == "Succeeded");
  CHECK_FALSE(put.doc["properties"].contains("azlb"));
  Reply got = getCs(c, csId("web"));
  REQUIRE(got.status == 200);
  CHECK(got.doc["type"] == "Microsoft.Compute/cloudServices");
  CHECK(got.doc["properties"]["provisioningState"] == "Succeeded");
  CHECK_FALSE(got.doc["properties"].contains("azlb"));
  const json roles = got.doc["properties"]["roleProfile"]["roles"];
  REQUIRE(roles.size() == 2);
  CHECK(roles[1]["name"] == "FERole");
  CHECK(roles[1]["sku"]["capacity"] == 3);
  Reply list = getCs(c, groupId("rg1") + "/providers/Microsoft.Compute/cloudServices");
  REQUIRE(list.doc["value"].size() == 1);
  CHECK_FALSE(list.doc["value"][0]["properties"].contains("azlb"));
  CHECK(getCs(c, "/subscriptions/" + kSub + "/providers/Microsoft.Compute/cloudServices").doc["value"].size() == 1);
  // The public IP shows its user and cannot be deleted while the service holds it.
  CHECK(c.get(pipId("rg1", "vip")).doc["properties"]["ipConfiguration"]["id"].get<std::string>().find(csId("web")) == 0);
  CHECK(c.del(pipId("rg1", "vip")).status == 400);
}

TEST_CASE("roles, role instances and their instance views are listed as Azure names them", "[cloudservice]") {
  TestServer srv;
  Client c = srv.client();
  prerequisites(c);
  json body = csBody("vip");
  body["properties"]["roleProfile"] = {{"roles", {{{"name", "FERole"}, {"sku", {{"name", "Small"}, {"capacity", 4}}}}}}};
  REQUIRE(c.waitOperation(putCs(c, "web", body).header("Azure-AsyncOperation")).value("status", "") == "Succeeded");
  Reply roles = getCs(c, csId("web") + "/roles");
  REQUIRE(roles.doc["value"].size() == 2);
  CHECK(roles.doc["value"][1]["sku"]["capacity"] == 4);  // roleProfile overrides the cscfg's 3
  Reply instances = getCs(c, csId("web") + "/roleInstances");
  REQUIRE(instances.doc["value"].size() == 6);
  CHECK(instances.doc["value"][5]["name"] == "FERole_IN_3");
  CHECK(instances.doc["value"][5]["id"] == csId("web") + "/roleInstances/FERole_IN_3");
  Reply one = getCs(c, csId("web") + "/roleInstances/FERole_IN_3/instanceView");
  REQUIRE(one.status == 200);
  CHECK(one.doc["statuses"][1]["code"].get<std::string>().rfind("RoleState/", 0) == 0);
  CHECK(getCs(c, csId("web") + "/roleInstances/FERole_IN_4").status == 404);
  CHECK(getCs(c, csId("web") + "/roles/BERole").doc["sku"]["capacity"] == 2);
}

TEST_CASE("a bad csdef, a cscfg that does not match, a missing package or public IP are refused; nothing is stored",
          "[cloudservice]") {
  TestServer srv;
  Client c = srv.client();
  prerequisites(c);
  TempDir dir;
  std::string brief = readText(kSample + "/ServiceDefinition.csdef");
  const std::size_t at = brief.find("<InputEndpoint name=\"HTTP_Probe\"");
  brief.replace(at, 20, "<InputEndpointname=\"HTTP_Probe\"");
  const auto line = std::count(brief.begin(), brief.begin() + static_cast<std::ptrdiff_t>(at), '\n') + 1;
  std::ofstream(dir.path() / "ServiceDefinition.csdef") << brief;
  Reply typo = putCs(c, "web", csBody("vip", dir.path().string()));
  CHECK(typo.status == 400);
  CHECK(typo.code() == "InvalidParameter");
  CHECK(typo.message().find("ServiceDefinition.csdef:" + std::to_string(line) + ":") != std::string::npos);
  CHECK(typo.message().find("malformed XML") != std::string::npos);

  std::string cfg = readText(kSample + "/ServiceConfiguration.cscfg");
  cfg.replace(cfg.find("name=\"BERole\""), 13, "name=\"Backend\"");
  Reply mismatch = putCs(c, "web", csBody("vip", kSample, cfg));
  CHECK(mismatch.status == 400);
  CHECK(mismatch.message().find("Role 'Backend': is not a role of ServiceDefinition 'ProbeTenant'") != std::string::npos);

  CHECK(putCs(c, "web", csBody("vip", "/nonexistent/package")).status == 400);
  CHECK(putCs(c, "web", csBody("vip", "https://example.invalid/pkg.cspkg")).status == 400);
  Reply noPip = putCs(c, "web", csBody("nopip"));
  CHECK(noPip.status == 400);
  CHECK(noPip.code() == "InvalidResourceReference");
  CHECK(getCs(c, csId("web")).status == 404);

  REQUIRE(c.waitOperation(putCs(c, "web", csBody("vip")).header("Azure-AsyncOperation")).value("status", "") == "Succeeded");
  Reply shared = putCs(c, "other", csBody("vip"));
  CHECK(shared.status == 400);
  CHECK(shared.code() == "PublicIPAddressInUse");
  CHECK(getCs(c, csId("other")).status == 404);
}

TEST_CASE("VIP swap exchanges the public IPs and slots of a service and its swappable partner", "[cloudservice]") {
  TestServer srv;
  Client c = srv.client();
  prerequisites(c);
  REQUIRE(c.waitOperation(putCs(c, "web", csBody("vip")).header("Azure-AsyncOperation")).value("status", "") == "Succeeded");
  json staging = csBody("vip2");
  staging["properties"]["networkProfile"]["swappableCloudService"] = {{"id", csId("web")}};
  REQUIRE(c.waitOperation(putCs(c, "web-staging", staging).header("Azure-AsyncOperation")).value("status", "") ==
          "Succeeded");
  const std::string slot = csId("web-staging") + "/providers/Microsoft.Network/cloudServiceSlots/swap";
  CHECK(c.send("GET", slot + "?api-version=2023-09-01").doc["properties"]["slotType"] == "Staging");
  Reply swap = c.send("PUT", slot + "?api-version=2023-09-01", json{{"properties", {{"slotType", "Production"}}}}.dump());
  INFO(swap.describe());
  REQUIRE(swap.status == 200);
  REQUIRE(c.waitOperation(swap.header("Azure-AsyncOperation")).value("status", "") == "Succeeded");
  auto pipOf = [&](const std::string& name) {
    return getCs(c, csId(name)).doc["properties"]["networkProfile"]["loadBalancerConfigurations"][0]["properties"]
        ["frontendIpConfigurations"][0]["properties"]["publicIPAddress"]["id"];
  };
  CHECK(pipOf("web") == pipId("rg1", "vip2"));
  CHECK(pipOf("web-staging") == pipId("rg1", "vip"));
  CHECK(c.send("GET", slot + "?api-version=2023-09-01").doc["properties"]["slotType"] == "Production");
  Reply summary = c.send("GET", "/azlb/cloud-services/web", {}, {}, "");
  REQUIRE(summary.status == 200);
  CHECK(summary.doc["slot"] == "Staging");
  CHECK(summary.doc["vip"] == c.get(pipId("rg1", "vip")).doc["properties"]["ipAddress"]);
  CHECK(summary.doc["stagingVip"] == c.get(pipId("rg1", "vip2")).doc["properties"]["ipAddress"]);
  CHECK(summary.doc["instances"].size() == 5);
  Reply lonely = c.send("PUT", csId("alone") + "/providers/Microsoft.Network/cloudServiceSlots/swap?api-version=2023-09-01",
                        json{{"properties", {{"slotType", "Staging"}}}}.dump());
  CHECK(lonely.status == 404);
}

}  // namespace azlb::apitest
