// Deployment: parameters, variables, copy loops, dependsOn ordering, conditions, nested
// resources, outputs and reference() through a recording fake of the ARM store.
#include "arm-api/template/template_engine.h"

#include <catch2/catch.hpp>
#include <map>

using azlb::armtemplate::Context;
using azlb::armtemplate::Deployment;
using azlb::armtemplate::json;
using azlb::armtemplate::PlannedResource;
using azlb::armtemplate::TemplateError;

namespace {

constexpr const char* kSub = "00000000-0000-0000-0000-000000000001";
const std::string kRg = std::string("/subscriptions/") + kSub + "/resourceGroups/rg1";
const std::string kNet = kRg + "/providers/Microsoft.Network";

/// The ARM store as reference() sees it: deploy() stores what evaluateResource produced, and
/// every reference() call is recorded.
struct FakeArm {
  std::vector<std::pair<std::string, bool>> asked;
  std::map<std::string, json> resources;  // lower-case id -> GET body

  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  Context context() {
    Context ctx;
    ctx.subscriptionId = kSub;
    ctx.tenantId = "tenant-1";
    ctx.resourceGroupName = "rg1";
    ctx.resourceGroupLocation = "westus";
    ctx.deploymentName = "lb_deploy_test";
    ctx.reference = [this](const std::string& id, bool full) -> azlb::Result<json, TemplateError> {
      asked.emplace_back(id, full);
      auto it = resources.find(lower(id));
      if (it == resources.end()) {
        return azlb::unexpected(
            TemplateError{"ResourceNotFound", "The Resource '" + id + "' was not found."});
      }
      return full ? it->second : it->second["properties"];
    };
    return ctx;
  }

