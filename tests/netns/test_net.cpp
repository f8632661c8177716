#include "tests/netns/test_net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>

#include "netns/cleanup.h"
#include "netns/fd.h"

namespace azlb::testnet {
namespace {

std::string base36(unsigned v, int digits) {
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
    v /= 36;
  }
  return out;
}

constexpr const char* kLockDir = "/run/azlb-tests";

// The pid-derived part shared by a run's two instance ids ("t" + id, "u" + id).
const std::string& runId() {
  static const std::string id = base36(static_cast<unsigned>(::getpid()), 3);
  return id;
}

netns_model::Naming namingFor(char lead, const std::string& id) {
  auto n = netns_model::Naming::create("azlb", std::string(1, lead) + id);
  if (!n) std::abort();  // cannot happen: fixed, valid prefix and instance
  return *n;
}

std::uint16_t checksum(const std::uint8_t* data, std::size_t len) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < len; i += 2) sum += (std::uint32_t{data[i]} << 8) | data[i + 1];
  if (len & 1) sum += std::uint32_t{data[len - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

}  // namespace

const netns_model::Naming& testNaming() {
  static const netns_model::Naming naming = namingFor('t', runId());
  return naming;
}

const netns_model::Naming& otherTestNaming() {
  static const netns_model::Naming naming = namingFor('u', runId());
  return naming;
}

std::optional<std::string> claimTestInstance() {
  if (::mkdir(kLockDir, 0755) != 0 && errno != EEXIST) {
    return std::string("mkdir ") + kLockDir + ": " + std::strerror(errno);
  }
  const std::string path = std::string(kLockDir) + "/" + runId() + ".lock";
  // Deliberately never closed: the flock lives exactly as long as this process.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return "open " + path + ": " + std::strerror(errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    return "flock " + path + ": " + std::strerror(errno) + " (another run with the same id?)";
  }
  return std::nullopt;
}

std::vector<std::string> sweepDeadTestRuns() {
  std::vector<std::string> removed;
  DIR* dir = ::opendir(kLockDir);
  if (dir == nullptr) return removed;
  std::vector<std::string> ids;
  while (const dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    const std::string suffix = ".lock";
    if (name.size() == 3 + suffix.size() && name.compare(3, suffix.size(), suffix) == 0) {
      ids.push_back(name.substr(0, 3));
    }
  }
  ::closedir(dir);
  for (const auto& id : ids) {
    if (id == runId()) continue;
    const std::string path = std::string(kLockDir) + "/" + id + ".lock";
    netns::Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // that run is alive
    bool clean = true;
    for (char lead : {'t', 'u'}) {
      auto report = netns::cleanup(namingFor(lead, id));
      if (!report) {
        clean = false;
        continue;
      }
      for (const auto& ns : report->namespaces) removed.push_back("netns " + ns);
      for (const auto& link : report->links) removed.push_back("link " + link);
      clean = clean && report->failures.empty();
    }
    if (clean) ::unlink(path.c_str());
  }
  return removed;
}

std::string nameOf(Role role, unsigned index) {
  auto name = testNaming().name(role, index);
  REQUIRE(name);
  return *name;
}

netns_model::Ipv4Prefix prefix(const char* text) {
  auto p = netns_model::parseIpv4Prefix(text);
  REQUIRE(p);
  return *p;
}

netns_model::Ipv4Address address(const char* text) {
  auto a = netns_model::parseIpv4(text);
  REQUIRE(a);
  return *a;
}

TestNet::~TestNet() {
  sockets_.clear();  // sockets pin their namespaces
  if (!rootLinks_.empty()) {
    if (auto rtnl = netns::Rtnl::open()) {
      for (const auto& link : rootLinks_) (void)rtnl->deleteLink(link);
    }
  }
  namespaces_.clear();
  if (auto report = netns::cleanup(testNaming()); report && !report->empty()) {
    // Reaching here means a test leaked past RAII; say so, the final check in main fails too.
    for (const auto& ns : report->namespaces) WARN("TestNet backstop removed netns " << ns);
    for (const auto& link : report->links) WARN("TestNet backstop removed link " << link);
  }
}

