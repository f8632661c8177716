// ROLE HOSTS: one `azlb role-host` (guestagent/role_host.h) per cloud-service role instance of
// the applied plan, inside the instance's VM namespace. Each gets its files under
// <runDir>/roles/<service>/: <instance>.json (its configuration), .status.json (what it reports),
// .log (its output and its programs'), .pid and .role-environment.json. A changed configuration
// restarts the instance, unless only the discovery document changed (SIGHUP: it reloads that).
// Dead ones are restarted; ones a previous manager started are adopted. Manager thread only.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "emulator/controller/plan.h"

namespace azlb::manager {

struct RoleHostStatus {
  std::string id, service, name, role, ip, ns, log;
  std::string status = "Unknown";  // from its status file: Starting, Ready, Busy, Stopping
  std::string reason;
  pid_t pid = 0;
  int restarts = 0;
};

class RoleHosts {
 public:
  RoleHosts(std::string runDir, std::string binary);

  /// Starts, restarts (configuration changed) and stops role hosts so that exactly `instances`
  /// run. Errors name the instance.
  Result<void> apply(const std::vector<controller::RoleInstancePlan>& instances);
  /// Restarts the role hosts that died.
  void check();
  std::vector<RoleHostStatus> statuses() const;
  /// SIGTERM to every role host (they end their programs), SIGKILL after 8 s.
  void stopAll();

  /// The configuration a role host reads (guestagent/role_host.cpp: readConfig).
  static nlohmann::json configOf(const controller::RoleInstancePlan& p, const std::string& base);

 private:
  struct Host {
    controller::RoleInstancePlan plan;
    std::string base;  // <runDir>/roles/<service>/<instance>
    nlohmann::json config;
    pid_t pid = 0;  // > 0 our child, < 0 adopted, 0 none
  };
  bool alive(Host& h);
  Result<void> start(Host& h);
  void stop(std::vector<Host*> hosts);

  std::string runDir_, binary_;
  std::map<std::string, Host> hosts_;  // by instance id
};

}  // namespace azlb::manager
