// Ending the processes that run inside our network namespaces (workloads started with `azlb
// exec`, forwarding processes): the one place that finds a process by its /proc/<pid>/ns/net.
// It does not remove namespaces (netns/cleanup.h) and does not know which processes azlb started.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace azlb::netns {

/// Ends (SIGKILL) every process whose network namespace is /run/netns/<nsName>, except this
/// process and pid 1. Returns how many were signalled; 0 when the namespace does not exist.
/// Needs the right to signal them (root for other users' processes). Any thread.
std::size_t killProcessesInNamespace(const std::string& nsName);

/// Same for every /run/netns entry whose name parses as `prefix` + `instance` (nullopt: any
/// instance of `prefix`; netns/naming.h). Returns how many processes were signalled in total.
std::size_t killProcessesInNamespaces(std::string_view prefix, std::optional<std::string_view> instance);

}  // namespace azlb::netns
