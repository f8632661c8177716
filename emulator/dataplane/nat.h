// NAT rewrites of an IPv4 packet in place: destination (frontend -> backend) on the way in and
// source (backend -> frontend) on the way back, with incremental checksum updates (RFC 1624) of
// the IPv4 header and the TCP/UDP checksum. Owns no NAT state; the forwarders keep the flows.
#pragma once

#include <cstdint>

#include "emulator/dataplane/ipv4_address.h"
#include "emulator/dataplane/packet.h"

namespace azlb::dataplane {

/// Sets the destination address, and the destination port when the packet has ports (TCP/UDP;
/// `port` is ignored otherwise), updating the IPv4 header checksum and the TCP/UDP checksum
/// incrementally. A UDP checksum of 0 (none) stays 0; an updated UDP checksum that comes out as
/// 0 is written as 0xFFFF. Works on first fragments too (the L4 checksum field is in them).
/// ICMP payloads (embedded headers of ICMP errors) are not translated.
/// With `l4Partial` (the packet's Offload::needsCsum) the TCP/UDP checksum field holds only the
/// pseudo-header sum, to be finished later by the kernel: the address change is folded into it
/// (as the kernel's inet_proto_csum_replace4 does), the port change is not (ports are summed when
/// the checksum is finished), and a UDP field of 0 is not special.
void rewriteDestination(const PacketView& view, Ipv4Address ip, std::uint16_t port,
                        bool l4Partial = false);

/// As rewriteDestination, for the source address and port.
void rewriteSource(const PacketView& view, Ipv4Address ip, std::uint16_t port,
                   bool l4Partial = false);

}  // namespace azlb::dataplane
