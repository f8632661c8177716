// Fastpath (Ananta §3.4; ARCHITECTURE §3): once a TCP connection between two VIPs of this
// region is established, its packets go host to host and no longer through the MUXes. The MUX
// that carries the connection's client -> VIP half sees the handshake complete (the first ACK
// without SYN on a flow it pins) from a source that is one of our VMs' SNAT ports, and sends
// each of the two host agents a redirect: "packets of this flow, as they leave you (translated),
// go IP-in-IP straight to this PA". Ananta uses a redirect message too; ours is internal: an
// IPv4 packet of protocol 253 (RFC 3692, for experiments) from the MUX's underlay address to the
// VM's PA, payload "AZFP", version 1, the flow (src, dst, src port, dst port, protocol) and the
// peer PA. Pure: building and parsing only.
#pragma once

#include <cstdint>
#include <optional>

#include "emulator/dataplane/flow_key.h"
#include "emulator/dataplane/ipv4_address.h"
#include "emulator/dataplane/packet.h"
#include "emulator/dataplane/packet_buf.h"

namespace azlb::dataplane {

inline constexpr std::uint8_t kFastpathProtocol = 253;

/// The host agent that gets this sends packets of `flow` (keyed as they leave it, after its own
/// translation) encapsulated from the VM's PA to `peer` (the other VM's PA).
struct Redirect {
  FlowKey flow{};
  Ipv4Address peer{};
  friend bool operator==(const Redirect&, const Redirect&) = default;
};

/// A redirect from `from` (a MUX) to `to` (the VM's PA), in `buf`. False if it does not fit.
bool buildRedirect(PacketBuf& buf, Ipv4Address from, Ipv4Address to, const Redirect& redirect);
/// The redirect a packet of protocol kFastpathProtocol carries; nullopt when it is not one.
std::optional<Redirect> parseRedirect(const PacketView& view);

}  // namespace azlb::dataplane