netns::NetNamespace& TestNet::add(Role role, unsigned index) {
  const std::string name = nameOf(role, index);
  auto ns = netns::NetNamespace::create(name);
  INFO("create " << name);
  REQUIRE(ns);
  namespaces_.push_back(std::make_unique<netns::NetNamespace>(std::move(*ns)));
  netns::NetNamespace& out = *namespaces_.back();
  auto up = rtnl(out).setLinkUp("lo", true);
  INFO((up ? std::string() : up.error().message()));
  REQUIRE(up);
  return out;
}

netns::Rtnl& TestNet::rtnl(const netns::NetNamespace& ns) {
  auto it = sockets_.find(ns.name());
  if (it != sockets_.end()) return it->second;
  auto socket = netns::Rtnl::openIn(ns);
  INFO((socket ? std::string() : socket.error().message()));
  REQUIRE(socket);
  return sockets_.emplace(ns.name(), std::move(*socket)).first->second;
}

void TestNet::connect(const netns::NetNamespace& a, const std::string& aName,
                      const netns_model::Ipv4Prefix& aAddress, const netns::NetNamespace& b,
                      const std::string& bName, const netns_model::Ipv4Prefix& bAddress) {
  auto check = [](const Result<void>& r) {
    INFO((r ? std::string() : r.error().message()));
    REQUIRE(r);
  };
  check(rtnl(a).addVeth(aName, bName, &b));
  check(rtnl(a).addAddress(aName, aAddress));
  check(rtnl(b).addAddress(bName, bAddress));
  check(rtnl(a).setLinkUp(aName));
  check(rtnl(b).setLinkUp(bName));
}

bool haveProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

CommandResult runCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  CommandResult result;
  int fds[2];
  if (argv.empty() || ::pipe2(fds, O_CLOEXEC) != 0) return result;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return result;
  }
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timedOut = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      result.timedOut = true;
      break;
    }
    char buf[4096];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    result.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (result.timedOut) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!result.timedOut && WIFEXITED(status)) result.exitCode = WEXITSTATUS(status);
  return result;
}

std::optional<std::string> icmpEcho(const netns::NetNamespace& from, netns_model::Ipv4Address to,
                                    std::chrono::milliseconds timeout) {
  auto outcome = netns::runInNamespace(from, [&]() -> Result<void> {
    netns::Fd sock(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP));
    if (!sock) return fail("socket(SOCK_RAW, IPPROTO_ICMP)", errno);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_addr.s_addr = netns_model::toNetworkOrder(to);
    const std::uint16_t id = static_cast<std::uint16_t>(::getpid() & 0xffff);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (std::uint16_t seq = 1;; ++seq) {
      // One request per 500 ms slot: the first may be lost to ARP resolution on a fresh link.
      std::uint8_t req[8 + 16] = {ICMP_ECHO, 0, 0, 0};
      req[4] = static_cast<std::uint8_t>(id >> 8);
      req[5] = static_cast<std::uint8_t>(id);
      req[6] = static_cast<std::uint8_t>(seq >> 8);
      req[7] = static_cast<std::uint8_t>(seq);
      std::memcpy(req + 8, "azlb-netns-echo!", 16);
      const std::uint16_t sum = checksum(req, sizeof req);
      req[2] = static_cast<std::uint8_t>(sum >> 8);
      req[3] = static_cast<std::uint8_t>(sum);
      if (::sendto(sock.get(), req, sizeof req, 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst) <
          0) {
        return fail("sendto " + netns_model::toString(to), errno);
      }
      const auto slotEnd = std::min(deadline, std::chrono::steady_clock::now() +
                                                  std::chrono::milliseconds(500));
      for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            slotEnd - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{sock.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        std::uint8_t buf[512];
        ssize_t n = ::recv(sock.get(), buf, sizeof buf, 0);
        if (n < 20) continue;
        const std::size_t ihl = (buf[0] & 0x0fu) * 4u;
        if (static_cast<std::size_t>(n) < ihl + 8) continue;
        std::uint32_t srcBe = 0;
        std::memcpy(&srcBe, buf + 12, 4);
        const std::uint8_t* icmp = buf + ihl;
        const bool match = srcBe == dst.sin_addr.s_addr && icmp[0] == ICMP_ECHOREPLY &&
                           icmp[4] == req[4] && icmp[5] == req[5];
        if (match) return {};
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return fail("no echo reply from " + netns_model::toString(to), ETIMEDOUT);
      }
    }
  });
  if (outcome) return std::nullopt;
  return outcome.error().message();
}

}  // namespace azlb::testnet
