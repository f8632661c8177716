// Typed-model fixtures for the pass tests: resources built as values, no JSON.
#pragma once

#include <string>
#include <vector>

#include "emulator/controller/plan.h"
#include "emulator/controller/passes/util.h"
#include "emulator/model/parse.h"

namespace azlb::controller::passes::test {

inline const std::string kRg = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network";

inline std::string vnetId(const std::string& vnet) { return kRg + "/virtualNetworks/" + vnet; }
inline std::string subnetId(const std::string& vnet) { return vnetId(vnet) + "/subnets/default"; }
inline std::string configId(const std::string& nic, const std::string& cfg = "ipconfig1") {
  return kRg + "/networkInterfaces/" + nic + "/ipConfigurations/" + cfg;
}
inline std::string lbId(const std::string& lb = "lb1") { return kRg + "/loadBalancers/" + lb; }
inline std::string poolId(const std::string& lb = "lb1") { return lbId(lb) + "/backendAddressPools/be"; }
inline std::string feId(const std::string& lb = "lb1", const std::string& fe = "fe") {
  return lbId(lb) + "/frontendIPConfigurations/" + fe;
}

inline model::VirtualNetwork vnet(const std::string& name, const std::string& prefix) {
  return {vnetId(name), name, {{subnetId(name), "default", prefix, {}, true, ""}}, {prefix}};
}

inline model::NetworkInterface nic(const std::string& name, const std::string& vnetName, const std::string& ip) {
  return {kRg + "/networkInterfaces/" + name, name, {{configId(name), "ipconfig1", true, ip, subnetId(vnetName), "", {}}}, ""};
}

inline model::BackendAddress address(const std::string& name, const std::string& ip, const std::string& vnetName,
                                     model::AdminState admin = model::AdminState::None) {
  return {poolId() + "/loadBalancerBackendAddresses/" + name, name, ip, vnetId(vnetName), "", admin};
}

/// lb1: public frontend fe (pip1), pool be of the given NICs' ipconfig1 and addresses, rule web
/// fe:80 -> be:8080.
inline model::LoadBalancer loadBalancer(const std::vector<std::string>& nics,
                                        const std::vector<model::BackendAddress>& addresses = {}) {
  model::LoadBalancer lb;
  lb.id = lbId();
  lb.name = "lb1";
  lb.frontendIpConfigurations = {{feId(), "fe", kRg + "/publicIPAddresses/pip1", "", ""}};
  model::BackendAddressPool pool{poolId(), "be", addresses, {}};
  for (const auto& n : nics) pool.backendIpConfigurationIds.push_back(configId(n));
  lb.backendAddressPools = {pool};
  model::LoadBalancingRule rule;
  rule.id = lbId() + "/loadBalancingRules/web";
  rule.name = "web";
  rule.frontendIpConfigurationId = feId();
  rule.backendAddressPoolIds = {poolId()};
  rule.frontendPort = 80;
  rule.backendPort = 8080;
  lb.loadBalancingRules = {rule};
  return lb;
}

/// vnet1 10.0.0.0/24, NICs nic1..nic3 (10.0.0.4-6) in lb1's pool, pip1 198.18.0.1.
inline model::Resources threeNics() {
  model::Resources r;
  r.virtualNetworks = {vnet("vnet1", "10.0.0.0/24")};
  r.networkInterfaces = {nic("nic1", "vnet1", "10.0.0.4"), nic("nic2", "vnet1", "10.0.0.5"), nic("nic3", "vnet1", "10.0.0.6")};
  r.publicIpAddresses = {{kRg + "/publicIPAddresses/pip1", "pip1", "198.18.0.1"}};
  r.loadBalancers = {loadBalancer({"nic1", "nic2", "nic3"})};
  return r;
}

inline PlanOptions options() {
  PlanOptions o;
  o.instance = "t1";
  return o;
}

}  // namespace azlb::controller::passes::test
