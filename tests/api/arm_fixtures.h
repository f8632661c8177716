// Request bodies and ids the api tier shares. The az bodies are copied verbatim from
// /work/shared/arm/az-traffic.txt (az CLI 2.45 against a mock ARM): subscription
// 00000000-0000-0000-0000-000000000001, group rg1, public IP pip1, VNet vnet1, LB lb1.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "tests/api/test_server.h"

namespace azlb::apitest {

inline const std::string kSub = "00000000-0000-0000-0000-000000000001";
inline const std::string kTenant = "00000000-0000-0000-0000-0000000000aa";

/// The group as az addresses it (lower-case "resourcegroups").
inline std::string groupPath(const std::string& rg) { return "/subscriptions/" + kSub + "/resourcegroups/" + rg; }
/// Canonical ids (also usable as request paths).
inline std::string groupId(const std::string& rg) { return "/subscriptions/" + kSub + "/resourceGroups/" + rg; }
inline std::string netId(const std::string& rg, const std::string& type, const std::string& name) {
  return groupId(rg) + "/providers/Microsoft.Network/" + type + "/" + name;
}
inline std::string lbId(const std::string& rg, const std::string& lb) { return netId(rg, "loadBalancers", lb); }
inline std::string pipId(const std::string& rg, const std::string& pip) { return netId(rg, "publicIPAddresses", pip); }
inline std::string vnetId(const std::string& rg, const std::string& vnet) { return netId(rg, "virtualNetworks", vnet); }
inline std::string nicId(const std::string& rg, const std::string& nic) { return netId(rg, "networkInterfaces", nic); }
inline std::string subnetId(const std::string& rg, const std::string& vnet, const std::string& subnet) {
  return vnetId(rg, vnet) + "/subnets/" + subnet;
}
inline std::string lbChildId(const std::string& rg, const std::string& lb, const std::string& coll,
                             const std::string& name) {
  return lbId(rg, lb) + "/" + coll + "/" + name;
}

/// `az network lb rule update -g rg1 --lb-name lb1 -n web --floating-ip true` (az-traffic.txt
/// command 14): the whole Standard LB with a frontend on pip1, pool be1 with two IP-based
/// addresses in vnet1, probe http, rule web, NAT rule ssh0 and outbound rule out1.
inline const char* const kAzLoadBalancerPut =
    R"az({"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1")az"
    R"az(, "location": "westus")az"
    R"az(, "properties": {"backendAddressPools": [{"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/backendAddressPools/be1")az"
    R"az(, "name": "be1", "properties": {"loadBalancerBackendAddresses": [{"name": "vm1")az"
    R"az(, "properties": {"ipAddress": "10.0.0.4")az"
    R"az(, "virtualNetwork": {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnet1"}}})az"
    R"az(, {"name": "vm2", "properties": {"ipAddress": "10.0.0.5")az"
    R"az(, "virtualNetwork": {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnet1"}}}]}}])az"
    R"az(, "frontendIPConfigurations": [{"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/frontendIPConfigurations/fe1")az"
    R"az(, "name": "fe1", "properties": {"privateIPAddressVersion": "IPv4")az"
    R"az(, "privateIPAllocationMethod": "Dynamic")az"
    R"az(, "publicIPAddress": {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/pip1"}}}])az"
    R"az(, "inboundNatPools": [])az"
    R"az(, "inboundNatRules": [{"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/inboundNatRules/ssh0")az"
    R"az(, "name": "ssh0", "properties": {"backendPort": 22)az"
    R"az(, "frontendIPConfiguration": {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/frontendIPConfigurations/fe1"})az"
    R"az(, "frontendPort": 50000, "protocol": "Tcp"}}])az"
    R"az(, "loadBalancingRules": [{"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/loadBalancingRules/web")az"
    R"az(, "name": "web")az"
    R"az(, "properties": {"backendAddressPools": [{"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/backendAddressPools/be1"}])az"
    R"az(, "backendPort": 8080, "enableFloatingIP": true)az"
    R"az(, "frontendIPConfiguration": {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/frontendIPConfigurations/fe1"})az"
    R"az(, "frontendPort": 80, "loadDistribution": "Default")az"
    R"az(, "probe": {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/probes/http"})az"
    R"az(, "protocol": "Tcp"}}])az"
    R"az(, "outboundRules": [{"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/outboundRules/out1")az"
    R"az(, "name": "out1", "properties": {"allocatedOutboundPorts": 10000)az"
    R"az(, "backendAddressPool": {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/backendAddressPools/be1"})az"
    R"az(, "frontendIPConfigurations": [{"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/frontendIPConfigurations/fe1"}])az"
    R"az(, "protocol": "All"}}])az"
    R"az(, "probes": [{"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1/probes/http")az"
    R"az(, "name": "http", "properties": {"intervalInSeconds": 5, "numberOfProbes": 2, "port": 80)az"
    R"az(, "protocol": "Http", "requestPath": "/healthz"}}]}, "sku": {"name": "Standard")az"
    R"az(, "tier": "Regional"}, "tags": {}})az";

