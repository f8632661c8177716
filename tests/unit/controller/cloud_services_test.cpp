// The cloud services pass: a Microsoft.Compute/cloudServices resource (as the manager reads it,
// csdef text included) lowered into VMs, a load balancer on the service VIP and the role
// instances' run plans. The csdef is the brief's ProbeTenant (plus an entry point, an environment
// variable and ignoreRoleInstanceStatus on FE_External_Tcp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "emulator/cloudservice/guest_agent.h"
#include "emulator/controller/passes/cloud_services.h"
#include "emulator/controller/passes/role_environment.h"
#include "emulator/controller/plan.h"

using azlb::controller::compile;
using azlb::controller::Inputs;
using azlb::controller::Plan;
using azlb::controller::PlanOptions;
using json = nlohmann::json;

namespace {

const char* kProbeTenant = R"(<?xml version="1.0" encoding="utf-8"?>
<ServiceDefinition name="ProbeTenant" xmlns="http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceDefinition">
  <LoadBalancerProbes>
    <LoadBalancerProbe name="MyProbe" protocol="http" path="Probe.aspx" intervalInSeconds="5" timeoutInSeconds="100" />
  </LoadBalancerProbes>
  <WorkerRole name="BERole" vmsize="Small">
    <Endpoints>
      <InternalEndpoint name="BE_InternalEP_Tcp" protocol="tcp" />
      <InternalEndpoint name="BE_InternalEP_Udp" protocol="udp" />
      <InternalEndpoint name="BE_InternalEP_Http" protocol="http" port="80" />
      <InstanceInputEndpoint name="InstanceEP_BE" protocol="tcp" localPort="80">
        <AllocatePublicPortFrom><FixedPortRange min="10210" max="10220" /></AllocatePublicPortFrom>
      </InstanceInputEndpoint>
    </Endpoints>
    <Runtime><Environment><Variable name="WHO"><RoleInstanceValue xpath="/RoleEnvironment/CurrentInstance/@id" /></Variable></Environment>
      <EntryPoint><ProgramEntryPoint commandLine="python3 be.py" setReadyOnProcessStart="true" /></EntryPoint></Runtime>
  </WorkerRole>
  <WorkerRole name="FERole" vmsize="Small">
    <Endpoints>
      <InputEndpoint name="FE_External_Http" protocol="http" port="10000" />
      <InputEndpoint name="FE_External_Tcp" protocol="tcp" port="10001" ignoreRoleInstanceStatus="true" />
      <InputEndpoint name="FE_External_Udp" protocol="udp" port="10002" />
      <InputEndpoint name="HTTP_Probe" protocol="http" port="80" loadBalancerProbe="MyProbe" />
      <InstanceInputEndpoint name="InstanceEP" protocol="tcp" localPort="80">
        <AllocatePublicPortFrom><FixedPortRange min="10110" max="10120" /></AllocatePublicPortFrom>
      </InstanceInputEndpoint>
      <InternalEndpoint name="FE_InternalEP_Tcp" protocol="tcp" />
    </Endpoints>
  </WorkerRole>
</ServiceDefinition>
)";

const std::string kGroup = "/subscriptions/s/resourceGroups/cs";
const std::string kService = kGroup + "/providers/Microsoft.Compute/cloudServices/ProbeTenant";
const std::string kPip = kGroup + "/providers/Microsoft.Network/publicIPAddresses/ProbeTenant-vip";

json cloudService(int feCount) {
  return {{"id", kService},
          {"name", "ProbeTenant"},
          {"properties",
           {{"roleProfile",
             {{"roles", {{{"name", "FERole"}, {"sku", {{"capacity", feCount}}}},
                         {{"name", "BERole"}, {"sku", {{"capacity", 2}}}}}}}},
            {"networkProfile",
             {{"loadBalancerConfigurations",
               {{{"name", "lb"},
                 {"properties",
                  {{"frontendIpConfigurations",
                    {{{"name", "fe"}, {"properties", {{"publicIPAddress", {{"id", kPip}}}}}}}}}}}}}}},
            {"azlb",
             {{"serviceDefinition", kProbeTenant},
              {"definitionFile", "/apps/ProbeTenant/ServiceDefinition.csdef"},
              {"appRoot", "/apps/ProbeTenant"}}}}}};
}

