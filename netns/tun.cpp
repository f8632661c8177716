#include "netns/tun.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace azlb::netns {
namespace {
// sizeof(struct virtio_net_hdr), the kernel's default TUNSETVNETHDRSZ. <linux/virtio_net.h>
// does not compile as C++ (a flexible union member), so the size is spelled out.
constexpr std::size_t kVirtioNetHdrSize = 10;
}  // namespace

std::size_t TunDevice::vnetHdrSize() const { return vnetHdr_ ? kVirtioNetHdrSize : 0; }

Result<TunDevice> TunDevice::open(const NetNamespace& ns, const TunOptions& options) {
  const std::string context = "TUNSETIFF " + options.name;
  if (options.name.empty() || options.name.size() >= IFNAMSIZ) {
    return fail(context + ": name length", EINVAL);
  }
  if (options.queues == 0) return fail(context + ": 0 queues", EINVAL);
  if (options.tcpOffload && !options.vnetHdr) return fail(context + ": offload needs vnetHdr", EINVAL);

  return runInNamespace(ns, [&]() -> Result<TunDevice> {
    std::vector<Fd> fds;
    unsigned short flags = IFF_TUN | IFF_NO_PI;
    if (options.vnetHdr) flags |= IFF_VNET_HDR;
    if (options.queues > 1) flags |= IFF_MULTI_QUEUE;

    for (unsigned q = 0; q < options.queues; ++q) {
      Fd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
      if (!fd) return fail("open /dev/net/tun for " + options.name, errno);
      if (q == 0) {
        unsigned features = 0;
        if (::ioctl(fd.get(), TUNGETFEATURES, &features) != 0) {
          return fail("TUNGETFEATURES " + options.name, errno);
        }
        const unsigned missing = flags & ~features;
        if (missing != 0) {
          std::string what;
          if (missing & IFF_VNET_HDR) what += " IFF_VNET_HDR";
          if (missing & IFF_MULTI_QUEUE) what += " IFF_MULTI_QUEUE";
          if (missing & ~static_cast<unsigned>(IFF_VNET_HDR | IFF_MULTI_QUEUE)) what += " base";
          return fail(context + ": kernel lacks" + what, EOPNOTSUPP);
        }
      }
      ifreq ifr{};
      std::memcpy(ifr.ifr_name, options.name.data(), options.name.size());
      ifr.ifr_flags = static_cast<short>(flags);
      if (::ioctl(fd.get(), TUNSETIFF, &ifr) != 0) {
        return fail(context + " queue " + std::to_string(q), errno);
      }
      fds.push_back(std::move(fd));
    }
    if (options.tcpOffload) {
      // Per device, not per queue: one call covers every queue.
      const unsigned long offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN;
      if (::ioctl(fds.front().get(), TUNSETOFFLOAD, offloads) != 0) {
        return fail("TUNSETOFFLOAD " + options.name, errno);
      }
    }
    return TunDevice(options.name, std::move(fds), options.vnetHdr, options.tcpOffload);
  });
}

Result<std::size_t> TunDevice::read(std::span<std::byte> buf, std::size_t queue) {
  for (;;) {
    ssize_t n = ::read(fds_[queue].get(), buf.data(), buf.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return std::size_t{0};
    return fail("read tun " + name_ + " queue " + std::to_string(queue), errno);
  }
}

Result<std::size_t> TunDevice::write(std::span<const std::byte> packet, std::size_t queue) {
  for (;;) {
    ssize_t n = ::write(fds_[queue].get(), packet.data(), packet.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return std::size_t{0};
    return fail("write tun " + name_ + " queue " + std::to_string(queue), errno);
  }
}

}  // namespace azlb::netns