  void deploy(const PlannedResource& r) {
    json body = r.resource;
    body["id"] = r.id;
    body["properties"]["provisioningState"] = "Succeeded";
    resources[lower(r.id)] = body;
  }
};

Deployment create(const json& templ, FakeArm& arm, const json& params = json::object()) {
  auto d = Deployment::create(templ, params, arm.context());
  if (!d) FAIL(d.error().message);
  return std::move(d).value();
}

TemplateError createError(const json& templ, const json& params = json::object()) {
  FakeArm arm;
  auto d = Deployment::create(templ, params, arm.context());
  REQUIRE_FALSE(d);
  return d.error();
}

/// Evaluates and "deploys" every resource in order, as the deployment service will.
std::vector<PlannedResource> deployAll(Deployment& d, FakeArm& arm) {
  std::vector<PlannedResource> out;
  for (std::size_t i = 0; i < d.resourceCount(); ++i) {
    auto r = d.evaluateResource(i);
    if (!r) FAIL(r.error().message);
    arm.deploy(*r);
    out.push_back(*r);
  }
  return out;
}

json resource(const std::string& type, const std::string& name, json extra = json::object()) {
  json r = {{"type", type}, {"name", name}, {"apiVersion", "2022-05-01"}, {"location", "westus"}};
  r.update(extra);
  return r;
}

json templateOf(json resources, json extra = json::object()) {
  json t = {{"$schema",
             "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"},
            {"contentVersion", "1.0.0.0"},
            {"resources", std::move(resources)}};
  t.update(extra);
  return t;
}

const char* kHandWritten = R"json({
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "lbName": {"type": "string", "defaultValue": "Web-LB"},
    "pipCount": {"type": "int", "defaultValue": 2, "minValue": 0, "maxValue": 5},
    "sku": {"type": "string", "defaultValue": "Standard", "allowedValues": ["Basic", "Standard"]},
    "location": {"type": "string", "defaultValue": "[resourceGroup().location]"},
    "tags": {"type": "object", "defaultValue": {"env": "test"}}
  },
  "variables": {
    "lbName": "[toLower(parameters('lbName'))]",
    "suffix": "[uniqueString(resourceGroup().id)]",
    "pipPrefix": "[concat(variables('lbName'), '-pip-')]",
    "lbId": "[resourceId('Microsoft.Network/loadBalancers', variables('lbName'))]",
    "poolName": "[format('{0}-pool-{1}', variables('lbName'), subscription().tenantId)]"
  },
  "resources": [
    {
      "type": "Microsoft.Network/loadBalancers",
      "name": "[variables('lbName')]",
      "apiVersion": "2022-05-01",
      "location": "[parameters('location')]",
      "tags": "[parameters('tags')]",
      "sku": {"name": "[parameters('sku')]"},
      "dependsOn": ["pipLoop"],
      "properties": {
        "copy": [{
          "name": "frontendIPConfigurations",
          "count": "[parameters('pipCount')]",
          "input": {
            "name": "[concat('fe', copyIndex('frontendIPConfigurations'))]",
            "properties": {"publicIPAddress": {"id": "[resourceId('Microsoft.Network/publicIPAddresses', concat(variables('pipPrefix'), copyIndex('frontendIPConfigurations')))]"}}
          }
        }],
        "backendAddressPools": [{"name": "[variables('poolName')]"}],
        "probes": [{"name": "http", "properties": {"protocol": "Http", "port": 80, "requestPath": "/"}}],
        "loadBalancingRules": [{
          "name": "web",
          "properties": {
            "frontendIPConfiguration": {"id": "[concat(variables('lbId'), '/frontendIPConfigurations/fe0')]"},
            "backendAddressPool": {"id": "[resourceId('Microsoft.Network/loadBalancers/backendAddressPools', variables('lbName'), variables('poolName'))]"},
            "probe": {"id": "[concat(variables('lbId'), '/probes/http')]"},
            "protocol": "Tcp", "frontendPort": 80, "backendPort": "[add(8000, 80)]"
          }
        }]
      }
    },
    {
      "type": "Microsoft.Network/publicIPAddresses",
      "name": "[concat(variables('pipPrefix'), copyIndex())]",
      "apiVersion": "2022-05-01",
      "location": "[parameters('location')]",
      "sku": {"name": "[parameters('sku')]"},
      "copy": {"name": "pipLoop", "count": "[parameters('pipCount')]"},
      "properties": {
        "publicIPAllocationMethod": "Static",
        "dnsSettings": {"domainNameLabel": "[concat(variables('lbName'), copyIndex(1), '-', variables('suffix'))]"}
      }
    }
  ],
  "outputs": {
    "lbId": {"type": "string", "value": "[variables('lbId')]"},
    "pipNames": {"type": "array", "copy": {"count": "[parameters('pipCount')]", "input": "[concat(variables('pipPrefix'), copyIndex())]"}},
    "count": {"type": "int", "value": "[parameters('pipCount')]"},
    "rg": {"type": "object", "value": "[resourceGroup()]"},
    "sub": {"type": "string", "value": "[subscription().id]"}
  }
})json";

}  // namespace

