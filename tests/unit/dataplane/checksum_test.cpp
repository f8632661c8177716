#include "emulator/dataplane/checksum.h"

#include <catch2/catch.hpp>
#include <random>

#include "emulator/dataplane/packet.h"
#include "tests/unit/dataplane/packet_builder.h"

using namespace azlb::dataplane;
using namespace azlb::testing;

namespace {

Bytes randomBytes(std::mt19937& rng, std::size_t n) {
  std::uniform_int_distribution<int> byte(0, 255);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(byte(rng));
  return out;
}

}  // namespace

TEST_CASE("internet checksum matches the RFC 1071 example", "[dataplane][checksum]") {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded), checksum 220d.
  const Bytes data = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  CHECK(checksumFold(checksumAdd(data)) == 0xddf2);
  CHECK(internetChecksum(data) == 0x220d);
}

TEST_CASE("internet checksum agrees with the reference on random data of every parity",
          "[dataplane][checksum]") {
  std::mt19937 rng(1071);
  for (std::size_t n = 0; n < 200; ++n) {
    const Bytes data = randomBytes(rng, n);
    INFO("length " << n);
    CHECK(internetChecksum(data) == referenceChecksum(data));
  }
}

TEST_CASE("incremental updates (RFC 1624) equal a full recomputation", "[dataplane][checksum]") {
  std::mt19937 rng(1624);
  for (int round = 0; round < 2000; ++round) {
    Bytes data = randomBytes(rng, 40);
    const std::uint16_t before = referenceChecksum(data);
    const std::size_t at = static_cast<std::size_t>(rng() % 9) * 4;  // a 32-bit aligned field
    const std::uint32_t oldValue = (std::uint32_t{data[at]} << 24) |
                                   (std::uint32_t{data[at + 1]} << 16) |
                                   (std::uint32_t{data[at + 2]} << 8) | data[at + 3];
    const std::uint32_t newValue = round % 7 == 0 ? oldValue : static_cast<std::uint32_t>(rng());
    data[at] = static_cast<std::uint8_t>(newValue >> 24);
    data[at + 1] = static_cast<std::uint8_t>(newValue >> 16);
    data[at + 2] = static_cast<std::uint8_t>(newValue >> 8);
    data[at + 3] = static_cast<std::uint8_t>(newValue);
    INFO("round " << round);
    const std::uint16_t afterAddress = checksumReplace32(before, oldValue, newValue);
    CHECK(afterAddress == referenceChecksum(data));
    // Then a 16-bit field (a port) in the same data.
    const std::uint16_t oldLow = static_cast<std::uint16_t>(newValue & 0xFFFF);
    const std::uint16_t newLow = static_cast<std::uint16_t>(rng());
    data[at + 2] = static_cast<std::uint8_t>(newLow >> 8);
    data[at + 3] = static_cast<std::uint8_t>(newLow);
    CHECK(checksumReplace16(afterAddress, oldLow, newLow) == referenceChecksum(data));
  }
}

TEST_CASE("pseudo-header sum matches the reference", "[dataplane][checksum]") {
  const auto src = Ipv4Address::fromOctets(198, 19, 0, 7);
  const auto dst = Ipv4Address::fromOctets(198, 18, 0, 10);
  CHECK(pseudoHeaderSum(src, dst, 6, 40) == referencePseudoHeader(src.value, dst.value, 6, 40));
}

TEST_CASE("full recomputation of ip and l4 checksums matches the reference builder",
          "[dataplane][checksum]") {
  Bytes tcp = PacketBuilder()
                  .ipv4({.src = "198.19.0.7", .dst = "198.18.0.10", .id = 5})
                  .tcp({.src = 1234, .dst = 80})
                  .payload("hello, odd length")
                  .build();
  const Bytes expected = tcp;
  // Scribble over both checksums, then recompute.
  tcp[10] = tcp[11] = 0xAA;
  tcp[20 + 16] = tcp[20 + 17] = 0x55;
  auto view = PacketView::parse(tcp);
  REQUIRE_FALSE(view);  // the header checksum is now wrong
  tcp[10] = expected[10];
  tcp[11] = expected[11];
  view = PacketView::parse(tcp);
  REQUIRE(view);
  CHECK_FALSE(l4ChecksumValid(*view));
  recomputeL4Checksum(*view);
  recomputeIpv4Checksum(*view);
  CHECK(tcp == expected);
  CHECK(l4ChecksumValid(*view));
  CHECK(ipv4HeaderChecksumValid(view->ipHeader()));
}

TEST_CASE("a udp checksum of zero means none and stays zero on recomputation",
          "[dataplane][checksum]") {
  Bytes udp = PacketBuilder()
                  .ipv4({.src = "198.19.0.7", .dst = "198.18.0.10"})
                  .udp({.src = 5000, .dst = 53, .noChecksum = true})
                  .payload("x")
                  .build();
  auto view = PacketView::parse(udp);
  REQUIRE(view);
  CHECK(l4ChecksumValid(*view));
  recomputeL4Checksum(*view);
  CHECK(udp[26] == 0);
  CHECK(udp[27] == 0);
}

TEST_CASE("a udp checksum that computes to zero is sent as 0xffff", "[dataplane][checksum]") {
  // Choose the last payload word so that the segment's sum is 0xffff: the checksum computes to 0.
  const Ipv4 header{.src = "198.19.0.7", .dst = "198.18.0.10"};
  const Bytes probe =
      PacketBuilder().ipv4(header).udp({.src = 5000, .dst = 53}).payload(Bytes{0, 0}).build();
  const std::uint16_t withZeroWord =
      static_cast<std::uint16_t>((std::uint16_t{probe[26]} << 8) | probe[27]);
  Bytes udp = PacketBuilder()
                  .ipv4(header)
                  .udp({.src = 5000, .dst = 53})
                  .payload(Bytes{static_cast<std::uint8_t>(withZeroWord >> 8),
                                 static_cast<std::uint8_t>(withZeroWord)})
                  .build();
  CHECK(udp[26] == 0xFF);  // the reference builder already says 0xffff
  CHECK(udp[27] == 0xFF);
  udp[26] = 0x12;  // anything non-zero, then recompute
  auto view = PacketView::parse(udp);
  REQUIRE(view);
  recomputeL4Checksum(*view);
  CHECK(udp[26] == 0xFF);
  CHECK(udp[27] == 0xFF);
  CHECK(l4ChecksumValid(*view));
}
