#include "emulator/dataplane/fastpath.h"

#include <array>

#include "emulator/dataplane/bytes.h"
#include "emulator/dataplane/checksum.h"

namespace azlb::dataplane {

namespace {

constexpr std::size_t kIp = 20;
constexpr std::array<std::uint8_t, 4> kMagic{'A', 'Z', 'F', 'P'};
constexpr std::uint8_t kVersion = 1;
// magic 4, version 1, src 4, dst 4, src port 2, dst port 2, protocol 1, peer 4
constexpr std::size_t kPayload = 22;

}  // namespace

bool buildRedirect(PacketBuf& buf, Ipv4Address from, Ipv4Address to, const Redirect& r) {
  std::array<std::uint8_t, kIp + kPayload> bytes{};
  const std::span<std::uint8_t> b(bytes);
  b[Ipv4Header::kOffVersionIhl] = 0x45;
  storeBe16(b, Ipv4Header::kOffTotalLength, static_cast<std::uint16_t>(bytes.size()));
  storeBe16(b, Ipv4Header::kOffFlagsFragment, Ipv4Header::kFlagDontFragment);
  b[Ipv4Header::kOffTtl] = 64;
  b[Ipv4Header::kOffProtocol] = kFastpathProtocol;
  storeBe32(b, Ipv4Header::kOffSrc, from.value);
  storeBe32(b, Ipv4Header::kOffDst, to.value);
  for (std::size_t i = 0; i < kMagic.size(); ++i) b[kIp + i] = kMagic[i];
  b[kIp + 4] = kVersion;
  storeBe32(b, kIp + 5, r.flow.srcIp.value);
  storeBe32(b, kIp + 9, r.flow.dstIp.value);
  storeBe16(b, kIp + 13, r.flow.srcPort);
  storeBe16(b, kIp + 15, r.flow.dstPort);
  b[kIp + 17] = r.flow.protocol;
  storeBe32(b, kIp + 18, r.peer.value);
  storeBe16(b, Ipv4Header::kOffChecksum, internetChecksum(b.first(kIp)));
  return buf.assign(bytes);
}

std::optional<Redirect> parseRedirect(const PacketView& view) {
  if (view.protocolNumber() != kFastpathProtocol) return std::nullopt;
  const auto p = view.l4();
  if (p.size() < kPayload || p[4] != kVersion) return std::nullopt;
  for (std::size_t i = 0; i < kMagic.size(); ++i)
    if (p[i] != kMagic[i]) return std::nullopt;
  Redirect r;
  r.flow = FlowKey{Ipv4Address{loadBe32(p, 5)}, Ipv4Address{loadBe32(p, 9)}, loadBe16(p, 13), loadBe16(p, 15), p[17]};
  r.peer = Ipv4Address{loadBe32(p, 18)};
  return r;
}

}  // namespace azlb::dataplane
