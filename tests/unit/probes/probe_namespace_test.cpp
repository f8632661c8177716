// probes::Runner when a target's network namespace cannot be used (no root needed): entering it
// fails -> a failed probe with a `namespace: ...` detail and nothing sent from the runner's own
// namespace; coming back fails -> the process aborts (netns/namespace.h's contract), it never
// carries on probing from the wrong namespace. The second case runs in a forked child that made
// itself a user namespace, where leaving a namespace it owns works and returning does not.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <thread>

#include "emulator/probes/probe_runner.h"

using namespace azlb::probes;
using std::chrono::milliseconds;

namespace {

bool eventually(const std::function<bool()>& pred, milliseconds limit = milliseconds(5000)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return pred();
}

TargetStatus statusOf(const Runner& r, const std::string& key) {
  for (const auto& s : r.status())
    if (s.key == key) return s;
  return {};
}

Target tcpTarget(const std::string& key, int netnsFd, std::uint16_t port) {
  Spec s;
  s.protocol = Protocol::Tcp;
  s.port = port;
  s.interval = milliseconds(50);
  s.timeout = milliseconds(50);
  return Target{key, netnsFd, "", "127.0.0.1", s};
}

/// A listening socket on 127.0.0.1 in this namespace; readable once a connection completed.
struct Listener {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  std::uint16_t port = 0;
  Listener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(fd, 64) == 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { close(fd); }
  bool connectedTo() const {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
  }
};

/// In a forked child: a user namespace of its own, a network namespace made in it, and a runner
/// probing a target there. Exit codes: 0 the runner carried on, 2-4 set-up failed (skip).
[[noreturn]] void probeFromOwnedNamespace() {
  const rlimit noCore{0, 0};
  setrlimit(RLIMIT_CORE, &noCore);
  std::signal(SIGABRT, SIG_DFL);  // not Catch2's handler: the parent judges how the child ended
  if (unshare(CLONE_NEWUSER) != 0) _exit(2);
  int nsFd = -1;
  std::thread([&] {
    if (unshare(CLONE_NEWNET) == 0) nsFd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  }).join();
  if (nsFd < 0) _exit(3);
  Runner r;
  if (!r.start()) _exit(4);
  r.setTargets({tcpTarget("inside", nsFd, 9), tcpTarget("own", -1, 9)});
  const auto deadline = Clock::now() + milliseconds(3000);
  while (Clock::now() < deadline) std::this_thread::sleep_for(milliseconds(10));
  _exit(0);
}

}  // namespace

TEST_CASE("a target whose namespace cannot be entered fails its probes, and none is sent from here",
          "[probes][runner][namespace]") {
  Listener here;
  const int notANamespace = open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(notANamespace >= 0);
  {
    Runner r;
    REQUIRE(r.start());
    r.setTargets({tcpTarget("bad", notANamespace, here.port)});
    REQUIRE(eventually([&] { return statusOf(r, "bad").consecutiveFailures >= 2; }));  // counted, retried
    const TargetStatus s = statusOf(r, "bad");
    CHECK(s.outcome == Outcome::Error);
    CHECK(outcomeName(s.outcome) == "error");
    CHECK(s.detail.rfind("namespace: ", 0) == 0);
    CHECK(s.detail.find("Invalid argument") != std::string::npos);
    CHECK_FALSE(s.up);
  }
  CHECK_FALSE(here.connectedTo());
  close(notANamespace);
}

TEST_CASE("a runner that cannot return from a target's namespace aborts instead of probing from it",
          "[probes][runner][namespace]") {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) probeFromOwnedNamespace();
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  if (WIFEXITED(status) && WEXITSTATUS(status) >= 2) {
    WARN("user namespaces unavailable here (set-up step " << WEXITSTATUS(status) << "): not tested");
    return;
  }
  CHECK(WIFSIGNALED(status));
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT));
}