TEST_CASE("a hand-written LB template: parameters, variables, functions and copy loops") {
  FakeArm arm;
  Deployment d = create(json::parse(kHandWritten), arm, {{"pipCount", {{"value", 3}}}});
  REQUIRE(d.resourceCount() == 4);
  // The LB is declared first but depends on the whole pip loop.
  CHECK(d.resourceIds() == std::vector<std::string>{kNet + "/publicIPAddresses/web-lb-pip-0",
                                                    kNet + "/publicIPAddresses/web-lb-pip-1",
                                                    kNet + "/publicIPAddresses/web-lb-pip-2",
                                                    kNet + "/loadBalancers/web-lb"});
  auto planned = deployAll(d, arm);

  const PlannedResource& pip1 = planned[1];
  CHECK(pip1.name == "web-lb-pip-1");
  CHECK(pip1.type == "Microsoft.Network/publicIPAddresses");
  CHECK(pip1.resource["name"] == "web-lb-pip-1");
  CHECK(pip1.resource["location"] == "westus");  // defaultValue from resourceGroup()
  CHECK(pip1.resource["properties"]["dnsSettings"]["domainNameLabel"] ==
        "web-lb2-" + azlb::armtemplate::uniqueString({kRg}));
  CHECK_FALSE(pip1.resource.contains("copy"));

  const PlannedResource& lb = planned[3];
  CHECK(lb.id == kNet + "/loadBalancers/web-lb");
  CHECK(lb.resource["tags"] == json{{"env", "test"}});
  CHECK(lb.resource["sku"] == json{{"name", "Standard"}});
  CHECK(lb.resource["apiVersion"] == "2022-05-01");
  CHECK_FALSE(lb.resource.contains("dependsOn"));
  const json& props = lb.resource["properties"];
  CHECK_FALSE(props.contains("copy"));
  REQUIRE(props["frontendIPConfigurations"].size() == 3);
  CHECK(props["frontendIPConfigurations"][2]["name"] == "fe2");
  CHECK(props["frontendIPConfigurations"][2]["properties"]["publicIPAddress"]["id"] ==
        kNet + "/publicIPAddresses/web-lb-pip-2");
  CHECK(props["backendAddressPools"][0]["name"] == "web-lb-pool-tenant-1");
  const json& rule = props["loadBalancingRules"][0]["properties"];
  CHECK(rule["backendPort"] == 8080);
  CHECK(rule["frontendIPConfiguration"]["id"] ==
        kNet + "/loadBalancers/web-lb/frontendIPConfigurations/fe0");
  CHECK(rule["backendAddressPool"]["id"] ==
        kNet + "/loadBalancers/web-lb/backendAddressPools/web-lb-pool-tenant-1");

  auto outputs = d.evaluateOutputs();
  REQUIRE(outputs);
  CHECK((*outputs)["lbId"] == json{{"type", "String"}, {"value", kNet + "/loadBalancers/web-lb"}});
  CHECK((*outputs)["pipNames"] ==
        json{{"type", "Array"}, {"value", {"web-lb-pip-0", "web-lb-pip-1", "web-lb-pip-2"}}});
  CHECK((*outputs)["count"] == json{{"type", "Int"}, {"value", 3}});
  CHECK((*outputs)["rg"]["type"] == "Object");
  CHECK((*outputs)["rg"]["value"] == json{{"id", kRg},
                                          {"name", "rg1"},
                                          {"type", "Microsoft.Resources/resourceGroups"},
                                          {"location", "westus"},
                                          {"properties", {{"provisioningState", "Succeeded"}}}});
  CHECK((*outputs)["sub"]["value"] == std::string("/subscriptions/") + kSub);
  CHECK(arm.asked.empty());  // nothing in this template calls reference()
}

TEST_CASE("parameter validation: bounds, allowed values, types, unknown and missing values") {
  json templ = json::parse(kHandWritten);
  auto msg = [&](json params) { return createError(templ, params).message; };
  CHECK_THAT(msg({{"pipCount", {{"value", 9}}}}), Catch::Contains("must be at most 5"));
  CHECK_THAT(
      msg({{"sku", {{"value", "Premium"}}}}),
      Catch::Contains("The provided value 'Premium' for the template parameter 'sku' is not "
                      "valid. Expected a value from the allowed values: 'Basic, Standard'."));
  CHECK_THAT(
      msg({{"pipCount", {{"value", "3"}}}}),
      Catch::Contains("Template parameter 'pipCount' was provided an invalid value. Expected "
                      "a value of type 'Integer', but received a value of type 'String'."));
  CHECK_THAT(msg({{"nope", {{"value", 1}}}, {"alsoNope", {{"value", 1}}}}),
             Catch::Contains("The template parameters 'alsoNope, nope' in the parameters file are "
                             "not valid"));
  CHECK_THAT(msg({{"sku", "Basic"}}), Catch::Contains("must be an object with a 'value' property"));
  // Parameter names are case-insensitive, as in ARM.
  FakeArm arm;
  Deployment d = create(templ, arm, {{"PIPCOUNT", {{"value", 0}}}});
  CHECK(d.resourceCount() == 1);

  json required = templateOf(json::array(), {{"parameters", {{"lbName", {{"type", "string"}}}}}});
  TemplateError e = createError(required);
  CHECK(e.code == "InvalidTemplate");
  CHECK(e.message ==
        "Deployment template validation failed: 'The value for the template parameter 'lbName' is "
        "not provided. Please see https://aka.ms/arm-create-parameter-file for usage details.'");
  CHECK(Deployment::create(required, {{"lbName", {{"value", "x"}}}}, arm.context()));
  CHECK_THAT(
      createError(templateOf(json::array(), {{"parameters", {{"p", {{"type", "text"}}}}}})).message,
      Catch::Contains("has an invalid type 'text'"));
}

