#include "emulator/dataplane/offload.h"

#include <algorithm>

namespace azlb::dataplane {

bool offloadConsistent(const Offload& offload, const PacketView& view) {
  if (offload.needsCsum) {
    const IpProtocol protocol = view.protocol();
    if (protocol != IpProtocol::Tcp && protocol != IpProtocol::Udp) return false;
    if (offload.csumStart != view.headerLength()) return false;
    if (std::size_t{offload.csumStart} + offload.csumOffset != view.l4ChecksumOffset()) return false;
  }
  if (offload.isGso()) {
    if (offload.gso != Offload::Gso::TcpV4 || !offload.needsCsum) return false;
    if (view.protocol() != IpProtocol::Tcp || offload.gsoSize == 0) return false;
  }
  return true;
}

std::optional<DropReason> fitToLink(PacketBuf& buf, const PacketView& view, std::size_t mtu) {
  Offload& offload = buf.offload();
  if (!offloadConsistent(offload, view)) return DropReason::BadOffload;
  if (view.size() <= mtu) {
    sendAsOneFrame(offload);
    return std::nullopt;
  }
  if (view.protocol() != IpProtocol::Tcp || !offload.needsCsum) return DropReason::TooBig;
  const std::span<const std::uint8_t> l4 = view.l4();
  const std::size_t tcpHeader = std::size_t{static_cast<std::uint8_t>(l4[TcpHeader::kOffDataOffset] >> 4U)} * 4;
  const std::size_t headers = view.headerLength() + tcpHeader;
  if (mtu <= headers) return DropReason::TooBig;
  std::size_t segment = mtu - headers;
  if (offload.isGso()) segment = std::min<std::size_t>(segment, offload.gsoSize);
  offload.gso = Offload::Gso::TcpV4;
  offload.gsoSize = static_cast<std::uint16_t>(segment);
  offload.hdrLen = static_cast<std::uint16_t>(headers);
  offload.ecn = (view.tcpFlags() & TcpHeader::kCwr) != 0;
  return std::nullopt;
}

}  // namespace azlb::dataplane
