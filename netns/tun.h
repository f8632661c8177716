// TunDevice: a TUN interface (IFF_TUN | IFF_NO_PI, layer 3, no packet-info header) created inside
// a namespace, with one nonblocking fd per queue. Optional IFF_VNET_HDR and IFF_MULTI_QUEUE,
// checked against TUNGETFEATURES first. Not here: addresses and routes (netns/netlink.h), the
// packet pump (emulator/runtime).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "netns/fd.h"
#include "netns/namespace.h"

namespace azlb::netns {

struct TunOptions {
  std::string name;      // <= 15 chars, from netns_model::Naming
  unsigned queues = 1;   // > 1 sets IFF_MULTI_QUEUE (one fd per queue)
  bool vnetHdr = false;  // IFF_VNET_HDR: every packet is preceded by a struct virtio_net_hdr
  /// With vnetHdr: TUNSETOFFLOAD(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN), so the kernel hands
  /// over TCP superpackets and partial checksums instead of segmenting and summing first.
  bool tcpOffload = false;
};

/// The link exists while at least one queue fd is open (it is not made persistent), so the
/// device disappears with the TunDevice or with the process. Move-only.
class TunDevice {
 public:
  /// Opens /dev/net/tun from a thread inside `ns` (the device is created in the namespace the
  /// opener is in) and attaches `queues` fds. Needs CAP_NET_ADMIN. Errors: EOPNOTSUPP when the
  /// kernel lacks a requested feature, EBUSY/EEXIST when the name is taken by another device,
  /// EINVAL for a bad name or 0 queues, ENOENT when /dev/net/tun is missing.
  static Result<TunDevice> open(const NetNamespace& ns, const TunOptions& options);

  const std::string& name() const { return name_; }
  std::size_t queueCount() const { return fds_.size(); }
  /// The nonblocking fd of a queue (for poll/epoll/asio). Precondition: queue < queueCount().
  int fd(std::size_t queue = 0) const { return fds_[queue].get(); }
  bool vnetHdr() const { return vnetHdr_; }
  /// True when the kernel accepted TUNSETOFFLOAD (options.tcpOffload).
  bool tcpOffload() const { return tcpOffload_; }
  /// Bytes of virtio_net_hdr in front of every packet read or written (0 without IFF_VNET_HDR).
  std::size_t vnetHdrSize() const;

  /// Reads one packet into `buf`. Returns its size, or 0 when none is waiting (EAGAIN).
  /// EMSGSIZE is never reported: a packet larger than `buf` is truncated by the kernel, so pass
  /// at least MTU + vnetHdrSize() bytes.
  Result<std::size_t> read(std::span<std::byte> buf, std::size_t queue = 0);
  /// Writes one packet (an IPv4/IPv6 datagram, after the vnet header if enabled). Returns 0 when
  /// the queue is full (EAGAIN).
  Result<std::size_t> write(std::span<const std::byte> packet, std::size_t queue = 0);

  /// Hands the queue fds to the caller (e.g. a forwarding thread per queue). The device lives
  /// as long as one of them stays open.
  std::vector<Fd> releaseFds() { return std::move(fds_); }

 private:
  TunDevice(std::string name, std::vector<Fd> fds, bool vnetHdr, bool tcpOffload)
      : name_(std::move(name)), fds_(std::move(fds)), vnetHdr_(vnetHdr), tcpOffload_(tcpOffload) {}

  std::string name_;
  std::vector<Fd> fds_;
  bool vnetHdr_ = false;
  bool tcpOffload_ = false;
};

}  // namespace azlb::netns