TEST_CASE("dependsOn orders resources whatever the declaration order, in every reference form") {
  json templ = templateOf({
      resource("Microsoft.Network/loadBalancers", "lb1",
               {{"dependsOn",
                 {"[resourceId('Microsoft.Network/publicIPAddresses', 'pip1')]",
                  "Microsoft.Network/virtualNetworks/vnet1"}}}),
      resource("Microsoft.Network/networkInterfaces", "nic1", {{"dependsOn", {"lb1"}}}),
      resource("Microsoft.Network/publicIPAddresses", "pip1",
               {{"dependsOn", {kNet + "/virtualNetworks/VNET1"}}}),
      resource("Microsoft.Network/virtualNetworks", "vnet1"),
      resource("Microsoft.Network/networkSecurityGroups", "nsg1"),
  });
  FakeArm arm;
  Deployment d = create(templ, arm);
  CHECK(d.resourceIds() ==
        std::vector<std::string>{kNet + "/virtualNetworks/vnet1", kNet + "/publicIPAddresses/pip1",
                                 kNet + "/loadBalancers/lb1", kNet + "/networkInterfaces/nic1",
                                 kNet + "/networkSecurityGroups/nsg1"});
  auto planned = deployAll(d, arm);
  CHECK(planned[2].name == "lb1");
  CHECK_FALSE(planned[2].resource.contains("dependsOn"));
}

TEST_CASE("independent resources keep their declaration order") {
  json templ = templateOf({resource("Microsoft.Network/publicIPAddresses", "b"),
                           resource("Microsoft.Network/publicIPAddresses", "a"),
                           resource("Microsoft.Network/publicIPAddresses", "c")});
  FakeArm arm;
  CHECK(create(templ, arm).resourceIds() ==
        std::vector<std::string>{kNet + "/publicIPAddresses/b", kNet + "/publicIPAddresses/a",
                                 kNet + "/publicIPAddresses/c"});
}

TEST_CASE("a dependency cycle is InvalidTemplate naming the resources in it") {
  json templ = templateOf({
      resource("Microsoft.Network/publicIPAddresses", "free"),
      resource("Microsoft.Network/loadBalancers", "lb1", {{"dependsOn", {"pip1"}}}),
      resource("Microsoft.Network/publicIPAddresses", "pip1", {{"dependsOn", {"nic1"}}}),
      resource("Microsoft.Network/networkInterfaces", "nic1",
               {{"dependsOn", {"Microsoft.Network/loadBalancers/lb1"}}}),
  });
  TemplateError e = createError(templ);
  CHECK(e.code == "InvalidTemplate");
  CHECK_THAT(
      e.message,
      Catch::StartsWith(
          "Deployment template validation failed: 'Circular dependency detected on resource: "));
  CHECK_THAT(e.message,
             Catch::Contains("'" + kNet + "/loadBalancers/lb1' -> '" + kNet +
                             "/publicIPAddresses/pip1' -> '" + kNet +
                             "/networkInterfaces/nic1' -> '" + kNet + "/loadBalancers/lb1'"));
  CHECK_THAT(e.message, !Catch::Contains("free"));

  json self =
      templateOf({resource("Microsoft.Network/loadBalancers", "lb1", {{"dependsOn", {"lb1"}}})});
  CHECK_THAT(createError(self).message, Catch::Contains("Circular dependency"));
}

