// Pass 0, cloud services: each cloud service is lowered into the network model the other passes
// already build, so its traffic takes the same data path as any load balancer's:
//  - a VNet: the implicit one (10.0.0.0/16, role r's instances at 10.0.r.4, .5, ...) or the
//    cscfg's VirtualNetworkSite (a VNet of the same resource group; the role's subnet from
//    AddressAssignments, else the first), with addresses allocated from .4 up;
//  - one NIC per role instance (id <service id>/roleInstances/<Role>_IN_<i>, named like it);
//  - a Standard load balancer on the service's public IP: InputEndpoint -> load-balancing rule
//    (port -> localPort, 5-tuple hash), LoadBalancerProbe -> its probe (probeThreshold =
//    ceil(timeout / interval)), no custom probe -> the guest agent's probe (the instance's
//    Ready/Busy status; none with ignoreRoleInstanceStatus), InstanceInputEndpoint -> one
//    inbound NAT rule per instance (public port min + i);
//  - NetworkTrafficRules -> traffic filters the sending VM's host agent enforces;
// plus what each instance's guest agent runs and answers (RoleInstancePlan). Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "emulator/controller/plan.h"
#include "emulator/model/parse.h"

namespace azlb::controller::passes {

struct CloudServices {
  std::vector<RoleInstancePlan> instances;  // ns empty: placement names it
  /// NetworkTrafficRules: the internal endpoints that take new connections only from some roles.
  std::vector<runtime::TrafficFilter> filters;
  std::map<std::string, std::string> errors;  // cloud service id -> why it is not built
};

/// Appends each service's VNet, NICs and load balancer to `resources` and returns the instances.
CloudServices cloudServices(model::Resources& resources);

/// The probe settings azlb gives a csdef LoadBalancerProbe, as ARM probe properties: protocol,
/// port, requestPath ("/" prefixed), intervalInSeconds and probeThreshold =
/// ceil(timeoutInSeconds / intervalInSeconds): unanswered probes take an instance out once none
/// has passed for the timeout; a non-200 answer or a refused connection takes it out at once.
json probeProperties(const cloudservice::LoadBalancerProbe& probe, int port);

}  // namespace azlb::controller::passes
