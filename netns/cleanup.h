// Prefix-based cleanup (mininet's `mn -c`): removes every /run/netns entry and every link of the
// calling thread's namespace whose name parses as ours (netns/naming.h) for one instance, or for
// all instances of a prefix. Idempotent, and it reports what it removed. It does not stop
// processes still running inside the namespaces (netns/processes.h does): their namespaces lose
// their names at once and vanish when the last process leaves.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "netns/naming.h"

namespace azlb::netns {

struct CleanupReport {
  std::vector<std::string> namespaces;  // /run/netns entries removed
  std::vector<std::string> links;       // links removed from the calling thread's namespace
  std::vector<Error> failures;          // objects that are ours but could not be removed

  bool empty() const { return namespaces.empty() && links.empty() && failures.empty(); }
};

/// Removes the objects of `prefix` + `instance` (nullopt: every instance of `prefix`). Links
/// first (deleting a veth end also deletes its peer), then namespaces. Objects that vanish
/// concurrently count as removed by someone else and are not reported. The Result fails only
/// when the objects cannot even be listed (EINVAL for a bad prefix/instance, EPERM, ...);
/// per-object failures go to CleanupReport::failures. Call from a thread in the namespace whose
/// links should be cleaned (normally the root namespace).
Result<CleanupReport> cleanup(std::string_view prefix, std::optional<std::string_view> instance);
/// Same for one Naming's prefix and instance.
Result<CleanupReport> cleanup(const netns_model::Naming& naming);

}  // namespace azlb::netns