/// `az network lb create -g rg1 -n lb1 --sku Standard --public-ip-address pip1 --frontend-ip-name
/// fe1 --backend-pool-name be1` (az-traffic.txt command 6): the deployment PUT body.
inline const char* const kAzLbCreateDeployment =
    R"az({"properties": {"template": {"$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#")az"
    R"az(, "contentVersion": "1.0.0.0", "parameters": {}, "variables": {})az"
    R"az(, "resources": [{"type": "Microsoft.Network/loadBalancers", "name": "lb1", "location": "westus")az"
    R"az(, "tags": {}, "apiVersion": "2022-07-01", "dependsOn": [])az"
    R"az(, "properties": {"backendAddressPools": [{"name": "be1"}])az"
    R"az(, "frontendIPConfigurations": [{"name": "fe1")az"
    R"az(, "properties": {"publicIPAddress": {"id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/pip1"})az"
    R"az(, "privateIPAddressVersion": "IPv4"}}]}, "sku": {"name": "Standard"}}])az"
    R"az(, "outputs": {"loadBalancer": {"type": "object", "value": "[reference('lb1')]"}}})az"
    R"az(, "parameters": {}, "mode": "incremental"}})az";

/// PUT body of `az group create -l <location>`.
inline json groupBody(const std::string& location = "westus") { return json{{"location", location}}; }

/// `az network public-ip create --sku Standard` (az-traffic.txt command 5).
inline json standardPipBody() {
  return json::parse(R"({"location": "westus", "properties": {"idleTimeoutInMinutes": 4, "publicIPAddressVersion": "IPv4", "publicIPAllocationMethod": "Static"}, "sku": {"name": "Standard"}})");
}
inline json basicPipBody() {
  return json{{"location", "westus"}, {"sku", {{"name", "Basic"}}}, {"properties", {{"publicIPAllocationMethod", "Dynamic"}}}};
}

/// A VNet body; subnets are (name, prefix) pairs.
inline json vnetBody(const std::string& space, const std::vector<std::pair<std::string, std::string>>& subnets) {
  json s = json::array();
  for (const auto& [name, prefix] : subnets) s.push_back({{"name", name}, {"properties", {{"addressPrefix", prefix}}}});
  return json{{"location", "westus"},
              {"properties", {{"addressSpace", {{"addressPrefixes", {space}}}}, {"subnets", s}}}};
}

/// A NIC with one ipConfiguration "ipconfig1" on the subnet; optional static IP and pool ids.
inline json nicBody(const std::string& subnet, const std::string& staticIp = {},
                    const std::vector<std::string>& pools = {}, const std::vector<std::string>& natRules = {}) {
  json p = {{"subnet", {{"id", subnet}}}};
  if (staticIp.empty()) {
    p["privateIPAllocationMethod"] = "Dynamic";
  } else {
    p["privateIPAllocationMethod"] = "Static";
    p["privateIPAddress"] = staticIp;
  }
  if (!pools.empty()) {
    p["loadBalancerBackendAddressPools"] = json::array();
    for (const auto& id : pools) p["loadBalancerBackendAddressPools"].push_back({{"id", id}});
  }
  if (!natRules.empty()) {
    p["loadBalancerInboundNatRules"] = json::array();
    for (const auto& id : natRules) p["loadBalancerInboundNatRules"].push_back({{"id", id}});
  }
  return json{{"location", "westus"},
              {"properties", {{"ipConfigurations", {{{"name", "ipconfig1"}, {"properties", p}}}}}}};
}

