// The Internet checksum (RFC 1071): full computation, incremental update when one field changes
// (RFC 1624, eqn. 3), and the TCP/UDP pseudo-header sum. Pure arithmetic over bytes; knows the
// IPv4 header only through PacketView. A UDP checksum of 0 means "none" and is kept 0.
#pragma once

#include <cstdint>
#include <span>

#include "emulator/dataplane/ipv4_address.h"

namespace azlb::dataplane {

class PacketView;

/// Adds `bytes`, read as big-endian 16-bit words (an odd last byte is padded with a zero low
/// byte), to a running one's-complement sum. Not folded, not complemented: chain calls, then
/// checksumFinish().
std::uint64_t checksumAdd(std::span<const std::uint8_t> bytes, std::uint64_t sum = 0);

/// Bitwise NOT of a 16-bit value, without the promotion to int that `~` does.
constexpr std::uint16_t complement16(std::uint16_t value) {
  return static_cast<std::uint16_t>(~value);
}

/// Folds a running sum to 16 bits with end-around carry.
constexpr std::uint16_t checksumFold(std::uint64_t sum) {
  while (sum > 0xFFFFU) sum = (sum & 0xFFFFU) + (sum >> 16U);
  return static_cast<std::uint16_t>(sum);
}

/// The checksum field value for a running sum: ~fold(sum).
constexpr std::uint16_t checksumFinish(std::uint64_t sum) {
  return complement16(checksumFold(sum));
}

/// The Internet checksum of `bytes` (with their checksum field, if any, set to zero).
std::uint16_t internetChecksum(std::span<const std::uint8_t> bytes);

/// RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changes from
/// `oldWord` to `newWord`: HC' = ~(~HC + ~m + m'). Gives the same bits as a full recomputation.
constexpr std::uint16_t checksumReplace16(std::uint16_t checksum, std::uint16_t oldWord,
                                          std::uint16_t newWord) {
  const std::uint64_t sum =
      static_cast<std::uint64_t>(complement16(checksum)) + complement16(oldWord) + newWord;
  return checksumFinish(sum);
}

/// As checksumReplace16 for a 32-bit field (an IPv4 address): two words at once.
constexpr std::uint16_t checksumReplace32(std::uint16_t checksum, std::uint32_t oldValue,
                                          std::uint32_t newValue) {
  const std::uint32_t oldComplement = ~oldValue;
  const std::uint64_t sum = static_cast<std::uint64_t>(complement16(checksum)) +
                            (oldComplement >> 16U) + (oldComplement & 0xFFFFU) + (newValue >> 16U) +
                            (newValue & 0xFFFFU);
  return checksumFinish(sum);
}

/// The TCP/UDP pseudo-header (src, dst, zero, protocol, L4 length) as a running sum.
constexpr std::uint64_t pseudoHeaderSum(Ipv4Address src, Ipv4Address dst, std::uint8_t protocol,
                                        std::uint16_t l4Length) {
  return static_cast<std::uint64_t>(src.value >> 16U) + (src.value & 0xFFFFU) + (dst.value >> 16U) +
         (dst.value & 0xFFFFU) + protocol + l4Length;
}

/// True when an IPv4 header (IHL*4 bytes, checksum field included) sums to 0xFFFF.
bool ipv4HeaderChecksumValid(std::span<const std::uint8_t> header);

/// Recomputes the IPv4 header checksum of `view` in place (after building or editing a header).
void recomputeIpv4Checksum(const PacketView& view);

/// Recomputes the TCP, UDP or ICMP checksum of `view` in place over the whole payload. A UDP
/// checksum that is 0 (none) stays 0; a computed UDP value of 0 is sent as 0xFFFF (RFC 768).
/// Not for fragments: the payload of one fragment is not the whole segment. No-op for other
/// protocols.
void recomputeL4Checksum(const PacketView& view);

/// True when the TCP/UDP/ICMP checksum of `view` verifies (a UDP checksum of 0 verifies).
/// For tests and diagnostics; the forwarders do not verify L4 checksums.
bool l4ChecksumValid(const PacketView& view);

}  // namespace azlb::dataplane
