// Makes the kernel match a netns_model::Topology, incrementally: creates what is missing,
// replaces what changed, removes what an earlier apply made and is no longer wanted, and removes
// namespaces of this azlb instance that nobody wants (leftovers of a crash). Objects that already
// exist under the wanted names are adopted, so a restarted manager does not disturb the running
// data plane. Processes inside a removed namespace are ended first.
#pragma once

#include <optional>
#include <string>

#include "emulator/common/result.h"
#include "netns/naming.h"
#include "netns/topology.h"

namespace azlb::manager {

class TopologyApplier {
 public:
  explicit TopologyApplier(netns_model::Naming naming) : naming_(std::move(naming)) {}
  /// Not thread-safe; call from the manager's thread.
  Result<void> apply(const netns_model::Topology& desired);
  /// Removes every namespace and root link of this instance (processes inside are ended).
  Result<void> teardown();

 private:
  netns_model::Naming naming_;
  std::optional<netns_model::Topology> applied_;
};

/// Ends (SIGKILL) every process whose network namespace is the named one. Returns how many.
std::size_t killProcessesInNamespace(const std::string& nsName);

}  // namespace azlb::manager