Plan compiled(int feCount = 3) {
  Inputs in;
  in.cloudServices = {cloudService(feCount)};
  in.publicIpAddresses = {
      {{"id", kPip}, {"name", "ProbeTenant-vip"}, {"properties", {{"ipAddress", "198.18.0.9"}}}}};
  PlanOptions o;
  o.instance = "t1";
  return compile(in, o, {}, 1);
}

/// The MUX rules by name (rule id as the controller names them).
std::map<std::string, azlb::dataplane::RuleSpec> rulesByName(const Plan& plan) {
  std::map<std::string, azlb::dataplane::RuleSpec> out;
  for (const auto& r : plan.muxSnapshots.at(0).forwarding.rules) out[r.name] = r;
  return out;
}

const std::string kLb = kService + "/loadBalancers/ProbeTenant";

}  // namespace

TEST_CASE("each role instance becomes a VM named like Azure's instance, in the service's network",
          "[controller][cloudservice]") {
  const Plan plan = compiled();
  REQUIRE(plan.loadBalancerErrors.empty());
  std::map<std::string, std::string> ipOf;
  for (const auto& vm : plan.vms) ipOf[vm.name] = vm.ips.at(0);
  CHECK(ipOf == std::map<std::string, std::string>{{"BERole_IN_0", "10.0.0.4"},
                                                    {"BERole_IN_1", "10.0.0.5"},
                                                    {"FERole_IN_0", "10.0.1.4"},
                                                    {"FERole_IN_1", "10.0.1.5"},
                                                    {"FERole_IN_2", "10.0.1.6"}});
  REQUIRE(plan.roleInstances.size() == 5);
  for (const auto& inst : plan.roleInstances) {
    CHECK_FALSE(inst.ns.empty());  // placement named its namespace
    CHECK(inst.roleDir == "/apps/ProbeTenant/" + inst.role);
  }
}

TEST_CASE("input endpoints become rules on the VIP at exactly the csdef port",
          "[controller][cloudservice]") {
  const auto rules = rulesByName(compiled());
  const auto& http = rules.at(kLb + "/loadBalancingRules/FERole_FE_External_Http");
  CHECK(http.frontendIp.toString() == "198.18.0.9");
  CHECK(http.frontendPort == 10000);
  CHECK(http.backendPort == 10000);
  CHECK(http.backends.size() == 3);
  const auto& udp = rules.at(kLb + "/loadBalancingRules/FERole_FE_External_Udp");
  CHECK(udp.protocol == azlb::dataplane::RuleProtocol::Udp);
  CHECK(udp.frontendPort == 10002);
}

TEST_CASE("instance input endpoints give instance i the port min + i to its local port",
          "[controller][cloudservice]") {
  const auto rules = rulesByName(compiled());
  for (int i = 0; i < 3; ++i) {
    const auto& nat =
        rules.at(kLb + "/inboundNatRules/FERole_InstanceEP_" + std::to_string(i));
    CHECK(nat.frontendPort == 10110 + i);
    CHECK(nat.backendPort == 80);
    REQUIRE(nat.backends.size() == 1);
    CHECK(nat.backends[0].ip.toString() == "10.0.1." + std::to_string(4 + i));
  }
  CHECK(rules.count(kLb + "/inboundNatRules/BERole_InstanceEP_BE_1"));
  CHECK_FALSE(rules.count(kLb + "/inboundNatRules/BERole_InstanceEP_BE_2"));
}

