// In-memory fakes for the manager's reconcile core (STYLE.md §8, fakes over mocks): an ARM
// resource source that records completed operations, a topology sink that validates what it is
// given as the realiser does, a snapshot sink that records what it delivered, and a clock.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/manager/reconciler.h"
#include "emulator/manager/resource_source.h"
#include "netns/topology.h"

namespace azlb::manager::testing {

class FakeSource : public ResourceSource {
 public:
  std::map<std::string, std::vector<nlohmann::json>> resources;  // type -> rendered bodies
  std::vector<std::pair<std::string, std::optional<OperationFailure>>> completed;

  std::vector<nlohmann::json> listByType(const std::string& type) override { return resources[type]; }
  void completeOperation(const std::string& operationId, const std::optional<OperationFailure>& failure) override {
    completed.emplace_back(operationId, failure);
  }
};

class FakeTopology : public TopologySink {
 public:
  std::vector<netns_model::Topology> applied;
  std::optional<std::string> failWith;  // the next applies fail with this context

  Result<void> applyTopology(const netns_model::Topology& topology) override {
    if (failWith) return fail(*failWith, EEXIST);
    if (auto ok = netns_model::validate(topology); !ok) return ok;  // as the realiser does first
    applied.push_back(topology);
    return {};
  }
};

class FakeSnapshots : public SnapshotSink {
 public:
  std::vector<std::uint64_t> pushedVersions;
  std::size_t muxRules = 0;  // rules in MUX 0's last snapshot
  std::optional<std::string> failWith;

  Result<void> pushSnapshots(const controller::Plan& plan) override {
    if (failWith) return fail(*failWith);
    pushedVersions.push_back(plan.muxSnapshots.at(0).version);
    muxRules = plan.muxSnapshots.at(0).forwarding.rules.size();
    return {};
  }
};

struct FakeClock {
  Backoff::TimePoint now{std::chrono::hours(1)};
  Reconciler::Clock fn() {
    return [this] { return now; };
  }
};

}  // namespace azlb::manager::testing
