// Typed model of a cloud service (Microsoft.Compute/cloudServices, or `azlb import`, which writes
// the same resource) as the controller reads it: the validated csdef/cscfg deployment, the public
// IPs of its load balancer configurations, its slot and where its roles' files are. Plain values;
// parse.h builds it from the manager's view of the resource (the stored csdef text included).
#pragma once

#include <string>
#include <vector>

#include "emulator/cloudservice/definition.h"

namespace azlb::model {

struct CloudService {
  std::string id;
  std::string name;
  std::string slot = "Production";              // "Production" or "Staging"
  std::vector<std::string> publicIpAddressIds;  // networkProfile frontends, in order
  std::string appRoot;                          // the roles' folders are <appRoot>/<Role>/
  std::string swappableCloudServiceId;          // its VIP-swap partner ("" = none)
  cloudservice::Deployment deployment;          // roleProfile capacities applied
};

}  // namespace azlb::model
