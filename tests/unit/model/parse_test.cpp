// The typed model is parsed once from resources as the ARM service renders them: every field the
// controller reads arrives typed, and a wrongly typed or unknown value is an error that names the
// resource id and the property path.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "emulator/model/parse.h"

using namespace azlb::model;
using json = nlohmann::json;

namespace {

const std::string kRg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network";
const std::string kLb = kRg + "/loadBalancers/lb1";

json idRef(const std::string& id) { return {{"id", id}}; }

json fullLoadBalancer() {
  return {
      {"id", kLb},
      {"name", "lb1"},
      {"sku", {{"name", "Basic"}}},
      {"properties",
       {{"frontendIPConfigurations",
         {{{"id", kLb + "/frontendIPConfigurations/pub"}, {"name", "pub"},
           {"properties", {{"publicIPAddress", idRef(kRg + "/publicIPAddresses/pip1")}}}},
          {{"id", kLb + "/frontendIPConfigurations/int"}, {"name", "int"},
           {"properties", {{"privateIPAddress", "10.0.0.9"}, {"subnet", idRef(kRg + "/virtualNetworks/v/subnets/s")}}}}}},
        {"backendAddressPools",
         {{{"id", kLb + "/backendAddressPools/be"}, {"name", "be"},
           {"properties",
            {{"backendIPConfigurations", {idRef(kRg + "/networkInterfaces/n1/ipConfigurations/c1")}},
             {"loadBalancerBackendAddresses",
              {{{"name", "a1"}, {"properties", {{"ipAddress", "10.0.0.4"}, {"adminState", "Drain"},
                                                {"virtualNetwork", idRef(kRg + "/virtualNetworks/v")}}}}}}}}}}},
        {"probes",
         {{{"id", kLb + "/probes/hp"}, {"name", "hp"},
           {"properties", {{"protocol", "Http"}, {"port", 8081}, {"requestPath", "/health"}, {"intervalInSeconds", 5},
                           {"noHealthyBackendsBehavior", "AllProbedUp"}}}}}},
        {"loadBalancingRules",
         {{{"id", kLb + "/loadBalancingRules/web"}, {"name", "web"},
           {"properties",
            {{"protocol", "Udp"}, {"frontendPort", 80}, {"backendPort", 8080}, {"loadDistribution", "SourceIPProtocol"},
             {"idleTimeoutInMinutes", 10}, {"enableFloatingIP", true}, {"enableTcpReset", true},
             {"frontendIPConfiguration", idRef(kLb + "/frontendIPConfigurations/pub")},
             {"backendAddressPools", {idRef(kLb + "/backendAddressPools/be")}}, {"probe", idRef(kLb + "/probes/hp")}}}}}},
        {"inboundNatRules",
         {{{"id", kLb + "/inboundNatRules/ssh"}, {"name", "ssh"},
           {"properties", {{"protocol", "Tcp"}, {"frontendPortRangeStart", 50000}, {"frontendPortRangeEnd", 50009},
                           {"backendPort", 22}, {"frontendIPConfiguration", idRef(kLb + "/frontendIPConfigurations/pub")},
                           {"backendAddressPool", idRef(kLb + "/backendAddressPools/be")}}}}}},
        {"inboundNatPools",
         {{{"id", kLb + "/inboundNatPools/np"}, {"name", "np"},
           {"properties", {{"protocol", "Tcp"}, {"frontendPortRangeStart", 60000}, {"frontendPortRangeEnd", 60099},
                           {"backendPort", 3389}, {"frontendIPConfiguration", idRef(kLb + "/frontendIPConfigurations/pub")}}}}}},
        {"outboundRules",
         {{{"id", kLb + "/outboundRules/out"}, {"name", "out"},
           {"properties", {{"protocol", "All"}, {"allocatedOutboundPorts", 1024},
                           {"frontendIPConfigurations", {idRef(kLb + "/frontendIPConfigurations/pub")}},
                           {"backendAddressPool", idRef(kLb + "/backendAddressPools/be")}}}}}}}}};
}

}  // namespace

