// Template deployments through Service::handle: the body `az network lb create` sends, polled
// through operationStatuses until terminal; outputs; a failing resource.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "tests/unit/armapi/service_fixture.h"

using namespace azlb::armtest;

namespace {

// Verbatim from /work/shared/arm/az-traffic.txt (az 2.45, `az network lb create -g rg1 -n lb1 --sku Standard
// --public-ip-address pip1 --frontend-ip-name fe1 --backend-pool-name be1`).
const char* const kAzLbCreate = R"({"properties": {"template": {"$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "parameters": {}, "variables": {}, "resources": [{"type": "Microsoft.Network/loadBalancers", "name": "lb1", "location": "westus", "tags": {}, "apiVersion": "2022-07-01", "dependsOn": [], "properties": {"backendAddressPools": [{"name": "be1"}], "frontendIPConfigurations": [{"name": "fe1", "properties": {"publicIPAddress": {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/pip1"}, "privateIPAddressVersion": "IPv4"}}]}, "sku": {"name": "Standard"}}], "outputs": {"loadBalancer": {"type": "object", "value": "[reference('lb1')]"}}}, "parameters": {}, "mode": "incremental"}})";

const std::string kDeployApi = "2021-04-01";

std::string deploymentPath(const std::string& name) {
  // az writes "resourcegroups" in lower case for Microsoft.Resources calls.
  return std::string("/subscriptions/") + kSub + "/resourcegroups/rg1/providers/Microsoft.Resources/deployments/" + name;
}

json fixture(const std::string& file) {
  std::string path = std::string(AZLB_SOURCE_DIR) + "/tests/fixtures/templates/" + file;
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

/// PUTs the deployment, then polls its operationStatuses URL (as az does) until it is no longer
/// Running, waiting on Service::waitOperation between polls; returns the final status body.
json deployAndWait(ServiceFixture& f, const std::string& name, const json& body) {
  auto put = f.send("PUT", deploymentPath(name), body, kDeployApi);
  INFO(put.body.dump());
  REQUIRE(put.status == 201);
  CHECK(put.body["properties"]["provisioningState"] == "Accepted");
  CHECK(put.body["name"] == name);
  const std::string url = put.header("Azure-AsyncOperation");
  REQUIRE(url.rfind(kBaseUrl, 0) == 0);
  std::string statusPath = url.substr(std::string(kBaseUrl).size());
  CHECK(statusPath.find("?api-version=" + kDeployApi) != std::string::npos);
  statusPath = statusPath.substr(0, statusPath.find('?'));
  CHECK(statusPath.find("/providers/Microsoft.Resources/deployments/" + name + "/operationStatuses/") !=
        std::string::npos);
  const std::string opId = put.asyncOperationId();

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  json status;
  for (;;) {
    auto r = f.send("GET", statusPath, json(), kDeployApi);
    REQUIRE(r.status == 200);
    status = r.body;
    if (status["status"] != "Running") break;
    CHECK(r.header("Retry-After") == "1");
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    f.service().waitOperation(opId, std::chrono::milliseconds(200));
  }
  return status;
}

}  // namespace

TEST_CASE("az network lb create: the template deploys and outputs the load balancer's properties",
          "[deployments]") {
  ServiceFixture f;
  f.putPip("pip1");
  auto status = deployAndWait(f, "lb_deploy_0123456789abcdef0123456789abcdef", json::parse(kAzLbCreate));
  CHECK(status["status"] == "Succeeded");
  CHECK_FALSE(status.contains("error"));

  auto dep = f.send("GET", deploymentPath("lb_deploy_0123456789abcdef0123456789abcdef"), json(), kDeployApi);
  REQUIRE(dep.status == 200);
  const auto& props = dep.body["properties"];
  CHECK(props["provisioningState"] == "Succeeded");
  CHECK(props["outputResources"] == json::array({idRef(lbId("lb1"))}));
  auto lb = f.mustGet(lbId("lb1"));
  CHECK(props["outputs"]["loadBalancer"]["type"] == "Object");
  CHECK(props["outputs"]["loadBalancer"]["value"] == lb["properties"]);

  CHECK(lb["sku"] == json{{"name", "Standard"}, {"tier", "Regional"}});
  CHECK(lb["properties"]["provisioningState"] == "Succeeded");
  CHECK(childOf(lb, "frontendIPConfigurations", "fe1")["properties"]["publicIPAddress"] == idRef(pipId("pip1")));
  CHECK(childOf(lb, "backendAddressPools", "be1")["id"] == lbChild("lb1", "backendAddressPools", "be1"));
  CHECK(f.mustGet(pipId("pip1"))["properties"]["ipConfiguration"] == idRef(lbChild("lb1", "frontendIPConfigurations", "fe1")));

  // The deployment is listed and its operations recorded.
  auto list = f.send("GET", std::string("/subscriptions/") + kSub + "/resourcegroups/rg1/providers/Microsoft.Resources/deployments",
                     json(), kDeployApi);
  REQUIRE(list.status == 200);
  CHECK(list.body["value"].size() == 1);
  auto ops = f.send("GET", deploymentPath("lb_deploy_0123456789abcdef0123456789abcdef") + "/operations", json(), kDeployApi);
  REQUIRE(ops.status == 200);
  REQUIRE(ops.body["value"].size() == 1);
  CHECK(ops.body["value"][0]["properties"]["provisioningState"] == "Succeeded");
  CHECK(ops.body["value"][0]["properties"]["targetResource"]["id"] == lbId("lb1"));
}

TEST_CASE("az templates that create the public IP or the VNet deploy in dependsOn order", "[deployments]") {
  ServiceFixture f;
  auto status = deployAndWait(f, "lb_deploy_newpip", fixture("az-lb-create-new-pip.deployment.json"));
  CHECK(status["status"] == "Succeeded");
  auto pip = f.mustGet(pipId("PublicIPlb2"));
  CHECK(pip["sku"]["name"] == "Standard");
  CHECK(pip["properties"]["ipConfiguration"] == idRef(lbChild("lb2", "frontendIPConfigurations", "LoadBalancerFrontEnd")));
  auto dep = f.send("GET", deploymentPath("lb_deploy_newpip"), json(), kDeployApi);
  CHECK(dep.body["properties"]["outputResources"] == json::array({idRef(pipId("PublicIPlb2")), idRef(lbId("lb2"))}));
  CHECK(dep.body["properties"]["outputs"]["loadBalancer"]["value"] == f.mustGet(lbId("lb2"))["properties"]);

  auto vnetStatus = deployAndWait(f, "lb_deploy_newvnet", fixture("az-lb-create-new-vnet.deployment.json"));
  CHECK(vnetStatus["status"] == "Succeeded");
  auto lb3 = f.mustGet(lbId("lb3"));
  CHECK(childOf(lb3, "frontendIPConfigurations", "LoadBalancerFrontEnd")["properties"]["privateIPAddress"] == "10.0.0.4");
  CHECK(f.mustGet(subnetId("vnet2", "default"))["properties"]["ipConfigurations"] ==
        json::array({idRef(lbChild("lb3", "frontendIPConfigurations", "LoadBalancerFrontEnd"))}));
}

TEST_CASE("a failing resource fails the deployment with DeploymentFailed and the inner code", "[deployments]") {
  ServiceFixture f;
  f.putPip("bpip", "Basic");
  json body = json::parse(kAzLbCreate);
  auto& res = body["properties"]["template"]["resources"][0];
  res["properties"]["frontendIPConfigurations"][0]["properties"]["publicIPAddress"]["id"] = pipId("bpip");
  auto status = deployAndWait(f, "lb_deploy_bad", body);
  CHECK(status["status"] == "Failed");
  CHECK(status["error"]["code"] == "DeploymentFailed");
  REQUIRE(status["error"]["details"].size() == 1);
  CHECK(status["error"]["details"][0]["code"] == "PublicIPAndLBSkuDoNotMatch");

  auto dep = f.send("GET", deploymentPath("lb_deploy_bad"), json(), kDeployApi);
  REQUIRE(dep.status == 200);
  CHECK(dep.body["properties"]["provisioningState"] == "Failed");
  CHECK(dep.body["properties"]["error"]["code"] == "DeploymentFailed");
  CHECK(dep.body["properties"]["error"]["details"][0]["code"] == "PublicIPAndLBSkuDoNotMatch");
  CHECK_FALSE(dep.body["properties"].contains("outputs"));
  CHECK(f.get(lbId("lb1")).status == 404);

  // A resource deployed before the failing one stays (incremental mode).
  json two = fixture("az-lb-create-new-pip.deployment.json");
  two["properties"]["template"]["resources"][1]["sku"]["name"] = "Basic";
  auto status2 = deployAndWait(f, "lb_deploy_half", two);
  CHECK(status2["status"] == "Failed");
  CHECK(status2["error"]["details"][0]["code"] == "PublicIPAndLBSkuDoNotMatch");
  CHECK(f.get(pipId("PublicIPlb2")).status == 200);
  CHECK(f.get(lbId("lb2")).status == 404);
}

TEST_CASE("deployment requests are validated before anything runs", "[deployments]") {
  ServiceFixture f;
  auto noTemplate = f.send("PUT", deploymentPath("d1"), {{"properties", {{"mode", "Incremental"}}}}, kDeployApi);
  CHECK(noTemplate.status == 400);
  CHECK(noTemplate.code() == "InvalidTemplate");
  json complete = json::parse(kAzLbCreate);
  complete["properties"]["mode"] = "Complete";
  auto mode = f.send("PUT", deploymentPath("d1"), complete, kDeployApi);
  CHECK(mode.status == 400);
  CHECK(mode.code() == "InvalidDeploymentMode");
  auto missing = f.send("GET", deploymentPath("nope"), json(), kDeployApi);
  CHECK(missing.status == 404);
  CHECK(missing.code() == "DeploymentNotFound");
  auto noGroup = f.send("PUT", std::string("/subscriptions/") + kSub +
                                   "/resourcegroups/nogroup/providers/Microsoft.Resources/deployments/d1",
                        json::parse(kAzLbCreate), kDeployApi);
  CHECK(noGroup.status == 404);
  CHECK(noGroup.code() == "ResourceGroupNotFound");
}
