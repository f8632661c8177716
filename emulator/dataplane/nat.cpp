#include "emulator/dataplane/nat.h"

#include "emulator/dataplane/bytes.h"
#include "emulator/dataplane/checksum.h"

namespace azlb::dataplane {

namespace {

// Rewrites the address at `addressOffset` (in the IPv4 header) and the port at `portOffset`
// (from the start of the L4 header).
void rewrite(const PacketView& view, std::size_t addressOffset, std::size_t portOffset,
             Ipv4Address ip, std::uint16_t port, bool l4Partial) {
  const std::span<std::uint8_t> bytes = view.bytes();
  const IpProtocol protocol = view.protocol();
  const std::size_t l4ChecksumOffset = view.l4ChecksumOffset();
  // TCP and UDP checksums cover the pseudo-header (addresses) and the ports; ICMP covers neither.
  bool updateL4 = protocol == IpProtocol::Tcp || protocol == IpProtocol::Udp;
  if (!l4Partial && protocol == IpProtocol::Udp && loadBe16(bytes, l4ChecksumOffset) == 0) {
    updateL4 = false;
  }
  std::uint16_t l4Checksum = updateL4 ? loadBe16(bytes, l4ChecksumOffset) : 0;

  const std::uint32_t oldAddress = loadBe32(bytes, addressOffset);
  if (oldAddress != ip.value) {
    storeBe32(bytes, addressOffset, ip.value);
    const std::uint16_t ipChecksum = loadBe16(bytes, Ipv4Header::kOffChecksum);
    storeBe16(bytes, Ipv4Header::kOffChecksum, checksumReplace32(ipChecksum, oldAddress, ip.value));
    if (updateL4) {
      // A partial field holds S = the pseudo-header sum, not its complement: S' = S - old + new,
      // which is RFC 1624 applied to ~S, complemented back.
      l4Checksum = l4Partial ? complement16(checksumReplace32(complement16(l4Checksum), oldAddress,
                                                              ip.value))
                             : checksumReplace32(l4Checksum, oldAddress, ip.value);
    }
  }
  if (view.hasPorts()) {
    const std::size_t offset = view.headerLength() + portOffset;
    const std::uint16_t oldPort = loadBe16(bytes, offset);
    if (oldPort != port) {
      storeBe16(bytes, offset, port);
      if (updateL4 && !l4Partial) l4Checksum = checksumReplace16(l4Checksum, oldPort, port);
    }
  }
  if (updateL4) {
    // In UDP, 0 means "no checksum"; 0xFFFF is the same one's-complement value (RFC 768).
    if (!l4Partial && protocol == IpProtocol::Udp && l4Checksum == 0) l4Checksum = 0xFFFF;
    storeBe16(bytes, l4ChecksumOffset, l4Checksum);
  }
}

}  // namespace

void rewriteDestination(const PacketView& view, Ipv4Address ip, std::uint16_t port,
                        bool l4Partial) {
  rewrite(view, Ipv4Header::kOffDst, TcpHeader::kOffDstPort, ip, port, l4Partial);
}

void rewriteSource(const PacketView& view, Ipv4Address ip, std::uint16_t port, bool l4Partial) {
  rewrite(view, Ipv4Header::kOffSrc, TcpHeader::kOffSrcPort, ip, port, l4Partial);
}

}  // namespace azlb::dataplane