TEST_CASE("a load balancer and every child the controller reads parse into typed values", "[model]") {
  auto lb = parseLoadBalancer(fullLoadBalancer());
  REQUIRE(lb.has_value());
  CHECK(lb->id == kLb);
  CHECK(lb->sku == Sku::Basic);
  REQUIRE(lb->frontendIpConfigurations.size() == 2);
  CHECK(lb->frontendIpConfigurations[0].publicIpAddressId == kRg + "/publicIPAddresses/pip1");
  CHECK_FALSE(lb->frontendIpConfigurations[1].publicIpAddressId.has_value());
  CHECK(lb->frontendIpConfigurations[1].privateIpAddress == "10.0.0.9");
  CHECK(lb->frontendIpConfigurations[1].subnetId == kRg + "/virtualNetworks/v/subnets/s");

  REQUIRE(lb->backendAddressPools.size() == 1);
  const auto& pool = lb->backendAddressPools[0];
  CHECK(pool.backendIpConfigurationIds == std::vector<std::string>{kRg + "/networkInterfaces/n1/ipConfigurations/c1"});
  REQUIRE(pool.loadBalancerBackendAddresses.size() == 1);
  const auto& a = pool.loadBalancerBackendAddresses[0];
  CHECK(a.id == kLb + "/backendAddressPools/be/loadBalancerBackendAddresses/a1");
  CHECK(a.ipAddress == "10.0.0.4");
  CHECK(a.adminState == AdminState::Drain);
  CHECK(a.virtualNetworkId == kRg + "/virtualNetworks/v");

  REQUIRE(lb->probes.size() == 1);
  CHECK(lb->probes[0].protocol == ProbeProtocol::Http);
  CHECK(lb->probes[0].port == 8081);
  CHECK(lb->probes[0].requestPath == "/health");
  CHECK(lb->probes[0].intervalInSeconds == 5);
  CHECK(lb->probes[0].noHealthyBackendsBehavior == NoHealthyBackendsBehavior::AllProbedUp);
  CHECK(json::parse(lb->probes[0].armProperties) == fullLoadBalancer()["properties"]["probes"][0]["properties"]);

  REQUIRE(lb->loadBalancingRules.size() == 1);
  const auto& r = lb->loadBalancingRules[0];
  CHECK(r.protocol == TransportProtocol::Udp);
  CHECK(r.frontendPort == 80);
  CHECK(r.backendPort == 8080);
  CHECK(r.loadDistribution == LoadDistribution::SourceIPProtocol);
  CHECK(r.idleTimeoutInMinutes == 10);
  CHECK(r.enableFloatingIp);
  CHECK(r.enableTcpReset);
  CHECK(r.probeId == kLb + "/probes/hp");
  CHECK(r.backendAddressPoolIds == std::vector<std::string>{kLb + "/backendAddressPools/be"});

  REQUIRE(lb->inboundNatRules.size() == 1);
  CHECK(lb->inboundNatRules[0].frontendPortRangeStart == 50000);
  CHECK(lb->inboundNatRules[0].frontendPortRangeEnd == 50009);
  CHECK(lb->inboundNatRules[0].backendAddressPoolId == kLb + "/backendAddressPools/be");
  CHECK(lb->inboundNatRules[0].backendIpConfigurationId.empty());
  REQUIRE(lb->inboundNatPools.size() == 1);
  CHECK(lb->inboundNatPools[0].backendPort == 3389);
  REQUIRE(lb->outboundRules.size() == 1);
  CHECK(lb->outboundRules[0].allocatedOutboundPorts == 1024);
  CHECK(lb->outboundRules[0].protocol == TransportProtocol::All);
}

TEST_CASE("absent optional properties take ARM's defaults; JSON null counts as absent", "[model]") {
  json bare = {{"id", kLb}, {"name", "lb1"},
               {"properties", {{"loadBalancingRules", {{{"id", kLb + "/loadBalancingRules/r"},
                                                        {"properties", {{"probe", nullptr}}}}}}}}};
  auto lb = parseLoadBalancer(bare);
  REQUIRE(lb.has_value());
  CHECK(lb->sku == Sku::Standard);
  REQUIRE(lb->loadBalancingRules.size() == 1);
  CHECK(lb->loadBalancingRules[0].idleTimeoutInMinutes == 4);
  CHECK(lb->loadBalancingRules[0].protocol == TransportProtocol::Tcp);
  CHECK(lb->loadBalancingRules[0].probeId.empty());
  CHECK(lb->frontendIpConfigurations.empty());
}

TEST_CASE("a wrongly typed property is an error naming the resource and the property path", "[model]") {
  json lb = fullLoadBalancer();
  lb["properties"]["loadBalancingRules"][0]["properties"]["frontendPort"] = "80";
  auto r = parseLoadBalancer(lb);
  REQUIRE_FALSE(r.has_value());
  const std::string m = r.error().message();
  INFO(m);
  CHECK(m.find(kLb) == 0);
  CHECK(m.find("properties.loadBalancingRules[0].properties.frontendPort must be an integer") != std::string::npos);
}

