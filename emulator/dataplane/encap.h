// IP-in-IP encapsulation and decapsulation (RFC 2003) on a PacketBuf: the outer IPv4 header goes
// into the buffer's headroom, so the inner packet is never copied. Owns no addresses: the
// forwarders say who is outer source and destination.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/result.h"
#include "emulator/dataplane/ipv4_address.h"
#include "emulator/dataplane/packet.h"
#include "emulator/dataplane/packet_buf.h"
#include "emulator/dataplane/verdict.h"

namespace azlb::dataplane {

struct EncapParams {
  Ipv4Address outerSrc{};  ///< the MUX's underlay address
  Ipv4Address outerDst{};  ///< the backend's host underlay address
  std::uint16_t id = 0;    ///< outer IPv4 ID (RFC 6864: only meaningful without DF)
  std::uint8_t ttl = 64;
  /// Largest outer packet the underlay takes (its MTU); 65535 = no limit but IPv4's.
  std::size_t maxOuterSize = 65535;
};

/// Prepends a 20-byte outer IPv4 header: protocol 4, TOS and DF copied from the inner header
/// (RFC 2003 section 3.1), total length, ID, TTL and a full header checksum. The inner packet is
/// untouched; its offload offsets move with it, and segmentation is cleared (the outer packet
/// crosses the underlay as one frame). Precondition: buf.data() holds exactly the inner packet.
/// Returns NoHeadroom when fewer than 20 bytes are free in front, TooBig when the outer packet
/// would exceed maxOuterSize; the buffer is unchanged then.
std::optional<DropReason> encapsulateIpip(PacketBuf& buf, const EncapParams& params);

/// Validates the outer IPv4 packet at buf.data() (PacketView::parse reasons), requires protocol 4
/// (NotEncapsulated), strips the outer header and any bytes past its total length (BadOffload when
/// a partial checksum starts inside the outer header), and parses
/// the inner packet (PacketView::parse reasons again). On success buf.data() is the inner packet
/// as far as the outer length says, and the view covers the inner total length.
Result<PacketView, DropReason> decapsulateIpip(PacketBuf& buf);

/// As decapsulateIpip(buf) when the caller has already parsed the outer packet: `outer` must be
/// the view of buf.data(). Checks protocol 4, strips, parses the inner packet.
Result<PacketView, DropReason> decapsulateIpip(PacketBuf& buf, const PacketView& outer);

}  // namespace azlb::dataplane
