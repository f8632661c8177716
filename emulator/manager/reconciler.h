// RECONCILE, the manager's core: the ARM resources (from a ResourceSource) are compiled into a
// plan (controller::compile), its topology is applied and its snapshots are pushed (through two
// injected sinks), and the ARM operations are completed: Succeeded, or Failed with the reason. A
// failed apply or push is retried with backoff (backoff.h). No threads, processes or syscalls
// here: manager.h runs it on its thread with the real sinks; unit tests pass fakes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "emulator/controller/plan.h"
#include "emulator/manager/backoff.h"
#include "emulator/manager/resource_source.h"
#include "netns/topology.h"

namespace azlb::manager {

/// Makes the kernel match the plan's topology (netns::TopologyRealizer in the product).
class TopologySink {
 public:
  virtual ~TopologySink() = default;
  virtual Result<void> applyTopology(const netns_model::Topology& topology) = 0;
};

/// Hands every MUX and host agent its snapshot of the plan (the Supervisor in the product).
class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  virtual Result<void> pushSnapshots(const controller::Plan& plan) = 0;
};

/// What the data plane reports back into the next compile.
struct ObservedState {
  std::map<std::string, bool> probeUp;  // probe key -> in rotation (controller::Inputs::probeUp)
  std::set<std::uint32_t> muxesDown;    // MUXes out of the ECMP route
};

/// The retry state, for status output.
struct RetryStatus {
  unsigned failures = 0;               // consecutive failed reconciles; 0: the last one succeeded
  std::string lastError;               // why the last one failed ("" when it succeeded)
  std::chrono::milliseconds delay{0};  // the wait chosen after it
  Backoff::TimePoint nextRetry{};      // when the retry is due
};

class Reconciler {
 public:
  using Clock = std::function<Backoff::TimePoint()>;

  Reconciler(ResourceSource& source, TopologySink& topology, SnapshotSink& snapshots,
             controller::PlanOptions options, Clock clock, BackoffPolicy backoff = {});

  /// Whether a reconcile may run now: always when ARM changes wait (`changesWaiting`; they may
  /// fix the cause, and their operations should not wait), otherwise only when the backoff after
  /// a failure has passed.
  bool mayRun(bool changesWaiting) const;
  /// True after a failure: a retry is wanted (when mayRun allows it) even if nothing changed.
  bool retryWanted() const { return backoff_.failing(); }

  /// Compiles the current resources with `observed`, applies the topology and pushes the
  /// snapshots. Success keeps the plan (plan()) and resets the backoff; a failure keeps the
  /// previous plan, records the error and schedules the retry. The error says which step failed.
  Result<void> reconcile(const ObservedState& observed);
  /// Completes the operations of `changes` by the outcome of the last reconcile(): Failed (500)
  /// with its error when it failed; else Failed (400) when a load balancer it touched could not be
  /// built (Plan::loadBalancerErrors); else Succeeded.
  void completeOperations(const std::vector<Change>& changes);

  /// The plan of the last successful reconcile.
  const std::optional<controller::Plan>& plan() const { return plan_; }
  /// The version of the last compile (the snapshots carry it).
  std::uint64_t version() const { return version_; }
  RetryStatus retryStatus() const;

 private:
  ResourceSource& source_;
  TopologySink& topology_;
  SnapshotSink& snapshots_;
  controller::PlanOptions options_;
  Clock clock_;
  Backoff backoff_;
  controller::Assignments assignments_;
  std::optional<controller::Plan> plan_;
  std::uint64_t version_ = 0;
  std::optional<std::string> lastError_;                   // of the last reconcile
  std::map<std::string, std::string> loadBalancerErrors_;  // of the last compile
};

}  // namespace azlb::manager
