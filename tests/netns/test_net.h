// Test-only helpers of the netns tier: the test run's Naming (its own instance id, so a user's
// azlb is never touched), the RAII TestNet that owns every namespace a test makes, a bounded
// command runner (ip, ping) and an in-process ICMP echo.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netns/address.h"
#include "netns/namespace.h"
#include "netns/naming.h"
#include "netns/netlink.h"
#include "tests/support/eventually.h"

namespace azlb::testnet {

using netns_model::Role;

/// ("azlb", "t" + 3 base-36 digits of the pid): differs from the default "0" and, very likely,
/// from a concurrent test run.
const netns_model::Naming& testNaming();
/// A second instance of the test run (for "cleanup leaves other instances alone").
const netns_model::Naming& otherTestNaming();
/// Marks this run's instance ids as live: creates /run/azlb-tests/<id>.lock and holds an
/// exclusive flock on it until the process exits (even by a crash or SIGKILL). Call once in
/// main before any test. Returns the error text when it cannot.
std::optional<std::string> claimTestInstance();
/// Removes the objects of test runs that died without cleaning up: for every lock file under
/// /run/azlb-tests that nobody holds, runs cleanup for its two instance ids and deletes the lock.
/// Instances without a lock file are never touched (they may be a user's). Returns what it
/// removed, one line per object.
std::vector<std::string> sweepDeadTestRuns();
/// testNaming().name(role, index), REQUIRE-d.
std::string nameOf(Role role, unsigned index = 0);

/// Owns the namespaces (and root-namespace links) a test creates; its destructor removes them
/// and then runs cleanup(testNaming()) as a backstop, so nothing survives a failed REQUIRE.
class TestNet {
 public:
  TestNet() = default;
  TestNet(const TestNet&) = delete;
  TestNet& operator=(const TestNet&) = delete;
  ~TestNet();

  /// Creates the namespace testNaming().name(role, index) with loopback up. REQUIREs success.
  netns::NetNamespace& add(Role role, unsigned index = 0);
  /// The cached rtnetlink socket of a namespace made by add().
  netns::Rtnl& rtnl(const netns::NetNamespace& ns);
  /// Remembers a link made in the root namespace so the destructor deletes it.
  void ownRootLink(std::string name) { rootLinks_.push_back(std::move(name)); }

  /// Veth between two namespaces, each end named after the neighbour it leads to, with one
  /// address per end, both up. REQUIREs success.
  void connect(const netns::NetNamespace& a, const std::string& aName,
               const netns_model::Ipv4Prefix& aAddress, const netns::NetNamespace& b,
               const std::string& bName, const netns_model::Ipv4Prefix& bAddress);

 private:
  std::vector<std::unique_ptr<netns::NetNamespace>> namespaces_;
  std::map<std::string, netns::Rtnl> sockets_;
  std::vector<std::string> rootLinks_;
};

netns_model::Ipv4Prefix prefix(const char* text);
netns_model::Ipv4Address address(const char* text);

struct CommandResult {
  int exitCode = -1;  // -1 when killed or not started
  bool timedOut = false;
  std::string output;  // stdout and stderr together
};
/// fork + exec (PATH lookup) with stdout/stderr captured; SIGKILLs the child at the deadline.
CommandResult runCommand(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));
/// Whether an executable with this name is on PATH.
bool haveProgram(const std::string& name);

/// Sends ICMP echo requests from a raw socket inside `from` to `to` until a matching reply
/// arrives or `timeout` passes. nullopt on success, else what went wrong.
std::optional<std::string> icmpEcho(const netns::NetNamespace& from, netns_model::Ipv4Address to,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(3));

/// Polls for state the kernel changes asynchronously (a namespace's links vanish after its last
/// reference goes); 5 s unless told.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  return testsupport::eventually(condition, timeout);
}

}  // namespace azlb::testnet
