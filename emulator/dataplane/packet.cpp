#include "emulator/dataplane/packet.h"

#include "emulator/dataplane/checksum.h"

namespace azlb::dataplane {

void Ipv4Header::encode(std::span<std::uint8_t> out) const {
  out[kOffVersionIhl] = 0x45;
  out[kOffTos] = tos;
  storeBe16(out, kOffTotalLength, totalLength);
  storeBe16(out, kOffId, id);
  storeBe16(out, kOffFlagsFragment, flagsFragment);
  out[kOffTtl] = ttl;
  out[kOffProtocol] = protocol;
  storeBe16(out, kOffChecksum, checksum);
  storeBe32(out, kOffSrc, src.value);
  storeBe32(out, kOffDst, dst.value);
}

Result<PacketView, DropReason> PacketView::parse(std::span<std::uint8_t> bytes) {
  if (bytes.size() < Ipv4Header::kMinSize) return unexpected(DropReason::Truncated);
  const std::uint8_t versionIhl = bytes[Ipv4Header::kOffVersionIhl];
  if ((versionIhl >> 4U) != 4U) return unexpected(DropReason::BadVersion);
  const std::size_t headerLength = static_cast<std::size_t>(versionIhl & 0x0FU) * 4U;
  if (headerLength < Ipv4Header::kMinSize) return unexpected(DropReason::BadIhl);
  const std::size_t totalLength = loadBe16(bytes, Ipv4Header::kOffTotalLength);
  if (totalLength < Ipv4Header::kMinSize || totalLength > bytes.size()) {
    return unexpected(DropReason::BadTotalLength);
  }
  if (headerLength > totalLength) return unexpected(DropReason::BadIhl);
  if (!ipv4HeaderChecksumValid(bytes.first(headerLength))) {
    return unexpected(DropReason::BadChecksum);
  }
  const std::uint16_t flagsFragment = loadBe16(bytes, Ipv4Header::kOffFlagsFragment);
  if ((flagsFragment & Ipv4Header::kFragmentOffsetMask) != 0) {
    return unexpected(DropReason::Fragment);
  }
  const bool firstFragment = (flagsFragment & Ipv4Header::kFlagMoreFragments) != 0;

  const std::span<std::uint8_t> packet = bytes.first(totalLength);
  const std::size_t l4Length = totalLength - headerLength;
  switch (static_cast<IpProtocol>(packet[Ipv4Header::kOffProtocol])) {
    case IpProtocol::Tcp: {
      if (l4Length < TcpHeader::kMinSize) return unexpected(DropReason::Truncated);
      const std::size_t dataOffset =
          static_cast<std::size_t>(packet[headerLength + TcpHeader::kOffDataOffset] >> 4U) * 4U;
      if (dataOffset < TcpHeader::kMinSize) return unexpected(DropReason::BadL4Header);
      if (dataOffset > l4Length && !firstFragment) return unexpected(DropReason::BadL4Header);
      break;
    }
    case IpProtocol::Udp: {
      if (l4Length < UdpHeader::kSize) return unexpected(DropReason::Truncated);
      const std::size_t udpLength = loadBe16(packet, headerLength + UdpHeader::kOffLength);
      if (udpLength < UdpHeader::kSize) return unexpected(DropReason::BadL4Header);
      if (udpLength > l4Length && !firstFragment) return unexpected(DropReason::BadL4Header);
      break;
    }
    case IpProtocol::Icmp:
      if (l4Length < IcmpHeader::kSize) return unexpected(DropReason::Truncated);
      break;
    case IpProtocol::IpInIp:
      break;  // the inner packet is validated by decapsulation
  }
  return PacketView(packet, headerLength);
}

std::size_t PacketView::l4ChecksumOffset() const {
  switch (protocol()) {
    case IpProtocol::Tcp:
      return headerLength_ + TcpHeader::kOffChecksum;
    case IpProtocol::Udp:
      return headerLength_ + UdpHeader::kOffChecksum;
    case IpProtocol::Icmp:
      return headerLength_ + IcmpHeader::kOffChecksum;
    case IpProtocol::IpInIp:
      break;
  }
  return 0;
}

}  // namespace azlb::dataplane
