#include "emulator/controller/rule_health.h"

namespace azlb::controller {

std::string healthReason(const RuleHealthPlan& rule, const RuleHealthPlan::Backend& backend,
                         const ProbeObservation* seen) {
  if (backend.admin == "Up") return "Up_Admin";
  if (backend.admin == "Down" || backend.admin == "Drain") return "Down_Admin";
  const bool probedUp = seen && seen->up;
  if (!probedUp && backend.inRotation && rule.allDownIsUp) return "Up_Probe_AllDownIsUp";
  if (!seen || seen->outcome.empty()) return "NA";
  if (probedUp) return seen->outcome == "success" ? "Up_Probe_Success" : "Up_Probe_ApproachingUnhealthyThreshold";
  if (seen->outcome == "success") return "Down_Probe_ApproachingHealthyThreshold";
  if (rule.protocol == "Tcp") return "Down_Probe_TcpProbeTimeout";
  if (seen->outcome == "badStatus") return "Down_Probe_HttpStatusCodeError";
  if (seen->outcome == "timeout") return "Down_Probe_HttpNoResponse";
  return "Down_Probe_HttpEndpointUnreachable";
}

nlohmann::json ruleHealthStatus(const RuleHealthPlan& rule, const std::map<std::string, ProbeObservation>& seen) {
  nlohmann::json addresses = nlohmann::json::array();
  int up = 0, down = 0;
  for (const auto& b : rule.backends) {
    auto it = seen.find(b.probeKey);
    const std::string reason = healthReason(rule, b, it == seen.end() ? nullptr : &it->second);
    // The state is whether the backend takes new flows; NA (never probed) counts as Down, as
    // the backend gets no new flows until its first probe passes.
    const bool isUp = reason.rfind("Up_", 0) == 0;
    (isUp ? up : down) += 1;
    nlohmann::json a = {{"ipAddress", b.ip}, {"state", isUp ? "Up" : "Down"}, {"reason", reason}};
    if (b.nic) a["networkInterfaceIPConfigurationId"] = b.backend;
    addresses.push_back(std::move(a));
  }
  return {{"up", up}, {"down", down}, {"loadBalancerBackendAddresses", std::move(addresses)}};
}

}  // namespace azlb::controller
