// A TCP RST segment built from scratch (IPv4 + 20-byte TCP header, checksums complete), for the
// host agent's enableTcpReset: when an established flow times out idle it tells both ends.
#pragma once

#include <cstdint>

#include "emulator/dataplane/ipv4_address.h"
#include "emulator/dataplane/packet_buf.h"

namespace azlb::dataplane {

struct TcpEndpoint {
  Ipv4Address ip{};
  std::uint16_t port = 0;
};

/// Replaces `buf`'s contents with RST from -> to carrying sequence number `seq` (the receiver's
/// RCV.NXT, so Linux accepts it without a challenge ACK, RFC 5961), ACK flag off, window 0,
/// DF set, TTL 64; no offload. False (buf emptied) when it has no room for 40 bytes.
bool buildTcpReset(PacketBuf& buf, TcpEndpoint from, TcpEndpoint to, std::uint32_t seq);

}  // namespace azlb::dataplane
