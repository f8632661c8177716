// Microsoft.Resources/deployments, as `az network lb create` uses them: PUT the template, poll
// operationStatuses, GET the deployment for outputs; template errors at PUT; resource errors
// inside a Failed deployment.
#include <catch2/catch.hpp>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

namespace {

const std::string kDeployName = "lb_deploy_0123456789abcdef0123456789abcdef";

std::string deploymentPath(const std::string& name) {
  return groupPath("rg1") + "/providers/Microsoft.Resources/deployments/" + name;
}

Client rmClient(TestServer& srv) {
  Client c = srv.client();
  c.apiVersion = "2021-04-01";
  return c;
}

json templateWith(const json& resources, const json& outputs = json::object()) {
  return json{{"properties",
               {{"mode", "incremental"},
                {"parameters", json::object()},
                {"template",
                 {{"$schema", "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#"},
                  {"contentVersion", "1.0.0.0"},
                  {"parameters", json::object()},
                  {"variables", json::object()},
                  {"resources", resources},
                  {"outputs", outputs}}}}}};
}

}  // namespace

TEST_CASE("az lb create: the deployment PUT is 201 + operationStatuses URL, ends Succeeded, and its output is the "
          "LB's properties",
          "[deployment]") {
  TestServer srv;
  Client c = srv.client();
  Client rm = rmClient(srv);
  REQUIRE(rm.put(groupPath("rg1"), groupBody()).status == 201);
  c.putAndWait(pipId("rg1", "pip1"), standardPipBody());

  Reply put = rm.put(deploymentPath(kDeployName), json::parse(kAzLbCreateDeployment));
  INFO(put.describe());
  REQUIRE(put.status == 201);
  CHECK(put.doc.value("id", "") == groupId("rg1") + "/providers/Microsoft.Resources/deployments/" + kDeployName);
  CHECK(put.doc.value("name", "") == kDeployName);
  CHECK(put.doc["properties"].value("provisioningState", "") == "Accepted");
  CHECK(put.header("Retry-After") == "1");
  const std::string op = put.header("Azure-AsyncOperation");
  const std::string prefix = rm.baseUrl() + "/subscriptions/" + kSub + "/resourcegroups/rg1/providers/"
                                            "Microsoft.Resources/deployments/" + kDeployName + "/operationStatuses/";
  CHECK(op.rfind(prefix, 0) == 0);
  CHECK(op.find("?api-version=2021-04-01") != std::string::npos);

  json status = rm.waitOperation(op);
  INFO(status.dump());
  REQUIRE(status.value("status", "") == "Succeeded");

  Reply dep = rm.get(deploymentPath(kDeployName));
  INFO(dep.describe());
  REQUIRE(dep.status == 200);
  CHECK(dep.doc["properties"].value("provisioningState", "") == "Succeeded");
  const json& out = dep.doc["properties"]["outputs"]["loadBalancer"];
  CHECK(out.value("type", "") == "Object");

  Reply lb = c.get(lbId("rg1", "lb1"));
  REQUIRE(lb.status == 200);
  CHECK(out["value"] == lb.doc["properties"]);
  CHECK(lb.doc["sku"].value("name", "") == "Standard");
  CHECK(lb.doc["properties"]["frontendIPConfigurations"][0]["properties"]["publicIPAddress"]["id"] == pipId("rg1", "pip1"));
  CHECK(lb.doc["properties"]["backendAddressPools"][0].value("name", "") == "be1");
  // The generic list az runs beforehand now finds the LB too.
  Reply all = rm.get(groupId("rg1") + "/resources");
  CHECK(all.doc["value"].size() == 2);
}

TEST_CASE("a template with a bad expression is refused at PUT with 400 InvalidTemplate, creating nothing",
          "[deployment]") {
  TestServer srv;
  Client rm = rmClient(srv);
  REQUIRE(rm.put(groupPath("rg1"), groupBody()).status == 201);
  json bad = templateWith(
      json::array({{{"type", "Microsoft.Network/publicIPAddresses"},
                    {"name", "[concat('pip', ]"},
                    {"apiVersion", "2022-05-01"},
                    {"location", "westus"},
                    {"sku", {{"name", "Standard"}}},
                    {"properties", {{"publicIPAllocationMethod", "Static"}}}}}));
  Reply r = rm.put(deploymentPath("bad1"), bad);
  INFO(r.describe());
  CHECK(r.status == 400);
  CHECK(r.isArmError());
  CHECK(r.code() == "InvalidTemplate");

  json unknownFn = templateWith(json::array(), {{"x", {{"type", "string"}, {"value", "[noSuchFunction('a')]"}}}});
  Reply r2 = rm.put(deploymentPath("bad2"), unknownFn);
  INFO(r2.describe());
  CHECK(r2.status == 400);
  CHECK(r2.code() == "InvalidTemplate");

  for (const std::string& name : std::vector<std::string>{"bad1", "bad2"}) {
    Reply g = rm.get(deploymentPath(name));
    CHECK(g.status == 404);
    CHECK(g.code() == "DeploymentNotFound");
  }
  Reply all = rm.get(groupId("rg1") + "/resources");
  CHECK(all.doc["value"] == json::array());
}

