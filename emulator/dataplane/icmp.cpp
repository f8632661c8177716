#include "emulator/dataplane/icmp.h"

#include <algorithm>

#include "emulator/dataplane/checksum.h"

namespace azlb::dataplane {

namespace {

constexpr std::uint8_t kDefaultTtl = 64;
constexpr std::size_t kQuotedPayload = 8;

}  // namespace

bool isEchoRequest(const PacketView& view) {
  return view.protocol() == IpProtocol::Icmp &&
         view.l4()[IcmpHeader::kOffType] == kIcmpEchoRequest &&
         view.l4()[IcmpHeader::kOffCode] == 0;
}

void makeEchoReply(PacketBuf& packet, const PacketView& view) {
  const Ipv4Address src = view.src(), dst = view.dst();
  auto bytes = view.bytes();
  storeBe32(bytes, Ipv4Header::kOffSrc, dst.value);
  storeBe32(bytes, Ipv4Header::kOffDst, src.value);
  bytes[Ipv4Header::kOffTtl] = kDefaultTtl;
  auto icmp = view.l4();
  const std::uint16_t oldWord = loadBe16(icmp, IcmpHeader::kOffType);
  icmp[IcmpHeader::kOffType] = kIcmpEchoReply;
  storeBe16(icmp, IcmpHeader::kOffChecksum,
            checksumReplace16(loadBe16(icmp, IcmpHeader::kOffChecksum), oldWord,
                              loadBe16(icmp, IcmpHeader::kOffType)));
  recomputeIpv4Checksum(view);
  packet.offload() = Offload{};
}

bool makeHostUnreachable(PacketBuf& packet, const PacketView& view, Ipv4Address from) {
  const std::size_t quoted = std::min(view.size(), view.headerLength() + kQuotedPayload);
  const std::size_t total = Ipv4Header::kMinSize + IcmpHeader::kSize + quoted;
  if (total > packet.size() + packet.tailroom()) return false;
  const Ipv4Address to = view.src();
  const std::uint8_t tos = view.tos();
  packet.resize(total);
  auto out = packet.data();
  // The quote moves 28 bytes back (memmove semantics: the ranges overlap).
  std::copy_backward(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(quoted),
                     out.begin() + static_cast<std::ptrdiff_t>(total));
  Ipv4Header h;
  h.tos = tos;
  h.totalLength = static_cast<std::uint16_t>(total);
  h.ttl = kDefaultTtl;
  h.protocol = static_cast<std::uint8_t>(IpProtocol::Icmp);
  h.src = from;
  h.dst = to;
  h.encode(out);
  auto icmp = out.subspan(Ipv4Header::kMinSize);
  std::fill(icmp.begin(), icmp.begin() + IcmpHeader::kSize, std::uint8_t{0});
  icmp[IcmpHeader::kOffType] = kIcmpUnreachable;
  icmp[IcmpHeader::kOffCode] = kIcmpHostUnreachable;
  storeBe16(icmp, IcmpHeader::kOffChecksum, checksumFinish(checksumAdd(icmp)));
  storeBe16(out, Ipv4Header::kOffChecksum,
            checksumFinish(checksumAdd(out.first(Ipv4Header::kMinSize))));
  packet.offload() = Offload{};
  return true;
}

}  // namespace azlb::dataplane
