// Azure's health status of a load-balancing rule (POST .../loadBalancingRules/{rule}/health):
// each backend's state (Up/Down) and reason code, from the plan's RuleHealthPlan and what the
// host agents last reported for each probe. Pure. Reason codes as Azure documents them in
// "Manage Azure Load Balancer health status".
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "emulator/controller/plan.h"

namespace azlb::controller {

/// What a host agent last said of one (probe, backend) pair.
struct ProbeObservation {
  bool up = false;      // the probe has it in rotation
  std::string outcome;  // last attempt: "success", "refused", "timeout", "badStatus", "error", ""
                        // (none yet)
};

/// The reason code of one backend: Up_Admin / Down_Admin (adminState), Up_Probe_AllDownIsUp
/// (noHealthyBackendsBehavior), Up_Probe_Success, Up_Probe_ApproachingUnhealthyThreshold (last
/// attempt failed, threshold not reached), Down_Probe_ApproachingHealthyThreshold (last attempt
/// passed, not enough yet), Down_Probe_TcpProbeTimeout (Tcp probes: no handshake),
/// Down_Probe_HttpStatusCodeError, Down_Probe_HttpEndpointUnreachable (refused or reset),
/// Down_Probe_HttpNoResponse (no answer in time), and NA (not probed yet). `seen` is null when
/// the agent has reported nothing for the pair.
std::string healthReason(const RuleHealthPlan& rule, const RuleHealthPlan::Backend& backend,
                         const ProbeObservation* seen);

/// The API's answer: a model::LoadBalancerHealthPerRule (up and down counts, each backend's
/// address, state and reason, and its NIC ipConfiguration for NIC backends), backends in the
/// plan's order, rendered by model::toJson. `seen` is keyed by ProbePlan::key.
nlohmann::json ruleHealthStatus(const RuleHealthPlan& rule,
                                const std::map<std::string, ProbeObservation>& seen);

}  // namespace azlb::controller
