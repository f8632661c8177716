// probes::Runner: runs the health probes of many targets on one thread, with nonblocking
// sockets created inside each target's network namespace and bound to the probe source address
// (Azure's 168.63.129.16). Tcp: a completed handshake; Http(s): GET requestPath, only 200 passes.
// Feeds each attempt's outcome to its probes::State. Not here: which targets exist (the host
// agent's snapshot) and what a state change means (the manager's tables).
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/probes/probe_policy.h"

namespace azlb::probes {

struct Target {
  std::string key;          ///< stable name of the (probe, backend) pair
  int netnsFd = -1;         ///< namespace to probe from (kept open by the caller); -1: the runner's own
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

  /// Starts the probing thread. Errors: eventfd, TLS context.
  Result<void> start();
  /// Stops and joins the thread; in-flight attempts are abandoned.
  void stop();
  /// Replaces the target list; any thread. A target whose key, namespace fd, addresses and spec
  /// are unchanged keeps its state; a new or changed one starts out of rotation, probed at once.
  void setTargets(std::vector<Target> targets);
  /// Every target's state, by key; any thread.
  std::vector<TargetStatus> status() const;

 private:
  struct Attempt;
  struct Slot;
  void run();
  void begin(Slot& slot, Clock::time_point now);
  void step(Slot& slot, short revents);
  void finish(Slot& slot, Outcome outcome, std::string detail);
  void publish();

  int wakeFd_ = -1;
  int ownNs_ = -1;
  SSL_CTX* tls_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex pendingMu_;
  std::optional<std::vector<Target>> pending_;
  std::map<std::string, std::unique_ptr<Slot>> slots_;  // runner thread only
  mutable std::mutex statusMu_;
  std::vector<TargetStatus> status_;
};

}  // namespace azlb::probes
