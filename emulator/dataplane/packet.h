// IPv4 / TCP / UDP / ICMP header layouts and PacketView, a validated view over one IPv4 packet
// held in caller-owned bytes. Parses and exposes fields; rewriting lives in nat.h and encap.h.
// No OS headers: the layouts are defined here (RFC 791, 793, 768, 792).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/result.h"
#include "emulator/dataplane/bytes.h"
#include "emulator/dataplane/flow_key.h"
#include "emulator/dataplane/ipv4_address.h"
#include "emulator/dataplane/verdict.h"

namespace azlb::dataplane {

/// IP protocol numbers the data plane knows by name; any other 8-bit value may appear.
enum class IpProtocol : std::uint8_t { Icmp = 1, IpInIp = 4, Tcp = 6, Udp = 17 };

/// IPv4 header (RFC 791): byte offsets, flags, and a decoded form for building headers.
struct Ipv4Header {
  static constexpr std::size_t kMinSize = 20;
  static constexpr std::size_t kOffVersionIhl = 0;
  static constexpr std::size_t kOffTos = 1;
  static constexpr std::size_t kOffTotalLength = 2;
  static constexpr std::size_t kOffId = 4;
  static constexpr std::size_t kOffFlagsFragment = 6;
  static constexpr std::size_t kOffTtl = 8;
  static constexpr std::size_t kOffProtocol = 9;
  static constexpr std::size_t kOffChecksum = 10;
  static constexpr std::size_t kOffSrc = 12;
  static constexpr std::size_t kOffDst = 16;
  static constexpr std::uint16_t kFlagDontFragment = 0x4000;
  static constexpr std::uint16_t kFlagMoreFragments = 0x2000;
  static constexpr std::uint16_t kFragmentOffsetMask = 0x1FFF;

  std::uint8_t tos = 0;
  std::uint16_t totalLength = 0;
  std::uint16_t id = 0;
  std::uint16_t flagsFragment = 0;
  std::uint8_t ttl = 64;
  std::uint8_t protocol = 0;
  std::uint16_t checksum = 0;
  Ipv4Address src{};
  Ipv4Address dst{};

  /// Writes a 20-byte header (version 4, IHL 5, no options) with `checksum` as stored here.
  /// Precondition: out.size() >= kMinSize.
  void encode(std::span<std::uint8_t> out) const;
};

/// TCP header (RFC 793) offsets and flag bits.
struct TcpHeader {
  static constexpr std::size_t kMinSize = 20;
  static constexpr std::size_t kOffSrcPort = 0;
  static constexpr std::size_t kOffDstPort = 2;
  static constexpr std::size_t kOffSeq = 4;
  static constexpr std::size_t kOffAck = 8;
  static constexpr std::size_t kOffDataOffset = 12;
  static constexpr std::size_t kOffFlags = 13;
  static constexpr std::size_t kOffWindow = 14;
  static constexpr std::size_t kOffChecksum = 16;
  static constexpr std::size_t kOffUrgent = 18;
  static constexpr std::uint8_t kFin = 0x01;
  static constexpr std::uint8_t kSyn = 0x02;
  static constexpr std::uint8_t kRst = 0x04;
  static constexpr std::uint8_t kPsh = 0x08;
  static constexpr std::uint8_t kAck = 0x10;
  static constexpr std::uint8_t kEce = 0x40;
  static constexpr std::uint8_t kCwr = 0x80;
};

/// UDP header (RFC 768) offsets. A checksum of 0 means "no checksum".
struct UdpHeader {
  static constexpr std::size_t kSize = 8;
  static constexpr std::size_t kOffSrcPort = 0;
  static constexpr std::size_t kOffDstPort = 2;
  static constexpr std::size_t kOffLength = 4;
  static constexpr std::size_t kOffChecksum = 6;
};

/// ICMP header (RFC 792) offsets; 8 bytes including the type-specific word.
struct IcmpHeader {
  static constexpr std::size_t kSize = 8;
  static constexpr std::size_t kOffType = 0;
  static constexpr std::size_t kOffCode = 1;
  static constexpr std::size_t kOffChecksum = 2;
};

/// A parsed IPv4 packet over mutable bytes it does not own. Field accessors read the bytes each
/// time, so rewrites through nat.h stay visible without re-parsing. Valid while the bytes stay
/// where they are (PacketBuf::prepend does not move them; resize beyond the view does not matter).
class PacketView {
 public:
  PacketView() = default;