TEST_CASE("an unknown enum value and a non-object child are named errors too", "[model]") {
  json lb = fullLoadBalancer();
  lb["properties"]["backendAddressPools"][0]["properties"]["loadBalancerBackendAddresses"][0]["properties"]["adminState"] = "Sideways";
  auto admin = parseLoadBalancer(lb);
  REQUIRE_FALSE(admin.has_value());
  CHECK(admin.error().message().find("loadBalancerBackendAddresses[0].properties.adminState is \"Sideways\"") != std::string::npos);

  json nic = {{"id", kRg + "/networkInterfaces/n1"}, {"properties", {{"ipConfigurations", {"not an object"}}}}};
  auto n = parseNetworkInterface(nic);
  REQUIRE_FALSE(n.has_value());
  CHECK(n.error().message() == kRg + "/networkInterfaces/n1: properties.ipConfigurations[0] must be an object (got string)");
}

TEST_CASE("virtual networks, NICs and public IPs parse into typed values", "[model]") {
  json vnet = {{"id", kRg + "/virtualNetworks/v"}, {"name", "v"},
               {"properties", {{"subnets", {{{"id", kRg + "/virtualNetworks/v/subnets/s"}, {"name", "s"},
                                             {"properties", {{"addressPrefixes", {"10.1.0.0/24", "10.2.0.0/24"}}}}}}}}}};
  auto v = parseVirtualNetwork(vnet);
  REQUIRE(v.has_value());
  REQUIRE(v->subnets.size() == 1);
  CHECK(v->subnets[0].addressPrefix.empty());
  CHECK(v->subnets[0].addressPrefixes == std::vector<std::string>{"10.1.0.0/24", "10.2.0.0/24"});

  json nic = {{"id", kRg + "/networkInterfaces/n1"}, {"name", "n1"},
              {"properties", {{"ipConfigurations", {{{"id", kRg + "/networkInterfaces/n1/ipConfigurations/c1"}, {"name", "c1"},
                                                     {"properties", {{"primary", true}, {"privateIPAddress", "10.1.0.4"},
                                                                     {"subnet", idRef(kRg + "/virtualNetworks/v/subnets/s")}}}}}}}}};
  auto n = parseNetworkInterface(nic);
  REQUIRE(n.has_value());
  REQUIRE(n->ipConfigurations.size() == 1);
  CHECK(n->ipConfigurations[0].primary);
  CHECK(n->ipConfigurations[0].privateIpAddress == "10.1.0.4");
  CHECK(n->ipConfigurations[0].subnetId == kRg + "/virtualNetworks/v/subnets/s");

  auto pip = parsePublicIpAddress({{"id", kRg + "/publicIPAddresses/p"}, {"properties", {{"ipAddress", "198.18.0.7"}}}});
  REQUIRE(pip.has_value());
  CHECK(pip->ipAddress == "198.18.0.7");
  auto badPip = parsePublicIpAddress({{"id", kRg + "/publicIPAddresses/p"}, {"properties", {{"ipAddress", 7}}}});
  REQUIRE_FALSE(badPip.has_value());
  CHECK(badPip.error().message().find("properties.ipAddress must be a string") != std::string::npos);
}

TEST_CASE("parseResources keeps the good resources and names each bad one by its id", "[model]") {
  json bad = fullLoadBalancer();
  bad["id"] = kRg + "/loadBalancers/bad";
  bad["properties"]["probes"][0]["properties"]["port"] = true;
  auto all = parseResources({}, {}, {fullLoadBalancer(), bad}, {});
  REQUIRE(all.loadBalancers.size() == 1);
  CHECK(all.loadBalancers[0].id == kLb);
  REQUIRE(all.errors.size() == 1);
  CHECK(all.errors.count(kRg + "/loadBalancers/bad") == 1);
  CHECK(all.errors.begin()->second.find("properties.probes[0].properties.port must be an integer") != std::string::npos);
}