TEST_CASE("probes: the custom one, the guest agent's, and none with ignoreRoleInstanceStatus",
          "[controller][cloudservice]") {
  const Plan plan = compiled();
  std::set<std::string> probes;
  for (const auto& p : plan.probes) probes.insert(p.probe);
  CHECK(probes == std::set<std::string>{kLb + "/probes/MyProbe_80", kLb + "/probes/GuestAgent_FERole"});
  std::set<std::string> probedRules;
  for (const auto& h : plan.ruleHealth) probedRules.insert(h.rule);
  CHECK(probedRules.count(kLb + "/loadBalancingRules/FERole_HTTP_Probe"));
  CHECK(probedRules.count(kLb + "/loadBalancingRules/FERole_FE_External_Http"));
  CHECK_FALSE(probedRules.count(kLb + "/loadBalancingRules/FERole_FE_External_Tcp"));
  // No probe has reported yet: probed rules start with every instance out of rotation.
  const auto rules = rulesByName(plan);
  for (const auto& be : rules.at(kLb + "/loadBalancingRules/FERole_HTTP_Probe").backends)
    CHECK_FALSE(be.healthy);
  for (const auto& be : rules.at(kLb + "/loadBalancingRules/FERole_FE_External_Tcp").backends)
    CHECK(be.healthy);
}

TEST_CASE("a csdef probe maps timeout to a threshold of ceil(timeout / interval) probes",
          "[controller][cloudservice]") {
  azlb::cloudservice::LoadBalancerProbe p;
  p.protocol = azlb::cloudservice::ProbeProtocol::Http;
  p.path = "Probe.aspx";
  p.intervalInSeconds = 5;
  p.timeoutInSeconds = 100;
  json j = azlb::controller::passes::probeProperties(p, 80);
  CHECK(j["probeThreshold"] == 20);
  CHECK(j["requestPath"] == "/Probe.aspx");
  CHECK(j["port"] == 80);
  p.timeoutInSeconds = 31;
  p.intervalInSeconds = 15;
  CHECK(azlb::controller::passes::probeProperties(p, 80)["probeThreshold"] == 3);
  p.protocol = azlb::cloudservice::ProbeProtocol::Tcp;
  CHECK_FALSE(azlb::controller::passes::probeProperties(p, 80).contains("requestPath"));
}

TEST_CASE("discovery: every instance sees its own endpoints, settings and every role's instances",
          "[controller][cloudservice]") {
  const Plan plan = compiled();
  const auto& fe1 = *std::find_if(plan.roleInstances.begin(), plan.roleInstances.end(),
                                  [](const auto& p) { return p.name == "FERole_IN_1"; });
  const json& doc = fe1.roleEnvironment;
  CHECK(doc["currentInstance"]["ip"] == "10.0.1.5");
  CHECK(doc["currentInstance"]["endpoints"]["InstanceEP"]["publicPort"] == 10111);
  CHECK(doc["currentInstance"]["endpoints"]["FE_External_Http"]["publicPort"] == 10000);
  const json& be = doc["roles"]["BERole"]["instances"];
  REQUIRE(be.size() == 2);
  CHECK(be[1]["ip"] == "10.0.0.5");
  CHECK(be[1]["endpoints"]["BE_InternalEP_Http"]["port"] == 80);
  CHECK(be[1]["endpoints"]["BE_InternalEP_Tcp"]["port"].get<int>() >= 20000);
  std::map<std::string, std::string> env(fe1.environment.begin(), fe1.environment.end());
  CHECK(env.at("AZLB_ROLE_INSTANCE_ID") == "FERole_IN_1");
  CHECK(env.at("AZLB_ENDPOINT_HTTP_Probe_PORT") == "80");
  const auto& be0 = *std::find_if(plan.roleInstances.begin(), plan.roleInstances.end(),
                                  [](const auto& p) { return p.name == "BERole_IN_0"; });
  std::map<std::string, std::string> beEnv(be0.environment.begin(), be0.environment.end());
  CHECK(beEnv.at("WHO") == "BERole_IN_0");  // RoleInstanceValue xpath resolved
  CHECK(be0.entryPoint == "python3 be.py");
  CHECK(be0.setReadyOnProcessStart);
}

TEST_CASE("roleProfile capacity scales a role; the others keep their VMs and addresses",
          "[controller][cloudservice]") {
  const Plan three = compiled(3), four = compiled(4);
  CHECK(three.vms.size() == 5);
  CHECK(four.vms.size() == 6);
  const auto rules = rulesByName(four);
  CHECK(rules.count(kLb + "/inboundNatRules/FERole_InstanceEP_3"));
  CHECK(rules.at(kLb + "/loadBalancingRules/FERole_FE_External_Http").backends.size() == 4);
}

