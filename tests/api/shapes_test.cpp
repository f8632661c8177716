// Fields Azure computes and shows in its responses (the 2024-05-01 examples of
// azure-rest-api-specs, and az's own output where the examples are silent): clients and az's
// table output read them, so azlb returns them too.
#include <catch2/catch.hpp>

#include "tests/api/arm_fixtures.h"

namespace azlb::apitest {

TEST_CASE("public IPs, NICs, subnets and NSG rules carry the computed fields Azure shows", "[shapes]") {
  TestServer srv;
  Client c = srv.client();
  createAzPrerequisites(c);

  // PublicIpAddressList.json: ddosSettings.protectionMode VirtualNetworkInherited by default.
  CHECK(c.get(pipId("rg1", "pip1")).doc["properties"]["ddosSettings"].value("protectionMode", "") ==
        "VirtualNetworkInherited");

  // NetworkInterfaceCreate.json: vnetEncryptionSupported false; every ipConfiguration says
  // whether it is primary; dnsSettings lists both server lists even when only one was sent.
  json nic = nicBody(subnetId("rg1", "vnet1", "default"));
  nic["properties"]["ipConfigurations"][0]["properties"]["primary"] = true;
  nic["properties"]["ipConfigurations"].push_back(
      {{"name", "ipconfig2"}, {"properties", {{"subnet", {{"id", subnetId("rg1", "vnet1", "default")}}}}}});
  nic["properties"]["dnsSettings"] = {{"dnsServers", {"10.0.0.53"}}};
  Reply n = c.putAndWait(nicId("rg1", "nic1"), nic);
  CHECK(n.doc["properties"].value("vnetEncryptionSupported", true) == false);
  CHECK(n.doc["properties"]["ipConfigurations"][0]["properties"].value("primary", false) == true);
  CHECK(n.doc["properties"]["ipConfigurations"][1]["properties"].value("primary", true) == false);
  CHECK(n.doc["properties"]["dnsSettings"]["dnsServers"] == json::array({"10.0.0.53"}));
  CHECK(n.doc["properties"]["dnsSettings"]["appliedDnsServers"] == json::array());

  // VirtualNetworkCreateSubnetWithDelegation / SubnetCreateServiceEndpoint: delegations get their
  // id, provisioningState and actions; service endpoints their provisioningState; a subnet
  // without delegations shows an empty list.
  json vnet = vnetBody("10.0.0.0/16", {{"default", "10.0.0.0/24"}, {"delegated", "10.0.1.0/24"}});
  vnet["properties"]["subnets"][1]["properties"]["delegations"] = {
      {{"name", "myDelegation"}, {"properties", {{"serviceName", "Microsoft.Sql/managedInstances"}}}}};
  vnet["properties"]["subnets"][1]["properties"]["serviceEndpoints"] = {{{"service", "Microsoft.Storage"}}};
  Reply v = c.putAndWait(vnetId("rg1", "vnet1"), vnet);
  const json& plain = v.doc["properties"]["subnets"][0]["properties"];
  CHECK(plain["delegations"] == json::array());
  const json& delegated = v.doc["properties"]["subnets"][1]["properties"];
  const json& d = delegated["delegations"][0];
  CHECK(d.value("id", "") == subnetId("rg1", "vnet1", "delegated") + "/delegations/myDelegation");
  CHECK(d["properties"].value("provisioningState", "") == "Succeeded");
  CHECK(d["properties"]["actions"] == json::array());
  CHECK(d["properties"].value("serviceName", "") == "Microsoft.Sql/managedInstances");
  CHECK(delegated["serviceEndpoints"][0].value("provisioningState", "") == "Succeeded");

  // DefaultSecurityRuleGet.json: unused plural lists are shown empty, on default and own rules.
  json rule = {{"name", "web"},
               {"properties",
                {{"protocol", "Tcp"}, {"sourceAddressPrefix", "*"}, {"destinationAddressPrefix", "*"},
                 {"sourcePortRange", "*"}, {"destinationPortRange", "80"}, {"access", "Allow"},
                 {"priority", 100}, {"direction", "Inbound"}}}};
  Reply nsg = c.putAndWait(netId("rg1", "networkSecurityGroups", "nsg1"),
                           {{"location", "westus"}, {"properties", {{"securityRules", json::array({rule})}}}});
  for (const json* r : {&nsg.doc["properties"]["securityRules"][0], &nsg.doc["properties"]["defaultSecurityRules"][2]})
    for (const char* list : {"sourcePortRanges", "destinationPortRanges", "sourceAddressPrefixes",
                             "destinationAddressPrefixes"}) {
      INFO(r->value("name", "") << " " << list);
      CHECK((*r)["properties"][list] == json::array());
    }
}

}  // namespace azlb::apitest
