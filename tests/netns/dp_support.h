// Test helpers of the data-plane process tests (dataplane_processes_test.cpp): a child process
// started inside a named namespace (fork + setns + exec of the azlb binary), a line-answering
// TCP server living in a namespace, TCP clients from a namespace, interface counters, and a
// temporary directory for control sockets and logs. All RAII; everything polls with deadlines.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "netns/fd.h"
#include "netns/namespace.h"

namespace azlb::dptest {


/// A child process running `argv` inside /run/netns/<ns>, stdout and stderr to `logPath`. It gets
/// SIGTERM when the test process dies (PR_SET_PDEATHSIG). Destruction stops it: SIGTERM, then
/// SIGKILL after a deadline. Only this PID is ever signalled.
class DpProcess {
 public:
  DpProcess(const std::string& ns, std::vector<std::string> argv, std::string logPath);
  ~DpProcess();
  DpProcess(const DpProcess&) = delete;
  DpProcess& operator=(const DpProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// Whether the child is still running (reaps it if it has exited).
  bool running();
  /// SIGTERM and wait; returns the exit status (WEXITSTATUS, or 128 + signal), nullopt when it
  /// had to be killed after `timeout`.
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// The log so far.
  std::string log() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string logPath_;
};

/// A TCP server bound to 0.0.0.0:`port` inside `ns`: for every line it receives on a
/// connection it answers `name` + "\n". Served by one thread; stopped on destruction.
class DpNameServer {
 public:
  DpNameServer(const netns::NetNamespace& ns, std::string name, std::uint16_t port);
  ~DpNameServer();
  DpNameServer(const DpNameServer&) = delete;
  DpNameServer& operator=(const DpNameServer&) = delete;

  /// Connections accepted so far.
  std::size_t accepted() const { return accepted_.load(); }

 private:
  void serve();

  std::string name_;
  netns::Fd listener_;
  netns::Fd stop_;
  std::atomic<std::size_t> accepted_{0};
  std::thread thread_;
};

/// A TCP connection made from inside `ns` (the socket is created there).
class DpConnection {
 public:
  /// Nonblocking connect with a deadline. ETIMEDOUT when nothing answers in time.
  static Result<DpConnection> open(const netns::NetNamespace& ns, const std::string& ip,
                                   std::uint16_t port, std::chrono::milliseconds timeout);
  /// Sends `line` + "\n" and waits for one answer line.
  Result<std::string> ask(const std::string& line, std::chrono::milliseconds timeout);
  /// Local port (to tell flows apart in messages).
  std::uint16_t localPort() const;

 private:
  explicit DpConnection(netns::Fd fd) : fd_(std::move(fd)) {}
  netns::Fd fd_;
  std::string pending_;
};

/// Packet counters of one interface as /proc/net/dev shows them inside `ns`.
struct DpLinkCounters {
  std::uint64_t rxPackets = 0;
  std::uint64_t txPackets = 0;
};
Result<DpLinkCounters> dpLinkCounters(const netns::NetNamespace& ns, const std::string& link);

/// Polls `condition` every 20 ms until it holds or the deadline passes.
template <typename F>
bool dpEventually(F&& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace azlb::dptest
