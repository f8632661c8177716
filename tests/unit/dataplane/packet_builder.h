// PacketBuilder: builds IPv4 TCP/UDP/ICMP packets (optionally IP-in-IP) for the data-plane tests,
// with checksums from a deliberately naive reference implementation that shares no code with
// emulator/dataplane, and checkChecksums() to verify any packet independently. Test-only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace azlb::testing {

using Bytes = std::vector<std::uint8_t>;

/// Dotted quad to a host-order integer; throws on bad input (tests only).
inline std::uint32_t ipFromString(std::string_view text) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
      c > 255 || d > 255) {
    throw std::invalid_argument("bad IPv4 address: " + s);
  }
  return (a << 24) | (b << 16) | (c << 8) | d;
}

/// The reference Internet checksum: add 16-bit words one at a time, folding the carry after
/// every addition (RFC 1071 in its most literal form). `seed` is an unfolded starting sum.
inline std::uint16_t referenceChecksum(const Bytes& data, std::uint32_t seed = 0) {
  std::uint32_t sum = seed;
  while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
  for (std::size_t i = 0; i < data.size(); i += 2) {
    std::uint32_t word = static_cast<std::uint32_t>(data[i]) << 8;
    if (i + 1 < data.size()) word |= data[i + 1];
    sum += word;
    if (sum > 0xFFFF) sum = (sum & 0xFFFF) + 1;
  }
  return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

inline std::uint32_t referencePseudoHeader(std::uint32_t src, std::uint32_t dst,
                                           std::uint8_t protocol, std::size_t length) {
  return (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + protocol +
         static_cast<std::uint32_t>(length);
}

struct Ipv4 {
  std::string src{};
  std::string dst{};
  std::uint8_t ttl = 64;
  std::uint16_t id = 0;
  bool df = true;
  bool mf = false;
  std::uint16_t fragmentOffset = 0;  // in 8-byte units
  std::uint8_t tos = 0;
  std::optional<std::uint8_t> protocol{};      // default: from the next layer
  std::optional<std::uint8_t> version{};       // malformed cases
  std::optional<std::uint8_t> ihl{};           // malformed cases (default from options)
  std::optional<std::uint16_t> totalLength{};  // malformed cases
  std::optional<std::uint16_t> checksum{};     // malformed cases
  Bytes options{};                             // multiple of 4 bytes
};

namespace tcpflags {
inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kPsh = 0x08;
inline constexpr std::uint8_t kAck = 0x10;
}  // namespace tcpflags

struct Tcp {
  std::uint16_t src = 0;
  std::uint16_t dst = 0;
  std::uint32_t seq = 1000;
  std::uint32_t ack = 0;
  std::uint8_t flags = tcpflags::kSyn;
  std::uint16_t window = 64240;
  std::optional<std::uint8_t> dataOffset{};  // in 32-bit words; malformed cases
  std::optional<std::uint16_t> checksum{};
};

struct Udp {
  std::uint16_t src = 0;
  std::uint16_t dst = 0;
  bool noChecksum = false;  // send 0: "no checksum"
  std::optional<std::uint16_t> length{};
  std::optional<std::uint16_t> checksum{};
};

struct IcmpEcho {
  std::uint8_t type = 8;  // echo request
  std::uint16_t id = 1;
  std::uint16_t seq = 1;
};

/// Layers are added in the order they appear on the wire: outer IPv4 first.
class PacketBuilder {
 public:
  PacketBuilder& ipv4(Ipv4 h) {
    ipLayers_.push_back(std::move(h));
    return *this;
  }
  PacketBuilder& tcp(Tcp h) {
    tcp_ = h;
    return *this;
  }
  PacketBuilder& udp(Udp h) {
    udp_ = h;
    return *this;
  }
  PacketBuilder& icmpEcho(IcmpEcho h) {
    icmp_ = h;
    return *this;
  }
  PacketBuilder& payload(std::string_view text) {
    payload_.assign(text.begin(), text.end());
    return *this;
  }
  PacketBuilder& payload(Bytes bytes) {
    payload_ = std::move(bytes);
    return *this;
  }

  Bytes build() const {
    if (ipLayers_.empty()) throw std::logic_error("PacketBuilder: no IPv4 layer");
    const Ipv4& inner = ipLayers_.back();
    const std::uint32_t src = ipFromString(inner.src);
    const std::uint32_t dst = ipFromString(inner.dst);
    Bytes packet{};
    std::uint8_t protocol = 0;
    if (tcp_) {
      protocol = 6;
      packet = buildTcp(*tcp_, src, dst);
    } else if (udp_) {
      protocol = 17;
      packet = buildUdp(*udp_, src, dst);
    } else if (icmp_) {
      protocol = 1;
      packet = buildIcmp(*icmp_);
    } else {
      packet = payload_;
    }
    for (auto it = ipLayers_.rbegin(); it != ipLayers_.rend(); ++it) {
      packet = wrapIpv4(*it, protocol, packet);
      protocol = 4;  // anything outside an IPv4 layer carries IP-in-IP
    }
    return packet;
  }

 private:
  static void put16(Bytes& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
  }
  static void put32(Bytes& b, std::size_t at, std::uint32_t v) {
    put16(b, at, static_cast<std::uint16_t>(v >> 16));
    put16(b, at + 2, static_cast<std::uint16_t>(v));
  }

  Bytes buildTcp(const Tcp& h, std::uint32_t src, std::uint32_t dst) const {
    Bytes seg(20, 0);
    put16(seg, 0, h.src);
    put16(seg, 2, h.dst);
    put32(seg, 4, h.seq);
    put32(seg, 8, h.ack);
    seg[12] = static_cast<std::uint8_t>(h.dataOffset.value_or(5) << 4);
    seg[13] = h.flags;
    put16(seg, 14, h.window);
    seg.insert(seg.end(), payload_.begin(), payload_.end());
    const std::uint16_t sum =
        referenceChecksum(seg, referencePseudoHeader(src, dst, 6, seg.size()));
    put16(seg, 16, h.checksum.value_or(sum));
    return seg;
  }

  Bytes buildUdp(const Udp& h, std::uint32_t src, std::uint32_t dst) const {
    Bytes seg(8, 0);
    put16(seg, 0, h.src);
    put16(seg, 2, h.dst);
    seg.insert(seg.end(), payload_.begin(), payload_.end());
    put16(seg, 4, h.length.value_or(static_cast<std::uint16_t>(seg.size())));
    std::uint16_t sum = referenceChecksum(seg, referencePseudoHeader(src, dst, 17, seg.size()));
    if (sum == 0) sum = 0xFFFF;  // RFC 768: a computed 0 is sent as all ones
    if (h.noChecksum) sum = 0;
    put16(seg, 6, h.checksum.value_or(sum));
    return seg;
  }

  Bytes buildIcmp(const IcmpEcho& h) const {
    Bytes seg(8, 0);
    seg[0] = h.type;
    put16(seg, 4, h.id);
    put16(seg, 6, h.seq);
    seg.insert(seg.end(), payload_.begin(), payload_.end());
    put16(seg, 2, referenceChecksum(seg));
    return seg;
  }

  static Bytes wrapIpv4(const Ipv4& h, std::uint8_t nextProtocol, const Bytes& payload) {
    const std::size_t headerLength = 20 + h.options.size();
    Bytes p(headerLength, 0);
    const std::uint8_t ihl = h.ihl.value_or(static_cast<std::uint8_t>(headerLength / 4));
    p[0] = static_cast<std::uint8_t>((h.version.value_or(4) << 4) | (ihl & 0x0F));
    p[1] = h.tos;
    put16(p, 2, h.totalLength.value_or(static_cast<std::uint16_t>(headerLength + payload.size())));
    put16(p, 4, h.id);
    std::uint16_t flags = h.fragmentOffset & 0x1FFF;
    if (h.df) flags |= 0x4000;
    if (h.mf) flags |= 0x2000;
    put16(p, 6, flags);
    p[8] = h.ttl;
    p[9] = h.protocol.value_or(nextProtocol);
    put32(p, 12, ipFromString(h.src));
    put32(p, 16, ipFromString(h.dst));
    for (std::size_t i = 0; i < h.options.size(); ++i) p[20 + i] = h.options[i];
    put16(p, 10, h.checksum.value_or(referenceChecksum(p)));
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
  }

  std::vector<Ipv4> ipLayers_{};
  std::optional<Tcp> tcp_{};
  std::optional<Udp> udp_{};
  std::optional<IcmpEcho> icmp_{};
  Bytes payload_{};
};

/// Verifies every IPv4 header checksum and the TCP/UDP/ICMP checksum of `packet` (recursing
/// into IP-in-IP) with the reference implementation. Returns "" when all verify, else what failed.
inline std::string checkChecksums(const Bytes& packet) {
  if (packet.size() < 20) return "shorter than an IPv4 header";
  const std::size_t headerLength = static_cast<std::size_t>(packet[0] & 0x0F) * 4;
  const std::size_t totalLength = (static_cast<std::size_t>(packet[2]) << 8) | packet[3];
  if (headerLength < 20 || totalLength > packet.size() || headerLength > totalLength) {
    return "bad IPv4 lengths";
  }
  const Bytes header(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(headerLength));
  if (referenceChecksum(header) != 0) return "IPv4 header checksum";
  const Bytes l4(packet.begin() + static_cast<std::ptrdiff_t>(headerLength),
                 packet.begin() + static_cast<std::ptrdiff_t>(totalLength));
  const std::uint32_t src = (static_cast<std::uint32_t>(packet[12]) << 24) |
                            (static_cast<std::uint32_t>(packet[13]) << 16) |
                            (static_cast<std::uint32_t>(packet[14]) << 8) | packet[15];
  const std::uint32_t dst = (static_cast<std::uint32_t>(packet[16]) << 24) |
                            (static_cast<std::uint32_t>(packet[17]) << 16) |
                            (static_cast<std::uint32_t>(packet[18]) << 8) | packet[19];
  switch (packet[9]) {
    case 4: {
      const std::string inner = checkChecksums(l4);
      return inner.empty() ? "" : "inner " + inner;
    }
    case 6:
      if (l4.size() < 20) return "short TCP";
      return referenceChecksum(l4, referencePseudoHeader(src, dst, 6, l4.size())) == 0
                 ? ""
                 : "TCP checksum";
    case 17:
      if (l4.size() < 8) return "short UDP";
      if (l4[6] == 0 && l4[7] == 0) return "";  // no checksum
      return referenceChecksum(l4, referencePseudoHeader(src, dst, 17, l4.size())) == 0
                 ? ""
                 : "UDP checksum";
    case 1:
      return referenceChecksum(l4) == 0 ? "" : "ICMP checksum";
    default:
      return "";
  }
}

/// Hex dump for failure messages.
inline std::string hex(const Bytes& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out{};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) out += (i % 16 == 0) ? '\n' : ' ';
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0x0F];
  }
  return out;
}

}  // namespace azlb::testing
