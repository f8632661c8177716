#include "emulator/dataplane/nat.h"

#include <catch2/catch.hpp>

#include "emulator/dataplane/checksum.h"
#include "tests/unit/dataplane/packet_builder.h"

using namespace azlb::dataplane;
using namespace azlb::testing;

namespace {

Ipv4Address addr(const std::string& text) { return Ipv4Address{ipFromString(text)}; }

enum class Direction { Destination, Source };

struct NatCase {
  std::string name;
  Bytes input;
  Direction direction;
  std::string ip;
  std::uint16_t port;
  Bytes expected;  // built from scratch by the reference builder
};

}  // namespace

TEST_CASE("nat rewrites addresses and ports with incremental checksums (golden)",
          "[dataplane][nat]") {
  const Ipv4 toFrontend{.src = "198.19.0.7", .dst = "198.18.0.10", .ttl = 61, .id = 77};
  Ipv4 toBackend = toFrontend;
  toBackend.dst = "10.0.0.4";
  const Ipv4 fromBackend{.src = "10.0.0.4", .dst = "198.19.0.7", .id = 9};
  Ipv4 fromFrontend = fromBackend;
  fromFrontend.src = "198.18.0.10";
  Ipv4 firstFragment = toFrontend;
  firstFragment.df = false;
  firstFragment.mf = true;
  Ipv4 firstFragmentToBackend = firstFragment;
  firstFragmentToBackend.dst = "10.0.0.4";
  using namespace tcpflags;

  const std::vector<NatCase> cases = {
      {"tcp destination frontend:80 becomes backend:8080",
       PacketBuilder()
           .ipv4(toFrontend)
           .tcp({.src = 40000, .dst = 80, .flags = kSyn})
           .payload("x")
           .build(),
       Direction::Destination, "10.0.0.4", 8080,
       PacketBuilder()
           .ipv4(toBackend)
           .tcp({.src = 40000, .dst = 8080, .flags = kSyn})
           .payload("x")
           .build()},
      {"tcp source backend:8080 becomes frontend:80",
       PacketBuilder()
           .ipv4(fromBackend)
           .tcp({.src = 8080, .dst = 40000, .flags = kSyn | kAck})
           .build(),
       Direction::Source, "198.18.0.10", 80,
       PacketBuilder()
           .ipv4(fromFrontend)
           .tcp({.src = 80, .dst = 40000, .flags = kSyn | kAck})
           .build()},
      {"udp destination is rewritten and its checksum updated",
       PacketBuilder().ipv4(toFrontend).udp({.src = 40001, .dst = 53}).payload("query").build(),
       Direction::Destination, "10.0.0.4", 5353,
       PacketBuilder().ipv4(toBackend).udp({.src = 40001, .dst = 5353}).payload("query").build()},
      {"udp source is rewritten and its checksum updated",
       PacketBuilder().ipv4(fromBackend).udp({.src = 5353, .dst = 40001}).payload("answer").build(),
       Direction::Source, "198.18.0.10", 53,
       PacketBuilder().ipv4(fromFrontend).udp({.src = 53, .dst = 40001}).payload("answer").build()},
      {"udp without checksum keeps a zero checksum",
       PacketBuilder().ipv4(toFrontend).udp({.src = 40001, .dst = 53, .noChecksum = true}).build(),
       Direction::Destination, "10.0.0.4", 5353,
       PacketBuilder()
           .ipv4(toBackend)
           .udp({.src = 40001, .dst = 5353, .noChecksum = true})
           .build()},
      {"same port only changes the address",
       PacketBuilder().ipv4(toFrontend).tcp({.src = 40000, .dst = 443}).build(),
       Direction::Destination, "10.0.0.4", 443,
       PacketBuilder().ipv4(toBackend).tcp({.src = 40000, .dst = 443}).build()},
      {"icmp only changes the address and the ip header checksum",
       PacketBuilder().ipv4(toFrontend).icmpEcho({}).payload("ping").build(),
       Direction::Destination, "10.0.0.4", 9999,
       PacketBuilder().ipv4(toBackend).icmpEcho({}).payload("ping").build()},
  };

  for (const NatCase& c : cases) {
    INFO(c.name);
    Bytes packet = c.input;
    const auto view = PacketView::parse(packet);
    REQUIRE(view);
    if (c.direction == Direction::Destination) {
      rewriteDestination(*view, addr(c.ip), c.port);
    } else {
      rewriteSource(*view, addr(c.ip), c.port);
    }
    CHECK(hex(packet) == hex(c.expected));
    CHECK(checkChecksums(packet) == "");
  }
}

TEST_CASE("nat of a first fragment updates the l4 checksum incrementally", "[dataplane][nat]") {
  // A fragment carries only part of the segment, so only an incremental update can be right:
  // check it against the checksum the whole datagram would have.
  const Ipv4 whole{.src = "198.19.0.7", .dst = "198.18.0.10", .id = 5};
  const Bytes payload(64, 0x5a);
  const Bytes full =
      PacketBuilder().ipv4(whole).udp({.src = 1000, .dst = 53}).payload(payload).build();
  Ipv4 rewrittenHeader = whole;
  rewrittenHeader.dst = "10.0.0.4";
  const Bytes fullRewritten = PacketBuilder()
                                  .ipv4(rewrittenHeader)
                                  .udp({.src = 1000, .dst = 5353})
                                  .payload(payload)
                                  .build();

  // First fragment: IP header + UDP header + 16 payload bytes, MF set.
  Ipv4 fragHeader = whole;
  fragHeader.df = false;
  fragHeader.mf = true;
  Bytes fragment = PacketBuilder()
                       .ipv4(fragHeader)
                       .payload(Bytes(full.begin() + 20, full.begin() + 20 + 24))
                       .build();
  fragment[9] = 17;
  fragment[10] = fragment[11] = 0;
  const std::uint16_t headerSum = referenceChecksum(Bytes(fragment.begin(), fragment.begin() + 20));
  fragment[10] = static_cast<std::uint8_t>(headerSum >> 8);
  fragment[11] = static_cast<std::uint8_t>(headerSum);

  const auto view = PacketView::parse(fragment);
  REQUIRE(view);
  REQUIRE(view->isFirstFragment());
  rewriteDestination(*view, addr("10.0.0.4"), 5353);
  CHECK(fragment[20 + 6] == fullRewritten[20 + 6]);
  CHECK(fragment[20 + 7] == fullRewritten[20 + 7]);
  CHECK(ipv4HeaderChecksumValid(view->ipHeader()));
}

TEST_CASE("nat that makes a udp checksum compute to zero writes 0xffff", "[dataplane][nat]") {
  // Choose a payload word so that the rewritten datagram's checksum computes to 0.
  const Ipv4 before{.src = "198.19.0.7", .dst = "198.18.0.10"};
  Ipv4 after = before;
  after.dst = "10.0.0.4";
  const Bytes probe =
      PacketBuilder().ipv4(after).udp({.src = 1, .dst = 5353}).payload(Bytes{0, 0}).build();
  const Bytes word = {probe[26], probe[27]};
  const Bytes expected =
      PacketBuilder().ipv4(after).udp({.src = 1, .dst = 5353}).payload(word).build();
  REQUIRE(expected[26] == 0xFF);
  REQUIRE(expected[27] == 0xFF);

  Bytes packet = PacketBuilder().ipv4(before).udp({.src = 1, .dst = 53}).payload(word).build();
  const auto view = PacketView::parse(packet);
  REQUIRE(view);
  rewriteDestination(*view, addr("10.0.0.4"), 5353);
  CHECK(hex(packet) == hex(expected));
}