TEST_CASE("a cloud service whose csdef does not parse is reported under its own id",
          "[controller][cloudservice]") {
  Inputs in;
  json bad = cloudService(3);
  bad["properties"]["azlb"]["serviceDefinition"] = "<ServiceDefinition name=\"x\"";
  in.cloudServices = {bad};
  const Plan plan = compile(in, PlanOptions{}, {}, 1);
  REQUIRE(plan.loadBalancerErrors.count(kService));
  CHECK(plan.loadBalancerErrors.at(kService).find("ServiceDefinition.csdef:") != std::string::npos);
  CHECK(plan.vms.empty());
}

TEST_CASE("RoleInstanceValue xpaths Azure documents are answered from the discovery document",
          "[controller][cloudservice]") {
  const json doc = {{"deploymentId", "d1"},
                    {"currentInstance",
                     {{"id", "FERole_IN_2"}, {"role", "FERole"}, {"index", 2},
                      {"endpoints", {{"Web", {{"ip", "10.0.1.6"}, {"port", 8080}}}}}}},
                    {"settings", {{"Greeting", "hi"}}}};
  using azlb::controller::passes::roleInstanceValue;
  CHECK(roleInstanceValue(doc, "/RoleEnvironment/CurrentInstance/@id") == "FERole_IN_2");
  CHECK(roleInstanceValue(doc, "/RoleEnvironment/CurrentInstance/@roleName") == "FERole");
  CHECK(roleInstanceValue(doc, "/RoleEnvironment/CurrentInstance/Endpoints/Endpoint[@name='Web']/@port") == "8080");
  CHECK(roleInstanceValue(doc, "/RoleEnvironment/CurrentInstance/Endpoints/Endpoint[@name='Web']/@address") == "10.0.1.6");
  CHECK(roleInstanceValue(doc, "/RoleEnvironment/CurrentInstance/ConfigurationSettings/ConfigurationSetting[@name='Greeting']/@value") == "hi");
  CHECK(roleInstanceValue(doc, "/RoleEnvironment/Deployment/@id") == "d1");
  CHECK(roleInstanceValue(doc, "/RoleEnvironment/Nope").empty());
}

TEST_CASE("VIP swap partners: each rule keeps the other deployment's instances as draining members",
          "[controller][cloudservice]") {
  const std::string stagingId = kGroup + "/providers/Microsoft.Compute/cloudServices/ProbeTenant-staging";
  const std::string stagingPip = kPip + "-staging";
  json staging = cloudService(2);
  staging["id"] = stagingId;
  staging["name"] = "ProbeTenant-staging";
  staging["properties"]["networkProfile"]["swappableCloudService"] = {{"id", kService}};
  staging["properties"]["networkProfile"]["loadBalancerConfigurations"][0]["properties"]
         ["frontendIpConfigurations"][0]["properties"]["publicIPAddress"]["id"] = stagingPip;
  Inputs in;
  in.cloudServices = {cloudService(3), staging};
  in.publicIpAddresses = {
      {{"id", kPip}, {"name", "ProbeTenant-vip"}, {"properties", {{"ipAddress", "198.18.0.9"}}}},
      {{"id", stagingPip}, {"name", "s"}, {"properties", {{"ipAddress", "198.18.0.10"}}}}};
  PlanOptions o;
  o.instance = "t1";
  const Plan plan = compile(in, o, {}, 1);
  REQUIRE(plan.loadBalancerErrors.empty());
  CHECK(plan.vms.size() == 9);  // 5 production + 4 staging instances
  const auto rules = rulesByName(plan);
  const auto& prod = rules.at(kLb + "/loadBalancingRules/FERole_FE_External_Tcp");
  CHECK(prod.frontendIp.toString() == "198.18.0.9");
  REQUIRE(prod.backends.size() == 5);  // its 3 instances + staging's 2, which get no new flows
  int healthy = 0;
  for (const auto& be : prod.backends) healthy += be.healthy;
  CHECK(healthy == 3);
  const auto& stg = rules.at(stagingId + "/loadBalancers/ProbeTenant-staging/loadBalancingRules/FERole_FE_External_Tcp");
  CHECK(stg.frontendIp.toString() == "198.18.0.10");
  CHECK(stg.backends.size() == 5);
}
