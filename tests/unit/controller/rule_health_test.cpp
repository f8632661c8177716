// Azure's health-status reason codes from the plan and the agents' probe reports.
#include <catch2/catch.hpp>

#include "emulator/controller/rule_health.h"

using azlb::controller::healthReason;
using azlb::controller::ProbeObservation;
using azlb::controller::RuleHealthPlan;
using azlb::controller::ruleHealthStatus;

namespace {

RuleHealthPlan::Backend backend(const std::string& admin = "None", bool inRotation = false) {
  return {"probe|b", "b", "10.0.0.4", false, admin, inRotation};
}

RuleHealthPlan rule(const std::string& protocol, bool allDownIsUp = false) {
  RuleHealthPlan r;
  r.rule = "rule";
  r.probe = "probe";
  r.protocol = protocol;
  r.allDownIsUp = allDownIsUp;
  return r;
}

}  // namespace

TEST_CASE("reason codes follow the probe's last attempt and its verdict", "[controller][health]") {
  const auto tcp = rule("Tcp"), http = rule("Http");
  const ProbeObservation upOk{true, "success"}, upLastFailed{true, "timeout"}, downLastPassed{false, "success"},
      refused{false, "refused"}, timeout{false, "timeout"}, badStatus{false, "badStatus"}, none{false, ""};
  CHECK(healthReason(tcp, backend(), nullptr) == "NA");
  CHECK(healthReason(tcp, backend(), &none) == "NA");
  CHECK(healthReason(tcp, backend(), &upOk) == "Up_Probe_Success");
  CHECK(healthReason(http, backend(), &upLastFailed) == "Up_Probe_ApproachingUnhealthyThreshold");
  CHECK(healthReason(http, backend(), &downLastPassed) == "Down_Probe_ApproachingHealthyThreshold");
  CHECK(healthReason(tcp, backend(), &refused) == "Down_Probe_TcpProbeTimeout");
  CHECK(healthReason(tcp, backend(), &timeout) == "Down_Probe_TcpProbeTimeout");
  CHECK(healthReason(http, backend(), &badStatus) == "Down_Probe_HttpStatusCodeError");
  CHECK(healthReason(http, backend(), &refused) == "Down_Probe_HttpEndpointUnreachable");
  CHECK(healthReason(rule("Https"), backend(), &timeout) == "Down_Probe_HttpNoResponse");
}

TEST_CASE("admin state and noHealthyBackendsBehavior override the probe in the reason", "[controller][health]") {
  const ProbeObservation upOk{true, "success"}, refused{false, "refused"};
  CHECK(healthReason(rule("Tcp"), backend("Up", true), &refused) == "Up_Admin");
  CHECK(healthReason(rule("Tcp"), backend("Down"), &upOk) == "Down_Admin");
  CHECK(healthReason(rule("Tcp"), backend("Drain"), &upOk) == "Down_Admin");
  CHECK(healthReason(rule("Tcp", true), backend("None", true), &refused) == "Up_Probe_AllDownIsUp");
  CHECK(healthReason(rule("Tcp", true), backend("None", true), nullptr) == "Up_Probe_AllDownIsUp");
}

TEST_CASE("the health answer counts Up and Down and names NIC ipConfigurations only", "[controller][health]") {
  RuleHealthPlan r = rule("Http");
  r.backends = {{"k1", "/nic1/ipConfigurations/ipconfig1", "10.0.0.4", true, "None", true},
                {"k2", "/pool/loadBalancerBackendAddresses/a2", "10.0.0.5", false, "None", false},
                {"k3", "/pool/loadBalancerBackendAddresses/a3", "10.0.0.6", false, "Down", false}};
  const auto body = ruleHealthStatus(r, {{"k1", {true, "success"}}, {"k2", {false, "badStatus"}}, {"k3", {true, "success"}}});
  CHECK(body["up"] == 1);
  CHECK(body["down"] == 2);
  const auto& a = body["loadBalancerBackendAddresses"];
  REQUIRE(a.size() == 3);
  CHECK(a[0]["ipAddress"] == "10.0.0.4");
  CHECK(a[0]["state"] == "Up");
  CHECK(a[0]["reason"] == "Up_Probe_Success");
  CHECK(a[0]["networkInterfaceIPConfigurationId"] == "/nic1/ipConfigurations/ipconfig1");
  CHECK(a[1]["state"] == "Down");
  CHECK(a[1]["reason"] == "Down_Probe_HttpStatusCodeError");
  CHECK_FALSE(a[1].contains("networkInterfaceIPConfigurationId"));
  CHECK(a[2]["reason"] == "Down_Admin");
}
