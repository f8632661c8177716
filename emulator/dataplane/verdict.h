// Verdict and DropReason: what a forwarding stage decides about one packet. Owns the drop
// vocabulary (one counter per DropReason); does not count anything itself (see counters.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emulator/dataplane/ipv4_address.h"

namespace azlb::dataplane {

/// Why a packet was dropped. Each value has its own counter; append new values before Count.
enum class DropReason : std::uint8_t {
  Truncated,            ///< shorter than the IPv4 header or the TCP/UDP/ICMP header it announces
  BadVersion,           ///< IP version is not 4 (IPv6 is not supported yet and lands here)
  BadIhl,               ///< IHL < 5, or the header is longer than the total length
  BadTotalLength,       ///< total length < 20 or larger than the bytes received
  BadChecksum,          ///< IPv4 header checksum does not verify
  BadL4Header,          ///< TCP data offset < 5 or past the packet; UDP length < 8 or too long
  Fragment,             ///< a non-first fragment: no ports to hash on, and no reassembly here
  UnsupportedProtocol,  ///< not TCP or UDP where a load-balancing rule is needed
  UnknownFrontend,      ///< no rule for (frontend IP, protocol, port)
  NoHealthyBackend,     ///< the rule has no healthy backend (empty Maglev table)
  NotEncapsulated,      ///< host inbound: the outer packet is not IP-in-IP (protocol 4)
  UnknownBackend,       ///< host inbound: no backend behind this underlay address for the frontend
  NoReverseFlow,        ///< host outbound: a backend's packet matches no inbound flow
  NoFlowState,          ///< host inbound: a TCP segment other than a SYN for a flow the agent
                        ///< does not know (timed out idle, as Azure drops it, or never seen)
  NoHeadroom,           ///< encap: the PacketBuf has no room in front for the outer header
  TooBig,               ///< encap: the outer packet would exceed 65535 bytes or the underlay MTU;
                        ///< delivery: larger than the link's MTU and not a TCP superpacket
  BadOffload,           ///< the virtio-net header does not fit the packet (partial checksum not
                        ///< at the TCP/UDP checksum, or a superpacket that is not TCP)
  NoOutbound,           ///< host: a VM's new flow out of its VNet, and the VM has no outbound
                        ///< connectivity for that protocol (a private subnet, as in Azure)
  SnatExhausted,        ///< host: a VM's new outbound flow, and every SNAT port of the VM is in
                        ///< use for that destination (Azure drops the SYN)
  NoSnatMapping,        ///< host: a packet to a SNAT port that maps to no flow of this VM
  Count,                ///< not a reason: the number of reasons
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::Count);

/// Stable lower-camel name for counters and status output ("badIhl").
constexpr std::string_view dropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::Truncated:
      return "truncated";
    case DropReason::BadVersion:
      return "badVersion";
    case DropReason::BadIhl:
      return "badIhl";
    case DropReason::BadTotalLength:
      return "badTotalLength";
    case DropReason::BadChecksum:
      return "badChecksum";
    case DropReason::BadL4Header:
      return "badL4Header";
    case DropReason::Fragment:
      return "fragment";
    case DropReason::UnsupportedProtocol:
      return "unsupportedProtocol";
    case DropReason::UnknownFrontend:
      return "unknownFrontend";
    case DropReason::NoHealthyBackend:
      return "noHealthyBackend";
    case DropReason::NotEncapsulated:
      return "notEncapsulated";
    case DropReason::UnknownBackend:
      return "unknownBackend";
    case DropReason::NoReverseFlow:
      return "noReverseFlow";
    case DropReason::NoFlowState:
      return "noFlowState";
    case DropReason::NoHeadroom:
      return "noHeadroom";
    case DropReason::TooBig:
      return "tooBig";
    case DropReason::BadOffload:
      return "badOffload";
    case DropReason::NoOutbound:
      return "noOutbound";
    case DropReason::SnatExhausted:
      return "snatExhausted";
    case DropReason::NoSnatMapping:
      return "noSnatMapping";
    case DropReason::Count:
      break;
  }
  return "unknown";
}

/// Where a forwarded packet leaves: towards the underlay (router, MUX -> host, host -> router) or
/// towards a backend VM on this host. The I/O layer maps it to a device.
enum class Egress : std::uint8_t { Underlay, Backend };

/// The outcome for one packet. Forward carries the egress side and the next hop (always the
/// destination address of the packet as it now stands: the host's underlay address after encap,
/// the backend's address after decap, the client after SNAT). More kinds (Local, IcmpReply)
/// come when a stage needs them.
struct Verdict {
  enum class Kind : std::uint8_t { Forward, Drop };

  Kind kind = Kind::Drop;
  DropReason reason = DropReason::Count;  ///< meaningful when kind == Drop
  Egress egress = Egress::Underlay;       ///< meaningful when kind == Forward
  Ipv4Address nextHop{};                  ///< meaningful when kind == Forward

  static constexpr Verdict forward(Egress egress, Ipv4Address nextHop) {
    return Verdict{Kind::Forward, DropReason::Count, egress, nextHop};
  }
  static constexpr Verdict drop(DropReason reason) {
    return Verdict{Kind::Drop, reason, Egress::Underlay, Ipv4Address{}};
  }

  constexpr bool isForward() const { return kind == Kind::Forward; }
  constexpr bool isDrop() const { return kind == Kind::Drop; }

  friend constexpr bool operator==(const Verdict&, const Verdict&) = default;
};

}  // namespace azlb::dataplane
