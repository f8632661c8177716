#include "netns/link_sender.h"

#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

namespace azlb::netns {

Result<Fd> openLinkSender(const NetNamespace& ns, std::string_view link, bool vnetHdr) {
  const std::string name(link);
  const std::string context = "packet socket on " + name + (ns.name().empty() ? "" : " in " + ns.name());
  return runInNamespace(ns, [&]() -> Result<Fd> {
    const unsigned index = ::if_nametoindex(name.c_str());
    if (index == 0) return fail(context, errno == 0 ? ENODEV : errno);
    // Protocol 0: the socket is bound to no ethertype, so the kernel queues nothing to it.
    Fd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) return fail(context, errno);
    if (vnetHdr) {
      const int on = 1;
      if (::setsockopt(fd.get(), SOL_PACKET, PACKET_VNET_HDR, &on, sizeof on) != 0) {
        return fail(context + ": PACKET_VNET_HDR", errno);
      }
    }
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = 0;
    address.sll_ifindex = static_cast<int>(index);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      return fail(context + ": bind", errno);
    }
    return fd;
  });
}

}  // namespace azlb::netns
