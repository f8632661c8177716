#include "emulator/controller/rule_health.h"

#include "emulator/model/parse.h"

namespace azlb::controller {

std::string healthReason(const RuleHealthPlan& rule, const RuleHealthPlan::Backend& backend,
                         const ProbeObservation* seen) {
  if (backend.admin == "Up") return "Up_Admin";
  if (backend.admin == "Down" || backend.admin == "Drain") return "Down_Admin";
  const bool probedUp = seen && seen->up;
  if (!probedUp && backend.inRotation && rule.allDownIsUp) return "Up_Probe_AllDownIsUp";
  if (!seen || seen->outcome.empty()) return "NA";
  if (probedUp)
    return seen->outcome == "success" ? "Up_Probe_Success"
                                      : "Up_Probe_ApproachingUnhealthyThreshold";
  if (seen->outcome == "success") return "Down_Probe_ApproachingHealthyThreshold";
  if (rule.protocol == "Tcp") return "Down_Probe_TcpProbeTimeout";
  if (seen->outcome == "badStatus") return "Down_Probe_HttpStatusCodeError";
  if (seen->outcome == "timeout") return "Down_Probe_HttpNoResponse";
  return "Down_Probe_HttpEndpointUnreachable";
}

nlohmann::json ruleHealthStatus(const RuleHealthPlan& rule,
                                const std::map<std::string, ProbeObservation>& seen) {
  model::LoadBalancerHealthPerRule answer;
  for (const auto& b : rule.backends) {
    auto it = seen.find(b.probeKey);
    const std::string reason = healthReason(rule, b, it == seen.end() ? nullptr : &it->second);
    // The state is whether the backend takes new flows; NA (never probed) counts as Down, as
    // the backend gets no new flows until its first probe passes.
    const bool isUp = reason.rfind("Up_", 0) == 0;
    (isUp ? answer.up : answer.down) += 1;
    answer.loadBalancerBackendAddresses.push_back(
        {b.ip, b.nic ? b.backend : std::string(), isUp ? "Up" : "Down", reason});
  }
  return model::toJson(answer);
}

}  // namespace azlb::controller
