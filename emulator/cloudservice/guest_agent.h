// The guest agent's fixed interface inside every role instance (azlb's stand-in for Azure's
// guest agent and RoleEnvironment): the port it listens on in the instance's namespace and its
// paths. The controller's default (no custom probe) health probe targets kHealthPath, the
// workload and `azlb cloud-service instance` set the status through kStatusPath. Pure constants.
#pragma once

#include <cstdint>

namespace azlb::cloudservice {

/// Azure's guest agent talks to the host on 32526; azlb's agent listens there in the instance.
inline constexpr std::uint16_t kGuestAgentPort = 32526;
/// 200 while the instance is Ready, 503 otherwise (Busy, Starting, Stopping).
inline constexpr const char* kHealthPath = "/azlb/health";
/// GET: {"status", "reason", "forced"}; PUT {"status": "busy"|"ready", "forced": bool}.
inline constexpr const char* kStatusPath = "/azlb/status";
/// GET: the RoleEnvironment document (discovery JSON).
inline constexpr const char* kRoleEnvironmentPath = "/azlb/role-environment";
/// The default probe's interval (threshold 1): a status change reaches the load balancer within
/// about a second. Azure's fabric learns it from the guest agent's heartbeat, within ~15 s.
inline constexpr int kGuestAgentProbeIntervalSeconds = 1;

}  // namespace azlb::cloudservice
