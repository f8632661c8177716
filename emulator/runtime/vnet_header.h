// The virtio-net header a TUN with IFF_VNET_HDR puts in front of every packet (virtio spec
// 5.1.6, the legacy 10-byte form, in the host's byte order as TUN uses it by default), and its
// translation to and from dataplane::Offload. <linux/virtio_net.h> does not compile as C++, so
// the layout is spelled out here and nowhere else.
#pragma once

#include <cstdint>

#include "emulator/dataplane/packet_buf.h"

namespace azlb::runtime {

struct VirtioNetHdr {
  static constexpr std::uint8_t kFlagNeedsCsum = 1;
  static constexpr std::uint8_t kFlagDataValid = 2;
  static constexpr std::uint8_t kGsoEcn = 0x80;

  std::uint8_t flags = 0;
  std::uint8_t gsoType = 0;
  std::uint16_t hdrLen = 0;
  std::uint16_t gsoSize = 0;
  std::uint16_t csumStart = 0;
  std::uint16_t csumOffset = 0;
};
static_assert(sizeof(VirtioNetHdr) == 10, "the legacy virtio_net_hdr is 10 bytes");

inline dataplane::Offload toOffload(const VirtioNetHdr& h) {
  dataplane::Offload o;
  o.needsCsum = (h.flags & VirtioNetHdr::kFlagNeedsCsum) != 0;
  o.gso = static_cast<dataplane::Offload::Gso>(h.gsoType & ~VirtioNetHdr::kGsoEcn & 0xFF);
  o.ecn = (h.gsoType & VirtioNetHdr::kGsoEcn) != 0;
  o.hdrLen = h.hdrLen;
  o.gsoSize = h.gsoSize;
  o.csumStart = h.csumStart;
  o.csumOffset = h.csumOffset;
  return o;
}

inline VirtioNetHdr toVirtioNetHdr(const dataplane::Offload& o) {
  VirtioNetHdr h;
  h.flags = o.needsCsum ? VirtioNetHdr::kFlagNeedsCsum : 0;
  h.gsoType = static_cast<std::uint8_t>(static_cast<std::uint8_t>(o.gso) |
                                        (o.isGso() && o.ecn ? VirtioNetHdr::kGsoEcn : 0));
  h.hdrLen = o.isGso() ? o.hdrLen : 0;
  h.gsoSize = o.isGso() ? o.gsoSize : 0;
  h.csumStart = o.needsCsum ? o.csumStart : 0;
  h.csumOffset = o.needsCsum ? o.csumOffset : 0;
  return h;
}

}  // namespace azlb::runtime
