#include "emulator/dataplane/tcp_reset.h"

#include <array>

#include "emulator/dataplane/bytes.h"
#include "emulator/dataplane/checksum.h"
#include "emulator/dataplane/packet.h"

namespace azlb::dataplane {

bool buildTcpReset(PacketBuf& buf, TcpEndpoint from, TcpEndpoint to, std::uint32_t seq) {
  constexpr std::size_t kIp = 20;
  constexpr std::size_t kTcp = 20;
  std::array<std::uint8_t, kIp + kTcp> bytes{};
  const std::span<std::uint8_t> b(bytes);
  b[Ipv4Header::kOffVersionIhl] = 0x45;
  storeBe16(b, Ipv4Header::kOffTotalLength, static_cast<std::uint16_t>(kIp + kTcp));
  storeBe16(b, Ipv4Header::kOffFlagsFragment, Ipv4Header::kFlagDontFragment);
  b[Ipv4Header::kOffTtl] = 64;
  b[Ipv4Header::kOffProtocol] = static_cast<std::uint8_t>(IpProtocol::Tcp);
  storeBe32(b, Ipv4Header::kOffSrc, from.ip.value);
  storeBe32(b, Ipv4Header::kOffDst, to.ip.value);
  storeBe16(b, kIp + TcpHeader::kOffSrcPort, from.port);
  storeBe16(b, kIp + TcpHeader::kOffDstPort, to.port);
  storeBe32(b, kIp + TcpHeader::kOffSeq, seq);
  b[kIp + TcpHeader::kOffDataOffset] = 5U << 4U;
  b[kIp + TcpHeader::kOffFlags] = TcpHeader::kRst;
  storeBe16(b, Ipv4Header::kOffChecksum, internetChecksum(b.first(kIp)));  // parse() checks it
  if (!buf.assign(bytes)) {
    buf.reset();
    return false;
  }
  auto view = PacketView::parse(buf.data());
  if (!view) {
    buf.reset();
    return false;
  }
  recomputeL4Checksum(*view);
  return true;
}

}  // namespace azlb::dataplane