TEST_CASE("network security groups, their associations and the VNet's address space parse", "[model][nsg]") {
  const std::string nsgId = kRg + "/networkSecurityGroups/nsg1";
  const std::string asgId = kRg + "/applicationSecurityGroups/web";
  const json nsg = {
      {"id", nsgId},
      {"name", "nsg1"},
      {"properties",
       {{"securityRules",
         {{{"id", nsgId + "/securityRules/web"},
           {"name", "web"},
           {"properties",
            {{"protocol", "Tcp"}, {"access", "Allow"}, {"direction", "Inbound"}, {"priority", 100},
             {"sourcePortRange", "*"}, {"sourcePortRanges", json::array()}, {"destinationPortRanges", {"80", "8000-8100"}},
             {"sourceAddressPrefix", "Internet"}, {"sourceAddressPrefixes", json::array()},
             {"destinationApplicationSecurityGroups", {idRef(asgId)}}}}}}},
        {"defaultSecurityRules",
         {{{"id", nsgId + "/defaultSecurityRules/DenyAllInBound"},
           {"name", "DenyAllInBound"},
           {"properties",
            {{"protocol", "*"}, {"access", "Deny"}, {"direction", "Inbound"}, {"priority", 65500},
             {"sourcePortRange", "*"}, {"destinationPortRange", "*"}, {"sourceAddressPrefix", "*"},
             {"destinationAddressPrefix", "*"}}}}}}}}};
  const json vnet = {{"id", kRg + "/virtualNetworks/v"},
                     {"name", "v"},
                     {"properties",
                      {{"addressSpace", {{"addressPrefixes", {"10.0.0.0/16", "fdae:f296:2787::/48"}}}},
                       {"subnets",
                        {{{"id", kRg + "/virtualNetworks/v/subnets/s"},
                          {"name", "s"},
                          {"properties", {{"addressPrefix", "10.0.0.0/24"}, {"networkSecurityGroup", idRef(nsgId)}}}}}}}}};
  const json nic = {{"id", kRg + "/networkInterfaces/n"},
                    {"name", "n"},
                    {"properties",
                     {{"networkSecurityGroup", idRef(nsgId)},
                      {"ipConfigurations",
                       {{{"id", kRg + "/networkInterfaces/n/ipConfigurations/c"},
                         {"name", "c"},
                         {"properties", {{"privateIPAddress", "10.0.0.4"}, {"applicationSecurityGroups", {idRef(asgId)}}}}}}}}}};
  auto all = parseResources({vnet}, {nic}, {}, {}, {}, {nsg});
  CHECK(all.errors.empty());
  REQUIRE(all.networkSecurityGroups.size() == 1);
  const NetworkSecurityGroup& g = all.networkSecurityGroups[0];
  REQUIRE(g.securityRules.size() == 1);
  const SecurityRule& web = g.securityRules[0];
  CHECK(web.priority == 100);
  CHECK(web.protocol == "Tcp");
  CHECK(web.sourcePorts == std::vector<std::string>{"*"});
  CHECK(web.destinationPorts == std::vector<std::string>{"80", "8000-8100"});
  CHECK(web.sourceAddresses == std::vector<std::string>{"Internet"});
  CHECK(web.destinationAddresses.empty());
  CHECK(web.destinationApplicationSecurityGroupIds == std::vector<std::string>{asgId});
  REQUIRE(g.defaultSecurityRules.size() == 1);
  CHECK(g.defaultSecurityRules[0].access == "Deny");
  REQUIRE(all.virtualNetworks.size() == 1);
  CHECK(all.virtualNetworks[0].addressPrefixes.size() == 2);
  CHECK(all.virtualNetworks[0].subnets[0].networkSecurityGroupId == nsgId);
  REQUIRE(all.networkInterfaces.size() == 1);
  CHECK(all.networkInterfaces[0].networkSecurityGroupId == nsgId);
  CHECK(all.networkInterfaces[0].ipConfigurations[0].applicationSecurityGroupIds == std::vector<std::string>{asgId});
  // A wrongly typed rule is named by its path.
  json bad = nsg;
  bad["properties"]["securityRules"][0]["properties"]["priority"] = "high";
  auto refused = parseResources({}, {}, {}, {}, {}, {bad});
  REQUIRE(refused.errors.count(nsgId) == 1);
  CHECK(refused.errors.at(nsgId).find("securityRules[0].properties.priority") != std::string::npos);
}

TEST_CASE("a rule's health answer renders in Azure's shape, the NIC ipConfiguration only when set", "[model]") {
  LoadBalancerHealthPerRule h{1, 1, {{"10.0.0.4", "/nic1/ipConfigurations/c1", "Up", "Up_Probe_Success"},
                                     {"10.0.0.5", "", "Down", "Down_Admin"}}};
  const json j = toJson(h);
  CHECK(j["up"] == 1);
  CHECK(j["down"] == 1);
  REQUIRE(j["loadBalancerBackendAddresses"].size() == 2);
  CHECK(j["loadBalancerBackendAddresses"][0] == json{{"ipAddress", "10.0.0.4"}, {"state", "Up"}, {"reason", "Up_Probe_Success"},
                                                      {"networkInterfaceIPConfigurationId", "/nic1/ipConfigurations/c1"}});
  CHECK_FALSE(j["loadBalancerBackendAddresses"][1].contains("networkInterfaceIPConfigurationId"));
}

TEST_CASE("a subnet id names its virtual network; anything else names none", "[model]") {
  CHECK(virtualNetworkOfSubnet(kRg + "/virtualNetworks/v/Subnets/s") == kRg + "/virtualNetworks/v");
  CHECK(virtualNetworkOfSubnet(kRg + "/virtualNetworks/v").empty());
}
