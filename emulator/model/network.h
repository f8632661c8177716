// Typed model of the network resources the controller reads: VirtualNetwork (and its Subnets),
// NetworkInterface (and its IpConfigurations) and PublicIpAddress, named as in ARM. Plain values,
// no JSON: parse.h builds them once from the rendered resources. Only what the data plane uses.
#pragma once

#include <string>
#include <vector>

namespace azlb::model {

struct Subnet {
  std::string id;
  std::string name;
  std::string addressPrefix;  // "" when the subnet uses addressPrefixes
  std::vector<std::string> addressPrefixes;
  /// Azure's default outbound access for VMs without explicit outbound (absent: allowed, as for
  /// VNets made before api-version 2025-07-01).
  bool defaultOutboundAccess = true;
};

struct VirtualNetwork {
  std::string id;
  std::string name;
  std::vector<Subnet> subnets;
};

struct IpConfiguration {
  std::string id;
  std::string name;
  bool primary = false;
  std::string privateIpAddress;   // "" until allocated
  std::string subnetId;           // "" when absent
  std::string publicIpAddressId;  // an instance-level public IP; "" when none
};

struct NetworkInterface {
  std::string id;
  std::string name;
  std::vector<IpConfiguration> ipConfigurations;  // as listed
};

struct PublicIpAddress {
  std::string id;
  std::string name;
  std::string ipAddress;  // "" until allocated
};

/// The VNet id of a subnet id (…/virtualNetworks/v/subnets/s → …/virtualNetworks/v); "" if it
/// is not a subnet id. Case as given.
std::string virtualNetworkOfSubnet(const std::string& subnetId);

}  // namespace azlb::model