/// What az's scenario builds before the LB: rg1 (westus), Standard pip1, vnet1 10.0.0.0/16 with
/// subnet default 10.0.0.0/24.
inline void createAzPrerequisites(Client& c) {
  Reply g = c.put(groupPath("rg1"), groupBody());
  INFO(g.describe());
  REQUIRE((g.status == 201 || g.status == 200));
  c.putAndWait(pipId("rg1", "pip1"), standardPipBody());
  c.putAndWait(vnetId("rg1", "vnet1"), vnetBody("10.0.0.0/16", {{"default", "10.0.0.0/24"}}));
}

/// createAzPrerequisites plus lb1 from kAzLoadBalancerPut; returns the LB's GET.
inline Reply createAzWorld(Client& c) {
  createAzPrerequisites(c);
  return c.putAndWait(lbId("rg1", "lb1"), json::parse(kAzLoadBalancerPut));
}

/// Where `expected` differs from `actual` when every object key / array item / scalar of expected
/// must appear in actual with the same value ("" = it is a subset). Arrays must have equal sizes.
inline std::string subsetMismatch(const json& actual, const json& expected, const std::string& path = "$") {
  if (expected.is_object()) {
    if (!actual.is_object()) return path + ": expected an object, got " + actual.dump();
    for (const auto& [k, v] : expected.items()) {
      if (!actual.contains(k)) return path + "." + k + ": missing";
      if (auto m = subsetMismatch(actual[k], v, path + "." + k); !m.empty()) return m;
    }
    return {};
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size())
      return path + ": expected " + std::to_string(expected.size()) + " items, got " + actual.dump();
    for (size_t i = 0; i < expected.size(); ++i)
      if (auto m = subsetMismatch(actual[i], expected[i], path + "[" + std::to_string(i) + "]"); !m.empty())
        return m;
    return {};
  }
  if (actual != expected) return path + ": expected " + expected.dump() + ", got " + actual.dump();
  return {};
}

/// A copy of j without any member named `key`, at any depth.
inline json withoutKey(json j, const std::string& key) {
  if (j.is_object()) {
    j.erase(key);
    for (auto& [k, v] : j.items()) v = withoutKey(v, key);
  } else if (j.is_array()) {
    for (auto& v : j) v = withoutKey(v, key);
  }
  return j;
}

/// Status, ETag header and body of GET on each path: what "nothing changed" compares.
struct Observed {
  int status;
  std::string etag;
  std::string body;
  bool operator==(const Observed&) const = default;
};
inline std::vector<std::pair<std::string, Observed>> observe(Client& c, const std::vector<std::string>& paths) {
  std::vector<std::pair<std::string, Observed>> out;
  for (const auto& p : paths) {
    Reply r = c.get(p);
    out.push_back({p, Observed{r.status, r.header("ETag"), r.body}});
  }
  return out;
}

/// Every resource GET plus the group's generic resource list (which catches anything created).
inline std::vector<std::string> worldPaths() {
  return {groupId("rg1") + "/resources",  pipId("rg1", "pip1"),  pipId("rg1", "pipbasic"),
          vnetId("rg1", "vnet1"),         nicId("rg1", "nic1"),  lbId("rg1", "lb1"),
          lbId("rg1", "lb2"),             pipId("rg1", "pipnew")};
}

/// Runs `attempt` (which must be refused) and checks that every GET in paths answers exactly as
/// before: same status, ETag and body.
inline Reply expectRefusedWithoutChange(Client& c, const std::vector<std::string>& paths,
                                        const std::function<Reply()>& attempt) {
  auto before = observe(c, paths);
  Reply r = attempt();
  auto after = observe(c, paths);
  for (size_t i = 0; i < paths.size(); ++i) {
    INFO("GET " << paths[i] << " changed after a refused request (" << r.describe() << ")");
    CHECK(after[i].second.status == before[i].second.status);
    CHECK(after[i].second.etag == before[i].second.etag);
    CHECK(after[i].second.body == before[i].second.body);
  }
  return r;
}

}  // namespace azlb::apitest
