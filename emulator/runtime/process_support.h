// What the two data-plane processes (`azlb mux`, `azlb host-agent`) share outside the packet
// path: termination signals as an fd, an eventfd to wake the forwarding thread, TUN set-up in a
// namespace (MTU, up, forwarding sysctls) and start-up error texts that say how to fix them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "emulator/runtime/control_server.h"
#include "netns/fd.h"
#include "netns/namespace.h"
#include "netns/tun.h"

namespace azlb::runtime {

/// Blocks SIGTERM, SIGINT and SIGHUP for the whole process (call before starting any thread)
/// and returns a signalfd that becomes readable when one arrives. Also ignores SIGPIPE.
Result<netns::Fd> terminationSignalFd();

/// A nonblocking eventfd: wake() makes it readable (the forwarding thread polls it).
class WakeFd {
 public:
  static Result<WakeFd> create();
  int fd() const { return fd_.get(); }
  void wake() const;

 private:
  explicit WakeFd(netns::Fd fd) : fd_(std::move(fd)) {}
  netns::Fd fd_;
};

/// Creates TUN `name` in `ns`, sets its MTU, disables IPv6 on it (best effort: its router
/// solicitations would only be counted as drops) and brings it up, then sets the sysctls a
/// forwarding namespace needs: ip_forward=1, rp_filter=0 on all, default and the TUN (the
/// kernel applies the maximum). With `offload`: IFF_VNET_HDR and TCP segmentation/checksum
/// offload (packets carry a VirtioNetHdr; see vnet_header.h). Errors name the step.
Result<netns::TunDevice> createForwardingTun(const netns::NetNamespace& ns, const std::string& name,
                                            unsigned mtu, bool offload);

/// What `azlb mux` and `azlb host-agent` set up first, in this order: the termination-signal fd
/// (before any thread starts), the wake eventfd, the current namespace, the control socket (a
/// second process started by mistake stops there, before it touches the TUN or its routes;
/// requests wait in the backlog until the plumbing is ready) and the forwarding TUN.
struct ProcessBasics {
  netns::Fd signals;
  WakeFd wake;
  netns::NetNamespace ns;
  ControlServer server;
  netns::TunDevice tun;
};
Result<ProcessBasics> startProcess(const std::string& socketPath, const std::string& tunName,
                                   unsigned tunMtu, bool offload);

/// The error's message plus how to fix it when the cause is known (missing privileges, no
/// /dev/net/tun, a name in use).
std::string explain(const Error& error);

/// The inode of a namespace fd (identifies the namespace itself, whatever its name); 0 on error.
std::uint64_t namespaceId(int nsFd);

}  // namespace azlb::runtime
