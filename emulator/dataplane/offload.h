// Offload rules of the data path (TUNs with IFF_VNET_HDR, TSO and partial checksums): whether a
// packet's Offload metadata fits the packet, and how a packet is prepared for the link it leaves
// by. The underlay is a 65535-byte "fabric": an encapsulated superpacket crosses it as one frame
// (Linux cannot segment an IP-in-IP superpacket that came from user space), and the host agent
// turns it back into a TCP superpacket sized for the VM's link. Pure; no I/O.
#pragma once

#include <cstddef>
#include <optional>

#include "emulator/dataplane/packet.h"
#include "emulator/dataplane/packet_buf.h"
#include "emulator/dataplane/verdict.h"

namespace azlb::dataplane {

/// True when `offload` describes `view` (the packet at the start of its buffer): a partial
/// checksum starts at the TCP/UDP header and points at its checksum field; a superpacket is TCP
/// over IPv4 with a partial checksum. No offload at all is always consistent.
bool offloadConsistent(const Offload& offload, const PacketView& view);

/// Makes `buf` (whose data is `view`) fit a link of `mtu` bytes: a packet of at most mtu bytes
/// leaves as one frame (segmentation cleared); a larger TCP packet with a partial checksum
/// becomes a TCPv4 superpacket of (mtu - IP header - TCP header)-byte segments, or keeps a
/// smaller segment size it already had. Anything else larger than mtu is TooBig, and
/// inconsistent metadata is BadOffload; the buffer is unchanged then.
std::optional<DropReason> fitToLink(PacketBuf& buf, const PacketView& view, std::size_t mtu);

/// Clears segmentation: the packet leaves as one frame however large (an encapsulated packet on
/// the underlay). A partial checksum stays partial.
inline void sendAsOneFrame(Offload& offload) {
  offload.gso = Offload::Gso::None;
  offload.gsoSize = 0;
  offload.ecn = false;
}

}  // namespace azlb::dataplane
