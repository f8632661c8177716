// Typed model of the network resources the controller reads: VirtualNetwork (and its Subnets),
// NetworkInterface (and its IpConfigurations), PublicIpAddress and NetworkSecurityGroup (and its
// SecurityRules), named as in ARM. Plain values,
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
  std::string networkSecurityGroupId;  // "" when none
};

struct VirtualNetwork {
  std::string id;
  std::string name;
  std::vector<Subnet> subnets;
  std::vector<std::string> addressPrefixes;  // addressSpace (the VirtualNetwork service tag)
};

struct IpConfiguration {
  std::string id;
  std::string name;
  bool primary = false;
  std::string privateIpAddress;   // "" until allocated
  std::string subnetId;           // "" when absent
  std::string publicIpAddressId;  // an instance-level public IP; "" when none
  std::vector<std::string> applicationSecurityGroupIds;
};

struct NetworkInterface {
  std::string id;
  std::string name;
  std::vector<IpConfiguration> ipConfigurations;  // as listed
  std::string networkSecurityGroupId;             // "" when none
};

/// One security rule as stored (ARM validated it): singular and plural fields merged into lists.
struct SecurityRule {
  std::string id;
  std::string name;
  std::string protocol;   // "Tcp", "Udp", "Icmp", "Esp", "Ah" or "*"
  std::string access;     // "Allow" or "Deny"
  std::string direction;  // "Inbound" or "Outbound"
  int priority = 0;
  std::vector<std::string> sourcePorts, destinationPorts;  // "*", "80", "8000-8100"
  /// "*", a tag, an address or a prefix; application security group ids apart.
  std::vector<std::string> sourceAddresses, destinationAddresses;
  std::vector<std::string> sourceApplicationSecurityGroupIds,
      destinationApplicationSecurityGroupIds;
};

struct NetworkSecurityGroup {
  std::string id;
  std::string name;
  std::vector<SecurityRule> securityRules;         // as listed
  std::vector<SecurityRule> defaultSecurityRules;  // Azure's six
};

struct PublicIpAddress {
  std::string id;
  std::string name;
  std::string ipAddress;  // "" until allocated
  /// sku.name Standard (the default): closed to inbound connections until a network security
  /// group allows them; Basic is open.
  bool standard = true;
};

/// The VNet id of a subnet id (…/virtualNetworks/v/subnets/s → …/virtualNetworks/v); "" if it
/// is not a subnet id. Case as given.
std::string virtualNetworkOfSubnet(const std::string& subnetId);

}  // namespace azlb::model
