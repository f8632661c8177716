// ARM's answer to a load-balancing rule's health query (POST .../loadBalancingRules/{rule}/health,
// LoadBalancerHealthPerRule) as plain values; parse.h renders it. The controller decides the
// states and reasons (controller/rule_health.h); this only names the shape.
#pragma once

#include <string>
#include <vector>

namespace azlb::model {

struct BackendAddressHealth {
  std::string ipAddress;
  std::string networkInterfaceIpConfigurationId;  // NIC backends only ("" = left out)
  std::string state;                              // "Up" or "Down"
  std::string reason;                             // e.g. "Up_Probe_Success"
};

struct LoadBalancerHealthPerRule {
  int up = 0;
  int down = 0;
  std::vector<BackendAddressHealth> loadBalancerBackendAddresses;
};

}  // namespace azlb::model
