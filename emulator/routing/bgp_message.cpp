#include "emulator/routing/bgp_message.h"

#include <cerrno>

#include "emulator/dataplane/bytes.h"

namespace azlb::routing {

namespace {

using dataplane::loadBe16;
using dataplane::loadBe32;

constexpr std::uint8_t kAttrTransitive = 0x40;
constexpr std::uint8_t kAttrExtendedLength = 0x10;
constexpr std::uint8_t kOrigin = 1, kAsPath = 2, kNextHop = 3;
constexpr std::uint8_t kAsSequence = 2;
constexpr std::uint8_t kCapMultiprotocol = 1, kCapFourOctetAs = 65;
constexpr std::uint8_t kOptCapabilities = 2;

void put16(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>((v >> 8U) & 0xFFU));
  out.push_back(static_cast<std::uint8_t>(v & 0xFFU));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, v >> 16U);
  put16(out, v & 0xFFFFU);
}

/// Header (marker, length, type) + body.
std::vector<std::uint8_t> frame(BgpType type, const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> out(16, 0xFF);
  put16(out, static_cast<std::uint32_t>(kBgpHeaderSize + body.size()));
  out.push_back(static_cast<std::uint8_t>(type));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Unexpected<Error> malformed(const std::string& what) {
  return fail("malformed BGP message: " + what, EPROTO);
}

void putHostRoute(std::vector<std::uint8_t>& out, Ipv4Address a) {
  out.push_back(32);
  put32(out, a.value);
}

std::vector<std::uint8_t> pathAttributes(std::uint32_t localAs, bool fourOctetAs,
                                         Ipv4Address nextHop) {
  std::vector<std::uint8_t> a{kAttrTransitive, kOrigin, 1, 0};  // ORIGIN IGP
  a.insert(a.end(), {kAttrTransitive, kAsPath, static_cast<std::uint8_t>(fourOctetAs ? 6 : 4),
                     kAsSequence, 1});
  if (fourOctetAs)
    put32(a, localAs);
  else
    put16(a, localAs > 0xFFFFU ? kAsTrans : localAs);
  a.insert(a.end(), {kAttrTransitive, kNextHop, 4});
  put32(a, nextHop.value);
  return a;
}

/// Prefixes of a withdrawn-routes or NLRI field; only /32s are accepted.
Result<std::vector<Ipv4Address>> hostRoutes(std::span<const std::uint8_t> field) {
  std::vector<Ipv4Address> out;
  for (std::size_t i = 0; i < field.size();) {
    const unsigned len = field[i];
    const std::size_t bytes = (len + 7) / 8;
    if (len > 32 || i + 1 + bytes > field.size()) return malformed("prefix overruns its field");
    if (len != 32) return malformed("prefix length " + std::to_string(len) + " (azlb: /32 only)");
    out.push_back(Ipv4Address{loadBe32(field, i + 1)});
    i += 1 + bytes;
  }
  return out;
}

Result<void> readAttribute(BgpUpdate& u, std::uint8_t type, std::span<const std::uint8_t> v,
                           bool fourOctetAs) {
  if (type == kNextHop) {
    if (v.size() != 4) return malformed("NEXT_HOP length");
    u.nextHop = Ipv4Address{loadBe32(v, 0)};
  } else if (type == kAsPath) {
    const std::size_t w = fourOctetAs ? 4 : 2;
    for (std::size_t i = 0; i < v.size();) {
      if (i + 2 > v.size() || i + 2 + v[i + 1] * w > v.size()) return malformed("AS_PATH");
      for (std::size_t k = 0; k < v[i + 1]; ++k)
        u.asPath.push_back(w == 4 ? loadBe32(v, i + 2 + k * w) : loadBe16(v, i + 2 + k * w));
      i += 2 + v[i + 1] * w;
    }
  }
  return {};
}

}  // namespace

std::vector<std::uint8_t> encodeOpen(const BgpOpen& open) {
  std::vector<std::uint8_t> caps{kCapMultiprotocol, 4, 0, 1, 0, 1};  // AFI 1 (IPv4), SAFI 1
  if (open.fourOctetAs) {
    caps.insert(caps.end(), {kCapFourOctetAs, 4});
    put32(caps, open.as);
  }
  std::vector<std::uint8_t> b{open.version};
  put16(b, open.as > 0xFFFFU ? kAsTrans : open.as);
  put16(b, open.holdTime);
  put32(b, open.routerId.value);
  b.push_back(static_cast<std::uint8_t>(caps.size() + 2));
  b.push_back(kOptCapabilities);
  b.push_back(static_cast<std::uint8_t>(caps.size()));
  b.insert(b.end(), caps.begin(), caps.end());
  return frame(BgpType::Open, b);
}

std::vector<std::uint8_t> encodeKeepalive() {
  return frame(BgpType::Keepalive, {});
}

std::vector<std::uint8_t> encodeNotification(BgpNotification n) {
  return frame(BgpType::Notification, {n.code, n.subcode});
}

std::vector<std::vector<std::uint8_t>> encodeUpdates(const std::vector<Ipv4Address>& withdrawn,
                                                     const std::vector<Ipv4Address>& announced,
                                                     std::uint32_t localAs, bool fourOctetAs,
                                                     Ipv4Address nextHop) {
  // Header 19 + two length fields 4 + attributes (< 32): 5 bytes per /32 leaves room for 800.
  constexpr std::size_t kPerMessage = 800;
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t i = 0; i < withdrawn.size(); i += kPerMessage) {
    std::vector<std::uint8_t> w;
    for (std::size_t k = i; k < withdrawn.size() && k < i + kPerMessage; ++k)
      putHostRoute(w, withdrawn[k]);
    std::vector<std::uint8_t> b;
    put16(b, static_cast<std::uint32_t>(w.size()));
    b.insert(b.end(), w.begin(), w.end());
    put16(b, 0);
    out.push_back(frame(BgpType::Update, b));
  }
  const auto attrs = pathAttributes(localAs, fourOctetAs, nextHop);
  for (std::size_t i = 0; i < announced.size(); i += kPerMessage) {
    std::vector<std::uint8_t> b;
    put16(b, 0);
    put16(b, static_cast<std::uint32_t>(attrs.size()));
    b.insert(b.end(), attrs.begin(), attrs.end());
    for (std::size_t k = i; k < announced.size() && k < i + kPerMessage; ++k)
      putHostRoute(b, announced[k]);
    out.push_back(frame(BgpType::Update, b));
  }
  return out;
}

