// ICMP answers a MUX gives for a Standard public frontend (Azure's frontend reachability): an echo
// reply while a rule on the frontend has a healthy backend, "destination host unreachable" when
// all are probed down. Both rewrite the packet in place (no allocation): the reply then goes back
// into the MUX's TUN and the kernel routes it to the client.
#pragma once

#include "emulator/dataplane/packet.h"
#include "emulator/dataplane/packet_buf.h"

namespace azlb::dataplane {

inline constexpr std::uint8_t kIcmpEchoReply = 0;
inline constexpr std::uint8_t kIcmpUnreachable = 3;
inline constexpr std::uint8_t kIcmpHostUnreachable = 1;  // code of kIcmpUnreachable
inline constexpr std::uint8_t kIcmpEchoRequest = 8;

/// True for an ICMP echo request (type 8, code 0).
bool isEchoRequest(const PacketView& view);
/// Turns the echo request in `packet` (parsed as `view`) into its reply: addresses swapped,
/// TTL 64, type 0, checksums complete, offload cleared; identifier, sequence and data kept.
void makeEchoReply(PacketBuf& packet, const PacketView& view);
/// Replaces `packet` (parsed as `view`) with an ICMP destination-host-unreachable from `from` to
/// its source, quoting its IP header and the first 8 bytes after it (RFC 792). False, and no
/// change, when the buffer has no room for the 28 extra bytes.
bool makeHostUnreachable(PacketBuf& packet, const PacketView& view, Ipv4Address from);

}  // namespace azlb::dataplane
