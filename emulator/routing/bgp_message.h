// BGP-4 messages (RFC 4271) as a MUX speaks them to the router: OPEN with the multiprotocol
// (IPv4 unicast) and four-octet AS capabilities, KEEPALIVE, UPDATE announcing or withdrawing
// host routes (/32) with ORIGIN IGP, AS_PATH [our AS] and NEXT_HOP, NOTIFICATION. Pure: bytes in,
// bytes out; bgp_speaker.h owns the socket and the session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "emulator/dataplane/ipv4_address.h"

namespace azlb::routing {

using dataplane::Ipv4Address;

enum class BgpType : std::uint8_t { Open = 1, Update = 2, Notification = 3, Keepalive = 4 };

inline constexpr std::size_t kBgpHeaderSize = 19;
inline constexpr std::size_t kBgpMaxMessage = 4096;
/// The AS a two-octet OPEN carries for a four-octet AS (RFC 6793).
inline constexpr std::uint16_t kAsTrans = 23456;

struct BgpOpen {
  std::uint8_t version = 4;
  std::uint32_t as = 0;  // the four-octet capability's AS when present, else the OPEN's field
  std::uint16_t holdTime = 0;
  Ipv4Address routerId{};
  bool fourOctetAs = false;
  bool ipv4Unicast = false;  // the multiprotocol capability for AFI 1 / SAFI 1 (or none at all)
};

/// An UPDATE's routes (IPv4 unicast, in the message itself) and the attributes azlb reads.
struct BgpUpdate {
  std::vector<Ipv4Address> withdrawn, announced;  // /32s (other lengths are an error here)
  std::optional<Ipv4Address> nextHop;
  std::vector<std::uint32_t> asPath;  // the AS_SEQUENCE segments, flattened
};

struct BgpNotification {
  std::uint8_t code = 0, subcode = 0;
};

/// NOTIFICATION codes azlb sends or names in its log.
inline constexpr std::uint8_t kHoldTimerExpired = 4;
inline constexpr std::uint8_t kCease = 6;
inline constexpr std::uint8_t kCeaseAdministrativeShutdown = 2;
inline constexpr std::uint8_t kOpenMessageError = 2;
inline constexpr std::uint8_t kBadPeerAs = 2;  // OPEN message error subcode

/// One message split off a byte stream: its type and body (the bytes after the header).
struct BgpFrame {
  BgpType type{};
  std::span<const std::uint8_t> body;
  std::size_t size = 0;  // header + body: how much of the stream it used
};

std::vector<std::uint8_t> encodeOpen(const BgpOpen& open);
std::vector<std::uint8_t> encodeKeepalive();
std::vector<std::uint8_t> encodeNotification(BgpNotification n);
/// UPDATE messages (each within 4096 bytes) withdrawing `withdrawn` and announcing `announced`
/// as /32s from `localAs` with `nextHop`. Empty when both lists are.
std::vector<std::vector<std::uint8_t>> encodeUpdates(const std::vector<Ipv4Address>& withdrawn,
                                                     const std::vector<Ipv4Address>& announced,
                                                     std::uint32_t localAs, bool fourOctetAs,
                                                     Ipv4Address nextHop);

/// The first message of `stream`: nullopt while it is incomplete; an error (EPROTO) for a bad
/// marker, a length outside 19..4096 or an unknown type.
Result<std::optional<BgpFrame>> splitFrame(std::span<const std::uint8_t> stream);
/// Errors (EPROTO) say what is malformed.
Result<BgpOpen> decodeOpen(std::span<const std::uint8_t> body);
/// `fourOctetAs`: how AS_PATH is encoded (both sides sent the capability).
Result<BgpUpdate> decodeUpdate(std::span<const std::uint8_t> body, bool fourOctetAs);
Result<BgpNotification> decodeNotification(std::span<const std::uint8_t> body);
/// "Cease / administrative shutdown", "hold timer expired", "code 3 subcode 1".
std::string describe(BgpNotification n);

}  // namespace azlb::routing
