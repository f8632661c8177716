// Builds the typed model (network.h, load_balancer.h) from resources as the ARM service renders
// them (GET bodies), once per compile, and renders the one ARM answer the controller produces
// (health.h). The only file of azlb::model that knows JSON or ARM's property names. A missing
// optional property takes ARM's default; a wrongly typed or unknown value is an error naming the
// resource id and the property path. Pure.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "emulator/model/cloud_service.h"
#include "emulator/model/health.h"
#include "emulator/model/load_balancer.h"
#include "emulator/model/network.h"

namespace azlb::model {

/// Error context: "<resource id>: <property path> <what is wrong>". Never throws.
Result<VirtualNetwork> parseVirtualNetwork(const nlohmann::json& resource);
Result<NetworkInterface> parseNetworkInterface(const nlohmann::json& resource);
Result<PublicIpAddress> parsePublicIpAddress(const nlohmann::json& resource);
Result<NetworkSecurityGroup> parseNetworkSecurityGroup(const nlohmann::json& resource);
Result<LoadBalancer> parseLoadBalancer(const nlohmann::json& resource);
/// A Microsoft.Compute/cloudServices resource as the manager reads it (with properties.azlb:
/// serviceDefinition text, definitionFile, appRoot, slot): csdef and cscfg parsed and validated,
/// roleProfile capacities overriding the cscfg's instance counts.
Result<CloudService> parseCloudService(const nlohmann::json& resource);

/// Every resource the data plane reads. A resource that does not parse is left out and its
/// error kept in `errors` (resource id as stored -> message), so one bad resource never hides
/// the others.
struct Resources {
  std::vector<VirtualNetwork> virtualNetworks;
  std::vector<NetworkInterface> networkInterfaces;
  std::vector<LoadBalancer> loadBalancers;
  std::vector<PublicIpAddress> publicIpAddresses;
  std::vector<CloudService> cloudServices;
  std::vector<NetworkSecurityGroup> networkSecurityGroups;
  std::map<std::string, std::string> errors;
};

Resources parseResources(const std::vector<nlohmann::json>& virtualNetworks,
                         const std::vector<nlohmann::json>& networkInterfaces,
                         const std::vector<nlohmann::json>& loadBalancers,
                         const std::vector<nlohmann::json>& publicIpAddresses,
                         const std::vector<nlohmann::json>& cloudServices = {},
                         const std::vector<nlohmann::json>& networkSecurityGroups = {});

/// {"up", "down", "loadBalancerBackendAddresses": [{"ipAddress",
/// "networkInterfaceIPConfigurationId" (when set), "state", "reason"}]}, as Azure answers.
nlohmann::json toJson(const LoadBalancerHealthPerRule& health);

}  // namespace azlb::model