TEST_CASE("dependsOn naming nothing in the template is InvalidTemplate") {
  json templ =
      templateOf({resource("Microsoft.Network/loadBalancers", "lb1", {{"dependsOn", {"x"}}})});
  TemplateError e = createError(templ);
  CHECK(e.code == "InvalidTemplate");
  CHECK(e.message ==
        "Deployment template validation failed: 'The template resource 'lb1' of type "
        "'Microsoft.Network/loadBalancers' depends on 'x', which is not defined in the template. "
        "Please see https://aka.ms/arm-syntax-resources#dependson for usage details.'");
}

TEST_CASE("bad expressions are rejected at validation, naming the resource or output") {
  json unterminated = templateOf(
      {resource("Microsoft.Network/loadBalancers", "lb1", {{"location", "[concat('westus)]"}})});
  TemplateError e = createError(unterminated);
  CHECK(e.code == "InvalidTemplate");
  CHECK_THAT(e.message, Catch::StartsWith("Deployment template validation failed: 'The template "
                                          "resource 'lb1' is not valid: The language expression"));
  CHECK_THAT(e.message, Catch::Contains("is not terminated"));

  json unknown = templateOf(json::array(),
                            {{"outputs", {{"o", {{"type", "string"}, {"value", "[foo('x')]"}}}}}});
  CHECK(
      createError(unknown).message ==
      "Deployment template validation failed: 'The template output 'o' is not valid: The template "
      "function 'foo' is not valid. Please see https://aka.ms/arm-functions for usage details.'");

  json inVariable = templateOf(json::array(), {{"variables", {{"v", "[toLower()]"}}}});
  CHECK_THAT(
      createError(inVariable).message,
      Catch::Contains("The template variable 'v' is not valid: The template language function "
                      "'toLower' expects 1 argument(s)"));
}

TEST_CASE("structural template errors") {
  CHECK_THAT(createError(json{{"contentVersion", "1.0.0.0"}}).message,
             Catch::Contains("must contain a 'resources' array"));
  CHECK_THAT(
      createError(templateOf({{{"type", "Microsoft.Network/loadBalancers"}, {"name", "lb1"}}}))
          .message,
      Catch::Contains("The template resource 'lb1' is not valid: The resource is missing the "
                      "required property 'apiVersion'."));
  CHECK_THAT(
      createError(templateOf({resource("Microsoft.Network/virtualNetworks/subnets", "sub1")}))
          .message,
      Catch::Contains("has incorrect segment lengths"));
  CHECK_THAT(createError(templateOf({resource("Microsoft.Network/loadBalancers", "lb1"),
                                     resource("Microsoft.Network/loadBalancers", "LB1")}))
                 .message,
             Catch::Contains("is defined multiple times in a template"));
  CHECK_THAT(createError(templateOf({resource("Microsoft.Network/loadBalancers", "lb",
                                              {{"copy", {{"name", "l"}, {"count", 801}}}})}))
                 .message,
             Catch::Contains("must be between 0 and 800"));
  CHECK_THAT(createError(templateOf({resource("Microsoft.Network/loadBalancers",
                                              "[concat('lb', copyIndex())]")}))
                 .message,
             Catch::Contains("The function can only be used in a resource with copy specified"));
}

TEST_CASE("condition false drops a resource, and dependsOn on it is still valid") {
  json templ =
      templateOf({resource("Microsoft.Network/publicIPAddresses", "pip1",
                           {{"condition", "[parameters('withPip')]"}}),
                  resource("Microsoft.Network/loadBalancers", "lb1", {{"dependsOn", {"pip1"}}})},
                 {{"parameters", {{"withPip", {{"type", "bool"}, {"defaultValue", false}}}}}});
  FakeArm arm;
  Deployment without = create(templ, arm);
  CHECK(without.resourceIds() == std::vector<std::string>{kNet + "/loadBalancers/lb1"});
  Deployment with = create(templ, arm, {{"withPip", {{"value", true}}}});
  CHECK(with.resourceCount() == 2);
  CHECK_THAT(createError(templateOf({resource("Microsoft.Network/loadBalancers", "lb1",
                                              {{"condition", "yes"}})}))
                 .message,
             Catch::Contains("condition must be a boolean"));
}