  /// Validates an IPv4 packet at the start of `bytes` (no per-packet allocation).
  /// Checks, in order: at least 20 bytes (Truncated), version 4 (BadVersion), IHL >= 5 (BadIhl),
  /// 20 <= total length <= bytes.size() (BadTotalLength), IHL*4 <= total length (BadIhl), header
  /// checksum (BadChecksum), non-first fragment (Fragment), then the TCP/UDP/ICMP header: shorter
  /// than its minimum is Truncated, a bad TCP data offset or UDP length is BadL4Header (relaxed
  /// for first fragments, whose L4 length covers later fragments). Other protocols are accepted
  /// without an L4 parse. The view covers exactly total-length bytes; trailing bytes are ignored.
  static Result<PacketView, DropReason> parse(std::span<std::uint8_t> bytes);

  /// Exactly total-length bytes: the IPv4 header and its payload.
  std::span<std::uint8_t> bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  std::span<std::uint8_t> ipHeader() const { return bytes_.first(headerLength_); }
  /// The IPv4 payload: the TCP/UDP/ICMP segment, or the inner packet for IP-in-IP.
  std::span<std::uint8_t> l4() const { return bytes_.subspan(headerLength_); }
  std::size_t headerLength() const { return headerLength_; }

  std::uint8_t protocolNumber() const { return bytes_[Ipv4Header::kOffProtocol]; }
  IpProtocol protocol() const { return static_cast<IpProtocol>(protocolNumber()); }
  Ipv4Address src() const { return Ipv4Address{loadBe32(bytes_, Ipv4Header::kOffSrc)}; }
  Ipv4Address dst() const { return Ipv4Address{loadBe32(bytes_, Ipv4Header::kOffDst)}; }
  std::uint8_t tos() const { return bytes_[Ipv4Header::kOffTos]; }
  std::uint8_t ttl() const { return bytes_[Ipv4Header::kOffTtl]; }
  std::uint16_t id() const { return loadBe16(bytes_, Ipv4Header::kOffId); }
  std::uint16_t flagsFragment() const { return loadBe16(bytes_, Ipv4Header::kOffFlagsFragment); }
  bool dontFragment() const { return (flagsFragment() & Ipv4Header::kFlagDontFragment) != 0; }
  /// True for the first fragment of a fragmented datagram (later fragments fail parse()).
  bool isFirstFragment() const { return (flagsFragment() & Ipv4Header::kFlagMoreFragments) != 0; }
  std::uint16_t ipChecksum() const { return loadBe16(bytes_, Ipv4Header::kOffChecksum); }

  /// TCP or UDP: the packet has ports.
  bool hasPorts() const { return protocol() == IpProtocol::Tcp || protocol() == IpProtocol::Udp; }
  /// 0 when !hasPorts().
  std::uint16_t srcPort() const { return hasPorts() ? loadBe16(bytes_, headerLength_) : 0; }
  std::uint16_t dstPort() const { return hasPorts() ? loadBe16(bytes_, headerLength_ + 2) : 0; }
  /// TCP flag byte (kSyn, kAck, ...); 0 for other protocols.
  std::uint8_t tcpFlags() const {
    return protocol() == IpProtocol::Tcp ? bytes_[headerLength_ + TcpHeader::kOffFlags] : 0;
  }
  /// TCP sequence and acknowledgement numbers; 0 for other protocols.
  std::uint32_t tcpSeq() const {
    return protocol() == IpProtocol::Tcp ? loadBe32(bytes_, headerLength_ + TcpHeader::kOffSeq) : 0;
  }
  std::uint32_t tcpAck() const {
    return protocol() == IpProtocol::Tcp ? loadBe32(bytes_, headerLength_ + TcpHeader::kOffAck) : 0;
  }
  /// ICMP type and code; 0 for other protocols.
  std::uint8_t icmpType() const {
    return protocol() == IpProtocol::Icmp ? bytes_[headerLength_ + IcmpHeader::kOffType] : 0;
  }
  std::uint8_t icmpCode() const {
    return protocol() == IpProtocol::Icmp ? bytes_[headerLength_ + IcmpHeader::kOffCode] : 0;
  }
  /// Offset in bytes() of the TCP/UDP/ICMP checksum field; 0 when the protocol has none here.
  std::size_t l4ChecksumOffset() const;

  /// (src, dst, srcPort, dstPort, protocol) as the packet stands now.
  FlowKey flowKey() const { return FlowKey{src(), dst(), srcPort(), dstPort(), protocolNumber()}; }

 private:
  PacketView(std::span<std::uint8_t> bytes, std::size_t headerLength)
      : bytes_(bytes), headerLength_(headerLength) {}

  std::span<std::uint8_t> bytes_{};
  std::size_t headerLength_ = 0;
};

}  // namespace azlb::dataplane
