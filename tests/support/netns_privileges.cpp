#include "tests/support/netns_privileges.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "netns/naming.h"

#ifndef AZLB_SKIP_CODE
#error "AZLB_SKIP_CODE must be defined (tests/CMakeLists.txt sets it for the netns tier)"
#endif

namespace azlb::testsupport {
namespace {

// A minimal rtnetlink request builder: just enough for one RTM_NEWLINK of kind veth.
class Request {
 public:
  explicit Request(std::uint16_t type, std::uint16_t flags) {
    auto* nh = header();
    nh->nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
    nh->nlmsg_type = type;
    nh->nlmsg_flags = flags;
    nh->nlmsg_seq = 1;
  }
  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buf_); }
  std::size_t size() { return header()->nlmsg_len; }

  // Appends an attribute and returns its offset (for nesting).
  std::size_t put(std::uint16_t type, const void* data, std::size_t len) {
    const std::size_t offset = NLMSG_ALIGN(size());
    auto* rta = reinterpret_cast<rtattr*>(buf_ + offset);
    rta->rta_type = type;
    rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
    if (len) std::memcpy(RTA_DATA(rta), data, len);
    header()->nlmsg_len = static_cast<std::uint32_t>(offset + RTA_ALIGN(rta->rta_len));
    return offset;
  }
  std::size_t putString(std::uint16_t type, const char* s) {
    return put(type, s, std::strlen(s) + 1);
  }
  std::size_t begin(std::uint16_t type) { return put(type, nullptr, 0); }
  void append(const void* data, std::size_t len) {
    std::memcpy(buf_ + NLMSG_ALIGN(size()), data, len);
    header()->nlmsg_len = static_cast<std::uint32_t>(NLMSG_ALIGN(size()) + NLMSG_ALIGN(len));
  }
  void end(std::size_t offset) {
    reinterpret_cast<rtattr*>(buf_ + offset)->rta_len =
        static_cast<unsigned short>(size() - offset);
  }

 private:
  alignas(nlmsghdr) char buf_[512] = {};
};

// 0 on success, else the errno of the step that failed (and `step` names it).
int probeInChild(const char*& step, char* object, std::size_t objectSize) {
  auto naming = netns_model::Naming::create("azlb", "prb");
  if (!naming) {
    step = "naming";
    return EINVAL;
  }
  const std::string vethA = *naming->name(netns_model::Role::Link, 0);
  const std::string vethB = *naming->name(netns_model::Role::Link, 1);
  const std::string tun = *naming->name(netns_model::Role::Tun, 0);

  step = "unshare(CLONE_NEWNET)";
  if (::unshare(CLONE_NEWNET) != 0) return errno;

  std::snprintf(object, objectSize, "RTM_NEWLINK veth %s", vethA.c_str());
  step = object;
  int sock = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sock < 0) return errno;
  Request req(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  req.putString(IFLA_IFNAME, vethA.c_str());
  std::size_t linkinfo = req.begin(IFLA_LINKINFO);
  req.putString(IFLA_INFO_KIND, "veth");
  std::size_t data = req.begin(IFLA_INFO_DATA);
  std::size_t peer = req.begin(VETH_INFO_PEER);
  ifinfomsg peerInfo{};
  req.append(&peerInfo, sizeof peerInfo);
  req.putString(IFLA_IFNAME, vethB.c_str());
  req.end(peer);
  req.end(data);
  req.end(linkinfo);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(sock, req.header(), req.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    return errno;
  }
  alignas(nlmsghdr) char reply[1024];
  ssize_t n = ::recv(sock, reply, sizeof reply, 0);
  if (n < 0) return errno;
  auto* nh = reinterpret_cast<nlmsghdr*>(reply);
  if (!NLMSG_OK(nh, static_cast<unsigned>(n)) || nh->nlmsg_type != NLMSG_ERROR) return EPROTO;
  if (int err = -static_cast<nlmsgerr*>(NLMSG_DATA(nh))->error; err != 0) return err;
  ::close(sock);

  step = "open /dev/net/tun";
  int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno;
  std::snprintf(object, objectSize, "TUNSETIFF %s", tun.c_str());
  step = object;
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, tun.data(), tun.size());
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (::ioctl(fd, TUNSETIFF, &ifr) != 0) return errno;
  ::close(fd);
  return 0;
}

}  // namespace

std::optional<std::string> probeNetnsPrivileges() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "pipe: " + std::string(std::strerror(errno));
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return "fork: " + std::string(std::strerror(err));
  }
  if (pid == 0) {
    ::close(fds[0]);
    const char* step = "";
    char object[64] = {};
    int err = probeInChild(step, object, sizeof object);
    if (err != 0) {
      char msg[256];
      int len = std::snprintf(msg, sizeof msg, "%s: %s", step, std::strerror(err));
      if (len > 0) (void)!::write(fds[1], msg, static_cast<std::size_t>(len));
    }
    ::_exit(err == 0 ? 0 : 1);
  }
  ::close(fds[1]);

  std::string message;
  bool timedOut = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timedOut = ready == 0;
      break;
    }
    char buf[256];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: the child is done
    message.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (timedOut) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut) return std::string("probe child: timed out after 10 s");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
  if (message.empty())
    return std::string("probe child: died (status ") + std::to_string(status) + ")";
  return message;
}

void requireNetnsPrivileges() {
  if (auto failure = probeNetnsPrivileges()) {
    std::fprintf(stderr, "netns tier needs root (%s); run: sudo ctest -L netns\n",
                 failure->c_str());
    std::fflush(stderr);
    std::exit(AZLB_SKIP_CODE);
  }
}

}  // namespace azlb::testsupport
