// Starting a detached azlb process inside a network namespace: its own session, stdin from
// /dev/null, stdout and stderr appended to a log. The one way the manager starts the MUXes, the
// host agents and the role instances' guest agents.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace azlb::manager {

/// fork + setns(/run/netns/<ns>) + execv(args[0], args). The child exits 126 when it cannot
/// enter the namespace, 127 when it cannot exec.
Result<pid_t> spawnInNamespace(const std::string& ns, std::vector<std::string> args,
                               const std::string& logPath);

}  // namespace azlb::manager