TEST_CASE("a deployment whose resource fails validation ends Failed with DeploymentFailed and the inner code in "
          "details",
          "[deployment]") {
  TestServer srv;
  Client c = srv.client();
  Client rm = rmClient(srv);
  REQUIRE(rm.put(groupPath("rg1"), groupBody()).status == 201);
  c.putAndWait(pipId("rg1", "pipbasic"), basicPipBody());
  json lbRes = {{"type", "Microsoft.Network/loadBalancers"},
                {"name", "lb1"},
                {"apiVersion", "2022-07-01"},
                {"location", "westus"},
                {"sku", {{"name", "Standard"}}},
                {"dependsOn", json::array()},
                {"properties",
                 {{"frontendIPConfigurations",
                   {{{"name", "fe1"}, {"properties", {{"publicIPAddress", {{"id", pipId("rg1", "pipbasic")}}}}}}}}}}};
  Reply put = rm.put(deploymentPath("failing"),
                     templateWith(json::array({lbRes}), {{"loadBalancer", {{"type", "object"}, {"value", "[reference('lb1')]"}}}}));
  INFO(put.describe());
  REQUIRE(put.status == 201);
  json status = rm.waitOperation(put.header("Azure-AsyncOperation"));
  INFO(status.dump());
  CHECK(status.value("status", "") == "Failed");
  CHECK(status["error"].value("code", "") == "DeploymentFailed");

  Reply dep = rm.get(deploymentPath("failing"));
  INFO(dep.describe());
  REQUIRE(dep.status == 200);
  CHECK(dep.doc["properties"].value("provisioningState", "") == "Failed");
  const json& err = dep.doc["properties"]["error"];
  CHECK(err.value("code", "") == "DeploymentFailed");
  REQUIRE(err["details"].is_array());
  REQUIRE(!err["details"].empty());
  CHECK(err["details"][0].value("code", "") == "PublicIPAndLBSkuDoNotMatch");
  CHECK(!dep.doc["properties"].contains("outputs"));
  // Nothing was created.
  CHECK(c.get(lbId("rg1", "lb1")).status == 404);
}

TEST_CASE("a deployment may create several resources in dependsOn order and list them as outputResources",
          "[deployment]") {
  TestServer srv;
  Client c = srv.client();
  Client rm = rmClient(srv);
  REQUIRE(rm.put(groupPath("rg1"), groupBody()).status == 201);
  // What az lb create sends when the public IP is new: the PIP in the template, the LB depends on it.
  json pip = {{"type", "Microsoft.Network/publicIPAddresses"}, {"name", "PublicIPlb1"}, {"apiVersion", "2022-07-01"},
              {"location", "westus"}, {"tags", json::object()}, {"dependsOn", json::array()},
              {"sku", {{"name", "Standard"}}}, {"properties", {{"publicIPAllocationMethod", "Static"}}}};
  json lb = {{"type", "Microsoft.Network/loadBalancers"}, {"name", "lb1"}, {"apiVersion", "2022-07-01"},
             {"location", "westus"}, {"tags", json::object()},
             {"dependsOn", {"Microsoft.Network/publicIpAddresses/PublicIPlb1"}},
             {"sku", {{"name", "Standard"}}},
             {"properties",
              {{"backendAddressPools", {{{"name", "lb1bepool"}}}},
               {"frontendIPConfigurations",
                {{{"name", "LoadBalancerFrontEnd"},
                  {"properties",
                   {{"publicIPAddress",
                     {{"id", "[resourceId('Microsoft.Network/publicIPAddresses', 'PublicIPlb1')]"}}}}}}}}}}};
  Reply put = rm.put(deploymentPath(kDeployName),
                     templateWith(json::array({lb, pip}), {{"loadBalancer", {{"type", "object"}, {"value", "[reference('lb1')]"}}}}));
  INFO(put.describe());
  REQUIRE(put.status == 201);
  REQUIRE(rm.waitOperation(put.header("Azure-AsyncOperation")).value("status", "") == "Succeeded");
  Reply dep = rm.get(deploymentPath(kDeployName));
  const json& outRes = dep.doc["properties"]["outputResources"];
  REQUIRE(outRes.size() == 2);
  CHECK(outRes[0].value("id", "") == pipId("rg1", "PublicIPlb1"));
  CHECK(outRes[1].value("id", "") == lbId("rg1", "lb1"));
  Reply pipGet = c.get(pipId("rg1", "PublicIPlb1"));
  CHECK(pipGet.doc["properties"]["ipConfiguration"]["id"] ==
        lbChildId("rg1", "lb1", "frontendIPConfigurations", "LoadBalancerFrontEnd"));
}

}  // namespace azlb::apitest
