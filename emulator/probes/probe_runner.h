// probes::Runner: runs the health probes of many targets on one Boost.Asio thread: schedules each
// target's attempts (probe_attempt.h: sockets created inside the target's network namespace and
// bound to Azure's probe source 168.63.129.16) and feeds their outcomes to its probes::State.
// Not here: which targets exist (the host agent's snapshot) and what a state change means (the
// manager's tables).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "emulator/probes/probe_policy.h"

namespace azlb::probes {

struct Target {
  std::string key;   ///< stable name of the (probe, backend) pair
  int netnsFd = -1;  ///< namespace to probe from (kept open by the caller); -1: the runner's own.
                     ///< One that cannot be entered fails each attempt: Error, "namespace: ..."
  std::string sourceIp;     ///< bound before connecting; empty: the kernel chooses
  std::string destination;  ///< the backend's address
  Spec spec;
};

struct TargetStatus {
  std::string key;
  bool up = false;
  Outcome outcome = Outcome::None;
  std::string detail;
  std::uint32_t consecutiveSuccesses = 0;
  std::uint32_t consecutiveFailures = 0;
};

class Runner {
 public:
  Runner();
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// Starts the probing thread. Errors: the io_context, the TLS context, the thread.
  Result<void> start();
  /// Stops and joins the thread; in-flight attempts are abandoned.
  void stop();
  /// Replaces the target list; any thread. A target whose key, namespace fd, addresses and spec
  /// are unchanged keeps its state; a new or changed one starts out of rotation, probed at once.
  void setTargets(std::vector<Target> targets);
  /// Every target's state, by key; any thread.
  std::vector<TargetStatus> status() const;

 private:
  struct Engine;  // the probing thread's Boost.Asio objects and per-target slots (probe_runner.cpp)
  std::unique_ptr<Engine> engine_;
  std::thread thread_;
  std::mutex pendingMu_;
  std::optional<std::vector<Target>> pending_;
  mutable std::mutex statusMu_;
  std::vector<TargetStatus> status_;
};

}  // namespace azlb::probes
