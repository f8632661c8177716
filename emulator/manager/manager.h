// The manager (Ananta Manager): turns every committed ARM change into the data plane. On its own
// thread it compiles the store into a plan, applies the topology, keeps one `azlb mux` per MUX
// namespace and one `azlb host-agent` per host running (restarting any that die, and taking a
// dead MUX out of the router's ECMP route until it is back), pushes each its snapshot, and then
// completes the ARM operations: Succeeded, or Failed with the reason. Forwarding processes are
// separate sessions: they survive the manager and a new manager adopts them.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "arm-api/service/service.h"
#include "emulator/controller/plan.h"
#include "emulator/runtime/control_protocol.h"
#include "netns/realize.h"

namespace azlb::manager {

struct ManagerOptions {
  controller::PlanOptions plan;
  std::string runDir;  // sockets, pid files, logs, vms.json, status.json
  std::string binary;  // the azlb executable to start processes from
};

class Manager : public armservice::ChangeListener {
 public:
  Manager(armservice::Service& service, ManagerOptions options);
  ~Manager() override;

  /// Starts the manager thread; the first reconcile runs at once (adopting what exists).
  Result<void> start();
  void onChange(const armservice::ChangeSet& change) override;
  /// Every (probe, backend) pair with its state: {"probes":[{key, loadBalancer, probe, backend,
  /// ip, host, up, outcome, detail}], "dataPlane": true}. Any thread.
  nlohmann::json probeStatus() const override;
  /// Prometheus text: azlb_dip_availability (Azure Monitor's DipAvailability, health probe
  /// status, 0 or 100 per backend and probe) and azlb_vip_availability (VipAvailability, data
  /// path availability, per frontend IP and port). Any thread.
  std::string metricsText() const override;
  /// Azure's health status of a probed load-balancing rule (controller::ruleHealthStatus), null
  /// when the data plane has no such rule. Any thread.
  nlohmann::json ruleHealth(const std::string& ruleId) const override;
  /// Stops the thread. With teardown, also ends the processes and removes every namespace.
  void stop(bool teardown);

 private:
  struct Proc {
    std::string kind;  // "mux" or "host-agent"
    std::uint32_t index = 0;
    std::string ns, socket, pidFile, log;
    std::vector<std::string> args;
    pid_t pid = 0;
    std::uint64_t ackedVersion = 0;
  };
  void loop();
  Result<void> reconcile(std::map<std::string, std::string>& lbErrors);
  bool alive(Proc& p);
  Result<void> spawn(Proc& p);
  Result<void> push(Proc& p, const runtime::Snapshot& s);
  void writeState(const controller::Plan& plan);
  /// Asks every host agent for its probes' states; true when one differs from what the current
  /// plan compiled (the MUX tables must be rebuilt).
  bool pollProbes();
  void publishObservability(const controller::Plan& plan);

  armservice::Service& service_;
  ManagerOptions opts_;
  netns::TopologyRealizer applier_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<armservice::ChangeSet> pending_;
  bool dirty_ = true, stopping_ = false;
  std::thread thread_;
  controller::Assignments assignments_;
  std::optional<controller::Plan> plan_;
  std::uint64_t version_ = 0;
  std::vector<Proc> procs_;
  std::set<std::uint32_t> muxesDown_;
  std::map<std::string, runtime::ProbeReport> probeReports_;  // key -> last report (manager thread)
  mutable std::mutex observedMu_;  // guards the three below (read by HTTP threads)
  nlohmann::json probeStatus_ = nlohmann::json::array();
  std::string metrics_;
  std::map<std::string, nlohmann::json> ruleHealth_;  // lower-case rule id -> health status
};

}  // namespace azlb::manager