Result<std::optional<BgpFrame>> splitFrame(std::span<const std::uint8_t> stream) {
  if (stream.size() < kBgpHeaderSize) return std::optional<BgpFrame>{};
  for (std::size_t i = 0; i < 16; ++i)
    if (stream[i] != 0xFF) return malformed("marker is not all ones");
  const std::size_t len = loadBe16(stream, 16);
  if (len < kBgpHeaderSize || len > kBgpMaxMessage)
    return malformed("length " + std::to_string(len));
  const std::uint8_t type = stream[18];
  if (type < 1 || type > 4) return malformed("type " + std::to_string(type));
  if (stream.size() < len) return std::optional<BgpFrame>{};
  return std::optional<BgpFrame>{BgpFrame{
      static_cast<BgpType>(type), stream.subspan(kBgpHeaderSize, len - kBgpHeaderSize), len}};
}

Result<BgpOpen> decodeOpen(std::span<const std::uint8_t> body) {
  if (body.size() < 10 || body.size() != 10U + body[9]) return malformed("OPEN length");
  BgpOpen o;
  o.version = body[0];
  o.as = loadBe16(body, 1);
  o.holdTime = loadBe16(body, 3);
  o.routerId = Ipv4Address{loadBe32(body, 5)};
  bool anyMultiprotocol = false;
  for (std::size_t i = 10; i < body.size();) {
    if (i + 2 > body.size() || i + 2 + body[i + 1] > body.size())
      return malformed("OPEN parameter");
    if (body[i] == kOptCapabilities) {
      const auto caps = body.subspan(i + 2, body[i + 1]);
      for (std::size_t c = 0; c < caps.size();) {
        if (c + 2 > caps.size() || c + 2 + caps[c + 1] > caps.size())
          return malformed("capability");
        const auto v = caps.subspan(c + 2, caps[c + 1]);
        if (caps[c] == kCapFourOctetAs && v.size() == 4) {
          o.fourOctetAs = true;
          o.as = loadBe32(v, 0);
        } else if (caps[c] == kCapMultiprotocol && v.size() == 4) {
          anyMultiprotocol = true;
          o.ipv4Unicast = o.ipv4Unicast || (loadBe16(v, 0) == 1 && v[3] == 1);
        }
        c += 2 + caps[c + 1];
      }
    }
    i += 2 + body[i + 1];
  }
  if (!anyMultiprotocol) o.ipv4Unicast = true;  // RFC 4760: no capability means IPv4 unicast
  return o;
}

Result<BgpUpdate> decodeUpdate(std::span<const std::uint8_t> body, bool fourOctetAs) {
  if (body.size() < 4) return malformed("UPDATE length");
  const std::size_t wlen = loadBe16(body, 0);
  if (2 + wlen + 2 > body.size()) return malformed("withdrawn routes length");
  const std::size_t alen = loadBe16(body, 2 + wlen);
  if (4 + wlen + alen > body.size()) return malformed("path attribute length");
  BgpUpdate u;
  auto withdrawn = hostRoutes(body.subspan(2, wlen));
  if (!withdrawn) return unexpected(withdrawn.error());
  u.withdrawn = std::move(*withdrawn);
  const auto attrs = body.subspan(4 + wlen, alen);
  for (std::size_t i = 0; i < attrs.size();) {
    if (i + 3 > attrs.size()) return malformed("path attribute header");
    const bool extended = (attrs[i] & kAttrExtendedLength) != 0;
    const std::size_t hdr = extended ? 4 : 3;
    if (i + hdr > attrs.size()) return malformed("path attribute header");
    const std::size_t len = extended ? loadBe16(attrs, i + 2) : attrs[i + 2];
    if (i + hdr + len > attrs.size()) return malformed("path attribute overruns");
    if (auto ok = readAttribute(u, attrs[i + 1], attrs.subspan(i + hdr, len), fourOctetAs); !ok)
      return unexpected(ok.error());
    i += hdr + len;
  }
  auto announced = hostRoutes(body.subspan(4 + wlen + alen));
  if (!announced) return unexpected(announced.error());
  u.announced = std::move(*announced);
  if (!u.announced.empty() && !u.nextHop) return malformed("routes without NEXT_HOP");
  return u;
}

Result<BgpNotification> decodeNotification(std::span<const std::uint8_t> body) {
  if (body.size() < 2) return malformed("NOTIFICATION length");
  return BgpNotification{body[0], body[1]};
}

std::string describe(BgpNotification n) {
  if (n.code == kCease && n.subcode == kCeaseAdministrativeShutdown)
    return "Cease / administrative shutdown";
  if (n.code == kCease) return "Cease (subcode " + std::to_string(n.subcode) + ")";
  if (n.code == kHoldTimerExpired) return "hold timer expired";
  if (n.code == kOpenMessageError && n.subcode == kBadPeerAs) return "OPEN: bad peer AS";
  return "code " + std::to_string(n.code) + " subcode " + std::to_string(n.subcode);
}

}  // namespace azlb::routing
