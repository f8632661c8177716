// What each cloud-service role instance's guest agent runs and answers (part of the cloud
// services pass): the role's start-up tasks and entry point, its working directory, and the
// RoleEnvironment — the discovery document (this instance, its settings, every role's instances
// with each endpoint's address and port) and the environment variables derived from it
// (AZLB_* first, then the role's Runtime/Environment with RoleInstanceValue xpaths resolved).
// Pure.
#pragma once

#include <string>
#include <vector>

#include "emulator/controller/plan.h"
#include "emulator/model/cloud_service.h"

namespace azlb::controller::passes {

/// `ips[r][i]`: the address of instance i of the deployment's role r. `vip`: "" when none.
std::vector<RoleInstancePlan> roleInstancePlans(const model::CloudService& cs,
                                                const std::vector<std::vector<std::string>>& ips,
                                                const std::string& vip);

/// A RoleInstanceValue xpath answered from the discovery document ("" when azlb does not know
/// it): /RoleEnvironment/CurrentInstance/@id, @roleName, @faultDomain, @updateDomain,
/// .../Endpoints/Endpoint[@name='X']/@address|@port,
/// .../ConfigurationSettings/ConfigurationSetting[@name='X']/@value, /RoleEnvironment/@emulated,
/// /RoleEnvironment/Deployment/@id.
std::string roleInstanceValue(const json& roleEnvironment, const std::string& xpath);

}  // namespace azlb::controller::passes
