#include "emulator/runtime/process_support.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "netns/netlink.h"
#include "netns/sysctl.h"

namespace azlb::runtime {

Result<netns::Fd> terminationSignalFd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  if (int rc = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
    return fail("pthread_sigmask", rc);
  }
  ::signal(SIGPIPE, SIG_IGN);
  netns::Fd fd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd) return fail("signalfd", errno);
  return fd;
}

Result<WakeFd> WakeFd::create() {
  netns::Fd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!fd) return fail("eventfd", errno);
  return WakeFd(std::move(fd));
}

void WakeFd::wake() const {
  const std::uint64_t one = 1;
  (void)!::write(fd_.get(), &one, sizeof one);
}

Result<netns::TunDevice> createForwardingTun(const netns::NetNamespace& ns, const std::string& name,
                                            unsigned mtu, bool offload) {
  const std::string where = "creating TUN " + name + (ns.name().empty() ? "" : " in " + ns.name());
  auto step = [&](const Error& e) {
    return unexpected(Error{e.code, where + ": " + e.context});
  };
  auto tun = netns::TunDevice::open(ns, netns::TunOptions{.name = name, .vnetHdr = offload, .tcpOffload = offload});
  if (!tun) return step(tun.error());
  auto rtnl = netns::Rtnl::openIn(ns);
  if (!rtnl) return step(rtnl.error());
  if (mtu != 0) {
    if (auto ok = rtnl->setMtu(name, mtu); !ok) return step(ok.error());
  }
  // Before the link goes up: an IPv6-enabled TUN sends router solicitations and MLD reports
  // the moment it is up, and the engine would count them as drops. Best effort (IPv6 may be
  // disabled in the kernel altogether).
  (void)netns::writeSysctl(ns, "net/ipv6/conf/" + name + "/disable_ipv6", "1");
  if (auto ok = rtnl->setLinkUp(name); !ok) return step(ok.error());
  if (auto ok = netns::setIpForwarding(ns, true); !ok) return step(ok.error());
  for (std::string_view iface : {std::string_view("all"), std::string_view("default"),
                                 std::string_view(name)}) {
    if (auto ok = netns::setRpFilter(ns, iface, 0); !ok) return step(ok.error());
  }
  return std::move(*tun);
}

Result<ProcessBasics> startProcess(const std::string& socketPath, const std::string& tunName,
                                   unsigned tunMtu, bool offload) {
  auto signals = terminationSignalFd();
  if (!signals) return unexpected(signals.error());
  auto wake = WakeFd::create();
  if (!wake) return unexpected(wake.error());
  auto ns = netns::NetNamespace::current();
  if (!ns) return unexpected(ns.error());
  auto server = ControlServer::listen(socketPath);
  if (!server) return unexpected(server.error());
  auto tun = createForwardingTun(*ns, tunName, tunMtu, offload);
  if (!tun) return unexpected(tun.error());
  return ProcessBasics{std::move(*signals), std::move(*wake), std::move(*ns), std::move(*server),
                       std::move(*tun)};
}

std::string explain(const Error& error) {
  std::string text = error.message();
  const int code = error.code.value();
  if (code == EPERM || code == EACCES) {
    text += " (needs CAP_NET_ADMIN and CAP_SYS_ADMIN: run as root)";
  } else if (code == ENOENT && error.context.find("/dev/net/tun") != std::string::npos) {
    text += " (no /dev/net/tun: load the tun module with 'modprobe tun')";
  } else if (code == EBUSY || code == EEXIST) {
    text +=
        " (the name is taken: is another instance still running? 'azlb cleanup' removes"
        " leftovers)";
  }
  return text;
}

std::uint64_t namespaceId(int nsFd) {
  struct stat st {};
  if (::fstat(nsFd, &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_ino);
}

}  // namespace azlb::runtime
