// The manager (Ananta Manager): turns every committed ARM change into the data plane. This file
// only wires the parts together and runs them on the manager's thread: the Reconciler
// (reconciler.h: compile, apply the topology, push snapshots, complete operations, back off on
// failure), the Supervisor (supervisor.h: the `azlb mux` / `azlb host-agent` processes) and the
// Reporter (reporting.h: probes, metrics, rule health, status.json). Forwarding processes are
// separate sessions: they survive the manager and a new manager adopts them.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "arm-api/service/service.h"
#include "emulator/controller/plan.h"
#include "emulator/manager/reconciler.h"
#include "emulator/manager/reporting.h"
#include "emulator/manager/resource_source.h"
#include "emulator/manager/supervisor.h"
#include "netns/realize.h"

namespace azlb::manager {

struct ManagerOptions {
  controller::PlanOptions plan;
  std::string runDir;     // sockets, pid files, logs, status.json
  std::string binary;     // the azlb executable to start processes from
  BackoffPolicy backoff;  // retry spacing after a failed reconcile
};

/// The ARM service seen as a ResourceSource.
class ServiceResourceSource : public ResourceSource {
 public:
  explicit ServiceResourceSource(armservice::Service& service) : service_(service) {}
  std::vector<nlohmann::json> listByType(const std::string& type) override;
  void completeOperation(const std::string& operationId,
                         const std::optional<OperationFailure>& failure) override;

 private:
  armservice::Service& service_;
};

/// The one topology realiser seen as a TopologySink.
class RealizerTopologySink : public TopologySink {
 public:
  explicit RealizerTopologySink(netns_model::Naming naming) : realizer_(std::move(naming)) {}
  Result<void> applyTopology(const netns_model::Topology& topology) override {
    return realizer_.apply(topology);
  }
  Result<void> teardown() { return realizer_.teardown(); }

 private:
  netns::TopologyRealizer realizer_;
};

class Manager : public armservice::ChangeListener {
 public:
  Manager(armservice::Service& service, ManagerOptions options);
  ~Manager() override;

  /// Starts the manager thread; the first reconcile runs at once (adopting what exists).
  Result<void> start();
  void onChange(const armservice::ChangeSet& change) override;
  /// See Reporter::probeStatus. Any thread.
  nlohmann::json probeStatus() const override { return reporter_.probeStatus(); }
  /// Prometheus text: azlb_dip_availability (Azure Monitor's DipAvailability, health probe
  /// status, 0 or 100 per backend and probe) and azlb_vip_availability (VipAvailability, data
  /// path availability, per frontend IP and port). Any thread.
  std::string metricsText() const override { return reporter_.metricsText(); }
  /// Azure's health status of a probed load-balancing rule (controller::ruleHealthStatus), null
  /// when the data plane has no such rule. Any thread.
  nlohmann::json ruleHealth(const std::string& ruleId) const override {
    return reporter_.ruleHealth(ruleId);
  }
  /// {"<lower role instance id>": {"ip", "status", "reason"}}: the cloud-service role instances'
  /// guest agents as last seen (ChangeListener::roleInstances). Any thread.
  nlohmann::json roleInstances() const override;
  nlohmann::json trace(const std::map<std::string, std::string>& query) const override;
  std::string uiPage() const override;
  nlohmann::json uiState() const override;
  /// Stops the thread. With teardown, also ends the processes and removes every namespace.
  void stop(bool teardown);

 private:
  void loop();
  /// One pass of the loop with the changes taken from the queue.
  void step(std::vector<Change> changes, bool dirty);
  void writeStatus();
  /// Reads the role hosts' status files; true when one changed since the last call.
  bool refreshRoleInstances();

  ManagerOptions opts_;
  ServiceResourceSource source_;
  RealizerTopologySink topology_;
  Supervisor supervisor_;
  Reconciler reconciler_;
  Reporter reporter_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Change> pending_;
  bool dirty_ = true, stopping_ = false;
  std::thread thread_;
  mutable std::mutex roleMu_;
  std::vector<RoleHostStatus> roleInstances_;  // guarded by roleMu_
  mutable std::mutex planMu_;
  nlohmann::json lastStatus_;  // what writeStatus wrote last; guarded by planMu_
  std::shared_ptr<const controller::Plan> tracePlan_;  // the last built plan; guarded by planMu_
};

}  // namespace azlb::manager
