// The deployment bodies `az network lb create` sends (tests/fixtures/templates/), run through the
// engine the way the deployment service will: create, evaluate and deploy in order, outputs.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "arm-api/template/template_engine.h"

using azlb::armtemplate::Context;
using azlb::armtemplate::Deployment;
using azlb::armtemplate::json;
using azlb::armtemplate::PlannedResource;
using azlb::armtemplate::TemplateError;

namespace {

const std::string kNet =
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/"
    "Microsoft.Network";

std::string fixturePath(const std::string& name) {
  return std::string(AZLB_SOURCE_DIR) + "/tests/fixtures/templates/" + name;
}

json loadDeploymentBody(const std::string& name) {
  std::ifstream in(fixturePath(name));
  INFO(fixturePath(name));
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

struct Run {
  std::vector<PlannedResource> planned;
  json outputs;
  std::vector<std::pair<std::string, bool>> asked;
};

/// create -> evaluateResource(i) + store, in order -> evaluateOutputs, with a store whose GET
/// body carries the id and provisioningState like the real service's.
Run runDeployment(const json& body) {
  Run run;
  std::map<std::string, json> store;
  Context ctx;
  ctx.subscriptionId = "00000000-0000-0000-0000-000000000001";
  ctx.tenantId = "00000000-0000-0000-0000-0000000000aa";
  ctx.resourceGroupName = "rg1";
  ctx.resourceGroupLocation = "westus";
  ctx.deploymentName = "lb_deploy_0123456789abcdef0123456789abcdef";
  ctx.reference = [&](const std::string& id, bool full) -> azlb::Result<json, TemplateError> {
    run.asked.emplace_back(id, full);
    auto it = store.find(id);
    if (it == store.end()) return azlb::unexpected(TemplateError{"ResourceNotFound", id});
    return full ? it->second : it->second["properties"];
  };
  auto d =
      Deployment::create(body["properties"]["template"], body["properties"]["parameters"], ctx);
  if (!d) FAIL(d.error().message);
  for (std::size_t i = 0; i < d->resourceCount(); ++i) {
    auto r = d->evaluateResource(i);
    if (!r) FAIL(r.error().message);
    json stored = r->resource;
    stored["id"] = r->id;
    stored["properties"]["provisioningState"] = "Succeeded";
    store[r->id] = stored;
    run.planned.push_back(*r);
  }
  auto out = d->evaluateOutputs();
  if (!out) FAIL(out.error().message);
  run.outputs = *out;
  return run;
}

}  // namespace

TEST_CASE("az network lb create with an existing public IP: the captured template deploys") {
  json body = loadDeploymentBody("az-lb-create-existing-pip.deployment.json");
  const json& templ = body["properties"]["template"];
  Run run = runDeployment(body);

  REQUIRE(run.planned.size() == 1);
  const PlannedResource& lb = run.planned[0];
  CHECK(lb.id == kNet + "/loadBalancers/lb1");
  CHECK(lb.type == "Microsoft.Network/loadBalancers");
  CHECK(lb.name == "lb1");
  // The resource is what az wrote, minus the template-only dependsOn.
  json expected = templ["resources"][0];
  expected.erase("dependsOn");
  CHECK(lb.resource == expected);
  CHECK(lb.resource["apiVersion"] == "2022-07-01");
  CHECK(lb.resource["properties"]["frontendIPConfigurations"][0]["properties"]["publicIPAddress"]
                   ["id"] == kNet + "/publicIPAddresses/pip1");

  // outputs.loadBalancer = reference('lb1'): the LB's properties object, type "Object".
  CHECK(run.asked ==
        std::vector<std::pair<std::string, bool>>{{kNet + "/loadBalancers/lb1", false}});
  REQUIRE(run.outputs.contains("loadBalancer"));
  CHECK(run.outputs["loadBalancer"]["type"] == "Object");
  json props = templ["resources"][0]["properties"];
  props["provisioningState"] = "Succeeded";
  CHECK(run.outputs["loadBalancer"]["value"] == props);
}

TEST_CASE("az network lb create with a new public IP: the PIP deploys first") {
  Run run = runDeployment(loadDeploymentBody("az-lb-create-new-pip.deployment.json"));
  REQUIRE(run.planned.size() == 2);
  // az writes the dependency as Microsoft.Network/publicIpAddresses/...: matched
  // case-insensitively.
  CHECK(run.planned[0].id == kNet + "/publicIPAddresses/PublicIPlb2");
  CHECK(run.planned[0].resource["properties"] == json{{"publicIPAllocationMethod", "Static"}});
  CHECK(run.planned[1].id == kNet + "/loadBalancers/lb2");
  CHECK(run.asked ==
        std::vector<std::pair<std::string, bool>>{{kNet + "/loadBalancers/lb2", false}});
  CHECK(run.outputs["loadBalancer"]["value"]["backendAddressPools"][0]["name"] == "lb2bepool");
}

TEST_CASE("az network lb create with a new VNet: the VNet deploys first") {
  json body = loadDeploymentBody("az-lb-create-new-vnet.deployment.json");
  // Reverse the declaration order: dependsOn alone must still put the VNet first.
  json& resources = body["properties"]["template"]["resources"];
  std::swap(resources[0], resources[1]);
  Run run = runDeployment(body);
  REQUIRE(run.planned.size() == 2);
  CHECK(run.planned[0].id == kNet + "/virtualNetworks/vnet2");
  CHECK(run.planned[0].resource["apiVersion"] == "2015-06-15");
  CHECK(run.planned[1].id == kNet + "/loadBalancers/lb3");
  CHECK(run.outputs["loadBalancer"]["value"]["frontendIPConfigurations"][0]["properties"]["subnet"]
                   ["id"] == kNet + "/virtualNetworks/vnet2/subnets/default");
}
