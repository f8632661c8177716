#include "emulator/dataplane/encap.h"

#include "emulator/dataplane/bytes.h"
#include "emulator/dataplane/checksum.h"
#include "emulator/dataplane/offload.h"

namespace azlb::dataplane {

std::optional<DropReason> encapsulateIpip(PacketBuf& buf, const EncapParams& params) {
  const std::span<const std::uint8_t> inner = buf.data();
  const std::size_t outerSize = inner.size() + Ipv4Header::kMinSize;
  if (outerSize > 65535 || outerSize > params.maxOuterSize) return DropReason::TooBig;
  if (buf.headroom() < Ipv4Header::kMinSize) return DropReason::NoHeadroom;

  const std::uint16_t innerFlags = loadBe16(inner, Ipv4Header::kOffFlagsFragment);
  Ipv4Header outer;
  outer.tos = inner[Ipv4Header::kOffTos];
  outer.totalLength = static_cast<std::uint16_t>(outerSize);
  outer.id = params.id;
  outer.flagsFragment = static_cast<std::uint16_t>(innerFlags & Ipv4Header::kFlagDontFragment);
  outer.ttl = params.ttl;
  outer.protocol = static_cast<std::uint8_t>(IpProtocol::IpInIp);
  outer.src = params.outerSrc;
  outer.dst = params.outerDst;

  const std::span<std::uint8_t> header = buf.prepend(Ipv4Header::kMinSize);
  outer.encode(header);
  storeBe16(header, Ipv4Header::kOffChecksum, internetChecksum(header));
  // One underlay frame, whatever its size: the kernel cannot segment an IP-in-IP superpacket
  // written from user space (it would need SKB_GSO_IPXIP4, which no virtio-net header carries).
  sendAsOneFrame(buf.offload());
  return std::nullopt;
}

Result<PacketView, DropReason> decapsulateIpip(PacketBuf& buf) {
  const auto outer = PacketView::parse(buf.data());
  if (!outer) return unexpected(outer.error());
  return decapsulateIpip(buf, *outer);
}

Result<PacketView, DropReason> decapsulateIpip(PacketBuf& buf, const PacketView& outer) {
  if (outer.protocol() != IpProtocol::IpInIp) return unexpected(DropReason::NotEncapsulated);
  const std::size_t headerLength = outer.headerLength();
  const std::size_t innerSize = outer.size() - headerLength;
  if (!buf.trimFront(headerLength)) return unexpected(DropReason::BadOffload);
  buf.resize(innerSize);
  return PacketView::parse(buf.data());
}

}  // namespace azlb::dataplane
