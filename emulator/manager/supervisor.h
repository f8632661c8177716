// SUPERVISION: keeps one `azlb mux` per MUX namespace and one `azlb host-agent` per host running
// (and, through role_hosts.h, one `azlb role-host` per cloud-service role instance).
// It starts them (each its own session, inside its namespace, logging to the run dir), adopts the
// ones a previous manager started (they keep forwarding across a manager restart), notices the
// dead, restarts them when snapshots are pushed, and tracks which MUXes are out of the router's
// ECMP route until they are back. It also asks the host agents for their probe results. It does
// not decide what to run or forward: the reconciler does, and pushes through pushSnapshots().
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "emulator/controller/plan.h"
#include "emulator/manager/reconciler.h"
#include "emulator/manager/role_hosts.h"
#include "emulator/runtime/control_protocol.h"

namespace azlb::manager {

struct SupervisorOptions {
  controller::PlanOptions plan;  // how many MUXes and hosts, their namespaces and underlay
  std::string runDir;            // sockets, pid files, logs
  std::string binary;            // the azlb executable to start processes from
};

/// One supervised process, as status output shows it.
struct ProcessStatus {
  std::string kind;  // "mux", "host-agent" or "bird" (the router's BGP daemon)
  std::uint32_t index = 0;
  std::string ns, socket, log;
  pid_t pid = 0;                   // 0 when not running
  std::uint64_t ackedVersion = 0;  // the snapshot it last acknowledged
};

/// The control socket of process `kind` ("mux" or "host-agent") number `index` under `runDir`.
std::string processSocket(const std::string& runDir, const std::string& kind, std::uint32_t index);

/// Used from the manager's thread only.
class Supervisor : public SnapshotSink {
 public:
  explicit Supervisor(SupervisorOptions options);

  /// Creates the run dir and adopts the processes whose pid files name a live azlb of that kind.
  /// Starts nothing: pushSnapshots() starts what is missing.
  Result<void> start();
  /// Reaps the dead. A dead MUX leaves the ECMP route at once (its flows move to the others and
  /// keep their backends: every MUX has the same Maglev tables). Returns true when a process is
  /// down (a reconcile must restart it).
  bool checkProcesses();
  /// Puts back into the ECMP route every restarted MUX that acknowledged `version`. Returns true
  /// when one came back (the router's route must be rebuilt).
  bool readmitMuxes(std::uint64_t version);
  /// MUXes currently out of the ECMP route.
  const std::set<std::uint32_t>& muxesDown() const { return muxesDown_; }

  /// Starts every process that is not running, then hands each its snapshot of `plan` (skipping
  /// those that already acknowledged its version). Waits up to 10 s per process for it to listen.
  /// Errors name the process and its log.
  Result<void> pushSnapshots(const controller::Plan& plan) override;
  /// The status (probe results, SNAT usage) of every running host agent that answers within
  /// 500 ms.
  std::vector<runtime::StatusReport> pollHostAgents();
  std::vector<ProcessStatus> processes() const;
  /// BIRD's control socket (BGP mode).
  std::string birdSocket() const;
  /// The cloud-service role instances' guest agents (started by pushSnapshots, once their VM
  /// namespaces exist; restarted by checkProcesses when they die).
  std::vector<RoleHostStatus> roleHosts() const { return roleHosts_.statuses(); }
  /// SIGTERM to every process (role hosts first), SIGKILL after 3 s, and their pid files removed.
  void stopAll();

 private:
  struct Proc {
    ProcessStatus status;
    std::string pidFile;
    std::vector<std::string> args;
    pid_t pid = 0;  // > 0: our child; < 0: adopted (alive, not our child); 0: none
  };
  Proc makeProc(const std::string& kind, std::uint32_t index) const;
  Proc makeRouterDaemon() const;
  Result<void> writeBirdConfig() const;
  bool alive(Proc& p);
  Result<void> spawn(Proc& p);
  Result<void> push(Proc& p, const runtime::Snapshot& s);

  SupervisorOptions opts_;
  std::vector<Proc> procs_;
  std::set<std::uint32_t> muxesDown_;
  RoleHosts roleHosts_;
};

}  // namespace azlb::manager
