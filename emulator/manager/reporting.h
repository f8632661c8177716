// REPORTING: what the manager tells the outside about the data plane. The host agents' probe
// results (merged here, fed back into the next compile), GET /azlb/probes, GET /metrics
// (Prometheus), rule health (POST .../loadBalancingRules/{rule}/health) and the status file that
// `azlb status` prints (processes, rules, VMs, probes, and the retry state of a failing
// reconcile). It decides nothing about the data plane.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "emulator/controller/plan.h"
#include "emulator/manager/reconciler.h"
#include "emulator/manager/supervisor.h"
#include "emulator/runtime/control_protocol.h"

namespace azlb::manager {

/// Everything the status file shows besides the probes.
struct StatusInputs {
  const controller::Plan* plan = nullptr;  // the last applied plan; nullptr before the first
  std::uint64_t version = 0;
  const controller::PlanOptions* options = nullptr;
  std::set<std::uint32_t> muxesDown;
  std::vector<ProcessStatus> processes;
  std::vector<RoleHostStatus> roleInstances;
  RetryStatus retry;
  Backoff::TimePoint now{};  // steady time the retry's nextRetry is relative to
};

class Reporter {
 public:
  /// Merges the host agents' reports (manager thread). Returns true when one differs from the
  /// last known (the published views must be refreshed).
  bool mergeProbeReports(const std::vector<runtime::ProbeReport>& reports);
  /// Keeps the host agents' latest SNAT usage (manager thread); true when it changed.
  bool mergeSnatReports(std::vector<runtime::SnatReport> reports);
  /// Host agent `host`'s traffic counters (cumulative in that process); /metrics sums the hosts.
  /// True when they changed.
  bool mergeTrafficReports(std::uint32_t host, std::vector<runtime::TrafficReport> reports);
  /// Whether a backend's reported state differs from what `plan` compiled (the MUX tables must
  /// be rebuilt). A backend never reported counts as down.
  bool differsFrom(const controller::Plan& plan) const;
  /// Probe key -> up, for the next compile (manager thread).
  std::map<std::string, bool> probeUp() const;

  /// Rebuilds the probe list, the metrics text and the rule health from `plan` and the reports
  /// (manager thread); the getters below then serve them to any thread.
  void publish(const controller::Plan& plan);
  /// {"probes":[{key, loadBalancer, probe, backend, ip, host, up, inRotation, outcome, detail}],
  /// "dataPlane": true}. Any thread.
  nlohmann::json probeStatus() const;
  /// Prometheus text: azlb_dip_availability, azlb_vip_availability and the SNAT metrics
  /// (azlb_snat_connection_count, azlb_allocated_snat_ports, azlb_used_snat_ports). Any thread.
  std::string metricsText() const;
  /// A rule's health status (controller::ruleHealthStatus); null when there is no such rule.
  nlohmann::json ruleHealth(const std::string& ruleId) const;

  /// The status file's content.
  nlohmann::json statusJson(const StatusInputs& in) const;

 private:
  std::map<std::string, runtime::ProbeReport> probeReports_;  // key -> last report (manager thread)
  std::vector<runtime::SnatReport> snatReports_;  // latest, all host agents (manager thread)
  std::map<std::uint32_t, std::vector<runtime::TrafficReport>>
      traffic_;            // per host (manager thread)
  mutable std::mutex mu_;  // guards the three below (read by HTTP threads)
  nlohmann::json probeStatus_ = nlohmann::json::array();
  std::string metrics_;
  std::map<std::string, nlohmann::json> ruleHealth_;  // lower-case rule id -> health status
};

/// Writes `status` to <runDir>/status.json atomically (write, then rename).
void writeStatusFile(const std::string& runDir, const nlohmann::json& status);

/// Prometheus text for `plan` with these probe reports and SNAT usage (pure).
std::string metricsFor(const controller::Plan& plan,
                       const std::map<std::string, runtime::ProbeReport>& reports,
                       const std::vector<runtime::SnatReport>& snat = {});

}  // namespace azlb::manager