TEST_CASE("copy count zero and copy counts from parameters") {
  json templ = templateOf(
      {resource("Microsoft.Network/publicIPAddresses", "[format('pip{0}', copyIndex(1))]",
                {{"copy", {{"name", "pips"}, {"count", "[parameters('n')]"}}}})},
      {{"parameters", {{"n", {{"type", "int"}}}}}});
  FakeArm arm;
  CHECK(create(templ, arm, {{"n", {{"value", 0}}}}).resourceCount() == 0);
  Deployment d = create(templ, arm, {{"n", {{"value", 2}}}});
  CHECK(d.resourceIds() == std::vector<std::string>{kNet + "/publicIPAddresses/pip1",
                                                    kNet + "/publicIPAddresses/pip2"});
}

TEST_CASE("nested resources are flattened after their parent with full type, name and id") {
  json templ = templateOf({
      resource("Microsoft.Network/networkSecurityGroups", "nsg1",
               {{"dependsOn", {"Microsoft.Network/virtualNetworks/subnets/vnet1/sub1"}}}),
      resource("Microsoft.Network/virtualNetworks", "vnet1",
               {{"properties", {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16"}}}}}},
                {"resources",
                 {{{"type", "subnets"},
                   {"name", "sub1"},
                   {"apiVersion", "2022-05-01"},
                   {"properties", {{"addressPrefix", "10.0.1.0/24"}}}}}}}),
      resource("Microsoft.Network/virtualNetworks/subnets", "vnet1/sub2",
               {{"dependsOn", {"vnet1"}}}),
  });
  FakeArm arm;
  Deployment d = create(templ, arm);
  CHECK(d.resourceIds() == std::vector<std::string>{kNet + "/virtualNetworks/vnet1",
                                                    kNet + "/virtualNetworks/vnet1/subnets/sub1",
                                                    kNet + "/networkSecurityGroups/nsg1",
                                                    kNet + "/virtualNetworks/vnet1/subnets/sub2"});
  auto planned = deployAll(d, arm);
  CHECK(planned[0].resource.contains("resources") == false);
  CHECK(planned[1].type == "Microsoft.Network/virtualNetworks/subnets");
  CHECK(planned[1].name == "vnet1/sub1");
  CHECK(planned[1].resource["name"] == "vnet1/sub1");
  CHECK(planned[1].resource["properties"]["addressPrefix"] == "10.0.1.0/24");
}

TEST_CASE("outputs call reference() through the callback with resolved ids and the Full flag") {
  json templ = templateOf(
      {resource("Microsoft.Network/publicIPAddresses", "pip1",
                {{"properties", {{"publicIPAllocationMethod", "Static"}}}}),
       resource("Microsoft.Network/loadBalancers", "lb1",
                {{"properties", {{"probes", json::array()}}}})},
      {{"outputs",
        {{"lb", {{"type", "object"}, {"value", "[reference('lb1')]"}}},
         {"full",
          {{"type", "object"},
           {"value",
            "[reference(resourceId('Microsoft.Network/publicIPAddresses', 'pip1'), '2022-05-01', "
            "'Full')]"}}},
         {"method",
          {{"type", "string"},
           {"value",
            "[reference('Microsoft.Network/publicIPAddresses/pip1').publicIPAllocationMethod]"}}},
         {"secret", {{"type", "securestring"}, {"value", "s3cret"}}},
         {"flag", {{"type", "bool"}, {"value", "[true()]"}}},
         {"skipped",
          {{"type", "string"}, {"condition", false}, {"value", "[reference('nope')]"}}}}}});
  FakeArm arm;
  Deployment d = create(templ, arm);
  deployAll(d, arm);
  auto out = d.evaluateOutputs();
  REQUIRE(out);
  // Outputs are evaluated in name order (JSON objects are unordered).
  CHECK(arm.asked ==
        std::vector<std::pair<std::string, bool>>{{kNet + "/publicIPAddresses/pip1", true},
                                                  {kNet + "/loadBalancers/lb1", false},
                                                  {kNet + "/publicIPAddresses/pip1", false}});
  CHECK((*out)["lb"] ==
        json{{"type", "Object"},
             {"value", {{"probes", json::array()}, {"provisioningState", "Succeeded"}}}});
  CHECK((*out)["full"]["value"]["id"] == kNet + "/publicIPAddresses/pip1");
  CHECK((*out)["full"]["value"]["type"] == "Microsoft.Network/publicIPAddresses");
  CHECK((*out)["method"] == json{{"type", "String"}, {"value", "Static"}});
  CHECK((*out)["secret"] == json{{"type", "SecureString"}});  // secure outputs carry no value
  CHECK((*out)["flag"] == json{{"type", "Bool"}, {"value", true}});
  CHECK_FALSE(out->contains("skipped"));
}

TEST_CASE("output errors: wrong type, unknown reference name, and the callback's own error code") {
  auto outputsOf = [](json outputs) {
    return templateOf({resource("Microsoft.Network/loadBalancers", "lb1")},
                      {{"outputs", std::move(outputs)}});
  };
  {
    FakeArm arm;
    Deployment d =
        create(outputsOf({{"o", {{"type", "string"}, {"value", "[createArray()]"}}}}), arm);
    auto out = d.evaluateOutputs();
    REQUIRE_FALSE(out);
    CHECK(out.error().message ==
          "Unable to evaluate template outputs: 'o'. The template output 'o' is not valid: the "
          "output value is of type 'Array', but the declared type is 'String'.");
  }
  {
    FakeArm arm;
    Deployment d =
        create(outputsOf({{"o", {{"type", "object"}, {"value", "[reference('lb2')]"}}}}), arm);
    auto out = d.evaluateOutputs();
    REQUIRE_FALSE(out);
    CHECK(out.error().code == "InvalidTemplate");
    CHECK_THAT(out.error().message,
               Catch::Contains("The template reference 'lb2' is not valid: could not find template "
                               "resource or resource copy with this name."));
    CHECK(arm.asked.empty());
  }
  {
    FakeArm arm;  // lb1 never deployed: the callback answers ResourceNotFound
    Deployment d =
        create(outputsOf({{"o", {{"type", "object"}, {"value", "[reference('lb1')]"}}}}), arm);
    auto out = d.evaluateOutputs();
    REQUIRE_FALSE(out);
    CHECK(out.error().code == "ResourceNotFound");
    CHECK_THAT(out.error().message,
               Catch::Contains("The Resource '" + kNet + "/loadBalancers/lb1' was not found."));
  }
}

TEST_CASE(
    "reference() in resource properties adds an implicit dependency and reads the earlier "
    "resource") {
  json templ = templateOf({
      resource("Microsoft.Network/networkInterfaces", "nic1",
               {{"properties",
                 {{"note", "[reference('pip1').publicIPAllocationMethod]"},
                  {"pipId",
                   "[reference(resourceId('Microsoft.Network/publicIPAddresses', 'pip2'), "
                   "'2022-05-01', 'Full').id]"}}}}),
      resource("Microsoft.Network/publicIPAddresses", "pip1",
               {{"properties", {{"publicIPAllocationMethod", "Static"}}}}),
      resource("Microsoft.Network/publicIPAddresses", "pip2", {{"properties", json::object()}}),
  });
  FakeArm arm;
  Deployment d = create(templ, arm);
  CHECK(d.resourceIds() == std::vector<std::string>{kNet + "/publicIPAddresses/pip1",
                                                    kNet + "/publicIPAddresses/pip2",
                                                    kNet + "/networkInterfaces/nic1"});
  CHECK(arm.asked.empty());  // validation never calls reference()
  auto planned = deployAll(d, arm);
  CHECK(planned[2].resource["properties"]["note"] == "Static");
  CHECK(planned[2].resource["properties"]["pipId"] == kNet + "/publicIPAddresses/pip2");
}

TEST_CASE("reference() is refused where ARM refuses it") {
  json inVariable = templateOf(
      {resource("Microsoft.Network/loadBalancers", "lb1", {{"tags", {{"x", "[variables('v')]"}}}})},
      {{"variables", {{"v", "[reference('lb1').x]"}}}});
  FakeArm arm;
  Deployment d = create(inVariable, arm);
  auto r = d.evaluateResource(0);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message,
             Catch::StartsWith("Unable to process template language expressions for resource '" +
                               kNet + "/loadBalancers/lb1'. '"));
  CHECK_THAT(r.error().message,
             Catch::Contains("The template function 'reference' is not expected at this location"));
  CHECK(arm.asked.empty());

  json inName = templateOf({resource("Microsoft.Network/loadBalancers", "[reference('x').name]")});
  CHECK_THAT(createError(inName).message,
             Catch::Contains("'reference' is not expected at this location"));
}

TEST_CASE("variables are evaluated lazily, once, and cycles are reported") {
  json templ = templateOf(
      {resource("Microsoft.Network/loadBalancers", "[variables('name')]")},
      {{"variables",
        {{"name", "[concat('lb', variables('n'))]"},
         {"n", "[string(length(createArray(1, 2)))]"},
         {"unused", "[parameters('doesNotExist')]"},
         {"a", "[variables('b')]"},
         {"b", "[variables('a')]"},
         {"copy",
          {{{"name", "disks"}, {"count", 2}, {"input", {{"lun", "[copyIndex('disks')]"}}}}}}}},
       {"outputs", {{"disks", {{"type", "array"}, {"value", "[variables('disks')]"}}}}}});
  FakeArm arm;
  Deployment d = create(templ, arm);  // 'unused' and the a/b cycle are never evaluated
  CHECK(d.resourceIds() == std::vector<std::string>{kNet + "/loadBalancers/lb2"});
  auto out = d.evaluateOutputs();
  REQUIRE(out);
  CHECK((*out)["disks"]["value"] == json::array({{{"lun", 0}}, {{"lun", 1}}}));

  json cyclic = templ;
  cyclic["outputs"] = {{"o", {{"type", "string"}, {"value", "[variables('a')]"}}}};
  Deployment c = create(cyclic, arm);
  auto bad = c.evaluateOutputs();
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message,
             Catch::Contains("The template variable 'a' has a circular reference."));
}

TEST_CASE("copyIndex outside a copy loop fails when the resource is evaluated") {
  json templ = templateOf({resource("Microsoft.Network/loadBalancers", "lb1",
                                    {{"tags", {{"i", "[string(copyIndex())]"}}}})});
  FakeArm arm;
  Deployment d = create(templ, arm);
  auto r = d.evaluateResource(0);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "InvalidTemplate");
  CHECK_THAT(
      r.error().message,
      Catch::Contains("The template function 'copyIndex' is not expected at this location."));
  CHECK_FALSE(d.evaluateResource(1));  // out of range
}

TEST_CASE("deployment() and null parameters") {
  json templ =
      templateOf(json::array(),
                 {{"outputs",
                   {{"name", {{"type", "string"}, {"value", "[deployment().name]"}}},
                    {"mode", {{"type", "string"}, {"value", "[deployment().properties.mode]"}}}}}});
  FakeArm arm;
  auto d = Deployment::create(templ, nullptr, arm.context());
  REQUIRE(d);
  CHECK(d->resourceCount() == 0);
  auto out = d->evaluateOutputs();
  REQUIRE(out);
  CHECK((*out)["name"]["value"] == "lb_deploy_test");
  CHECK((*out)["mode"]["value"] == "Incremental");
}
