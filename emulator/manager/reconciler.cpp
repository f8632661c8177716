#include "emulator/manager/reconciler.h"

#include <utility>

#include "arm-api/common/resource_id.h"

namespace azlb::manager {

Reconciler::Reconciler(ResourceSource& source, TopologySink& topology, SnapshotSink& snapshots,
                       controller::PlanOptions options, Clock clock, BackoffPolicy backoff)
    : source_(source),
      topology_(topology),
      snapshots_(snapshots),
      options_(std::move(options)),
      clock_(std::move(clock)),
      backoff_(backoff) {}

bool Reconciler::mayRun(bool changesWaiting) const {
  return changesWaiting || backoff_.due(clock_());
}

Result<void> Reconciler::reconcile(const ObservedState& observed) {
  controller::Inputs in;
  in.probeUp = observed.probeUp;
  in.virtualNetworks = source_.listByType("Microsoft.Network/virtualNetworks");
  in.networkInterfaces = source_.listByType("Microsoft.Network/networkInterfaces");
  in.loadBalancers = source_.listByType("Microsoft.Network/loadBalancers");
  in.publicIpAddresses = source_.listByType("Microsoft.Network/publicIPAddresses");
  in.cloudServices = source_.listByType("Microsoft.Compute/cloudServices");
  in.networkSecurityGroups = source_.listByType("Microsoft.Network/networkSecurityGroups");
  auto options = options_;
  options.muxesDown = observed.muxesDown;
  auto plan = controller::compile(in, options, assignments_, ++version_);
  assignments_ = plan.assignments;
  loadBalancerErrors_ = plan.loadBalancerErrors;
  Result<void> ok = topology_.applyTopology(plan.topology);
  if (!ok) ok = fail("applying the topology: " + ok.error().message());
  if (ok) ok = snapshots_.pushSnapshots(plan);
  if (!ok) {
    lastError_ = ok.error().message();
    backoff_.failed(clock_());
    return ok;
  }
  lastError_.reset();
  backoff_.succeeded();
  plan_ = std::move(plan);
  return {};
}

void Reconciler::completeOperations(const std::vector<Change>& changes) {
  for (const auto& change : changes) {
    std::optional<OperationFailure> failure;
    if (lastError_) {
      failure = OperationFailure{500, "azlb could not build the data plane: " + *lastError_};
    } else {
      for (const auto& id : change.resourceIds)
        for (const auto& [lb, why] : loadBalancerErrors_)
          // A cloud service's own load balancer is reported under <service id>/loadBalancers/..
          if (armapi::iequals(id, lb) || armapi::istartsWith(lb, id + "/"))
            failure =
                OperationFailure{400, "azlb could not build the data plane of " + lb + ": " + why};
    }
    source_.completeOperation(change.operationId, failure);
  }
}

RetryStatus Reconciler::retryStatus() const {
  return RetryStatus{.failures = backoff_.failures(),
                     .lastError = lastError_.value_or(""),
                     .delay = backoff_.failing() ? backoff_.delay() : std::chrono::milliseconds(0),
                     .nextRetry = backoff_.nextAttempt()};
}

}  // namespace azlb::manager
