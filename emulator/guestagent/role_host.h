// `azlb role-host`: azlb's guest agent, one per cloud-service role instance, running inside the
// instance's namespace (the manager starts it). It runs the role's start-up tasks in document
// order (simple waits, background and foreground do not) and then its entry point from the
// role's folder with the RoleEnvironment variables, restarts (recycles) an entry point that
// exits, and serves guest_agent.h's interface on port 32526: the health the default probe reads,
// the status the workload or the user sets, and the discovery document. It writes its status
// to a file the manager reads. Output of everything it runs goes to its own stdout (the log).
#pragma once

#include <string>

namespace azlb::guestagent {

struct RoleHostOptions {
  std::string config;  // the JSON file the manager wrote (see role_host.cpp: readConfig)
};

/// Runs until SIGTERM/SIGINT; returns the exit code.
int runRoleHost(const RoleHostOptions& options);

}  // namespace azlb::guestagent
