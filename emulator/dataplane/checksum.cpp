#include "emulator/dataplane/checksum.h"

#include "emulator/dataplane/bytes.h"
#include "emulator/dataplane/packet.h"

namespace azlb::dataplane {

std::uint64_t checksumAdd(std::span<const std::uint8_t> bytes, std::uint64_t sum) {
  std::size_t i = 0;
  // Four bytes per step; a uint64_t accumulator cannot overflow for any IPv4 packet size.
  for (; i + 4 <= bytes.size(); i += 4) {
    sum += loadBe16(bytes, i);
    sum += loadBe16(bytes, i + 2);
  }
  for (; i + 2 <= bytes.size(); i += 2) sum += loadBe16(bytes, i);
  if (i < bytes.size()) sum += static_cast<std::uint64_t>(bytes[i]) << 8U;
  return sum;
}

std::uint16_t internetChecksum(std::span<const std::uint8_t> bytes) {
  return checksumFinish(checksumAdd(bytes));
}

bool ipv4HeaderChecksumValid(std::span<const std::uint8_t> header) {
  return checksumFold(checksumAdd(header)) == 0xFFFFU;
}

void recomputeIpv4Checksum(const PacketView& view) {
  const std::span<std::uint8_t> header = view.ipHeader();
  storeBe16(header, Ipv4Header::kOffChecksum, 0);
  storeBe16(header, Ipv4Header::kOffChecksum, internetChecksum(header));
}

namespace {

std::uint64_t l4Sum(const PacketView& view) {
  const std::span<const std::uint8_t> segment = view.l4();
  std::uint64_t sum = checksumAdd(segment);
  if (view.protocol() != IpProtocol::Icmp) {
    sum += pseudoHeaderSum(view.src(), view.dst(), view.protocolNumber(),
                           static_cast<std::uint16_t>(segment.size()));
  }
  return sum;
}

}  // namespace

void recomputeL4Checksum(const PacketView& view) {
  const std::size_t offset = view.l4ChecksumOffset();
  if (offset == 0) return;
  const std::span<std::uint8_t> bytes = view.bytes();
  const bool udp = view.protocol() == IpProtocol::Udp;
  if (udp && loadBe16(bytes, offset) == 0) return;
  storeBe16(bytes, offset, 0);
  std::uint16_t checksum = checksumFinish(l4Sum(view));
  if (udp && checksum == 0) checksum = 0xFFFF;
  storeBe16(bytes, offset, checksum);
}

bool l4ChecksumValid(const PacketView& view) {
  const std::size_t offset = view.l4ChecksumOffset();
  if (offset == 0) return true;
  if (view.protocol() == IpProtocol::Udp && loadBe16(view.bytes(), offset) == 0) return true;
  return checksumFold(l4Sum(view)) == 0xFFFFU;
}

}  // namespace azlb::dataplane
