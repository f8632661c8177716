#include "emulator/dataplane/encap.h"

#include <catch2/catch.hpp>

#include "tests/unit/dataplane/packet_builder.h"
#include "tests/unit/dataplane/printers.h"

using namespace azlb::dataplane;
using namespace azlb::testing;

namespace {

const Ipv4 kInner{.src = "198.19.0.7", .dst = "198.18.0.10", .ttl = 61, .id = 0x1c46};
const EncapParams kParams{.outerSrc = Ipv4Address::fromOctets(100, 64, 0, 2),
                          .outerDst = Ipv4Address::fromOctets(100, 64, 1, 4)};

Bytes bytesOf(const PacketBuf& buf) { return Bytes(buf.data().begin(), buf.data().end()); }

}  // namespace

TEST_CASE("ip-in-ip encapsulation prepends the outer header in place (golden)",
          "[dataplane][encap]") {
  struct Case {
    std::string name;
    Bytes inner;
    EncapParams params;
    Bytes expected;
  };
  const Tcp syn{.src = 40000, .dst = 80, .seq = 1};
  const Udp query{.src = 40001, .dst = 53};
  const Udp queryNoChecksum{.src = 40001, .dst = 53, .noChecksum = true};
  Ipv4 noDf = kInner;
  noDf.df = false;
  noDf.tos = 0xb8;
  EncapParams withId = kParams;
  withId.id = 0x2222;
  withId.ttl = 3;

  const std::vector<Case> cases = {
      {"tcp with df gets a df outer header",
       PacketBuilder().ipv4(kInner).tcp(syn).payload("data").build(), kParams,
       PacketBuilder()
           .ipv4({.src = "100.64.0.2", .dst = "100.64.1.4", .ttl = 64, .id = 0, .df = true})
           .ipv4(kInner)
           .tcp(syn)
           .payload("data")
           .build()},
      {"udp keeps its checksum inside the tunnel",
       PacketBuilder().ipv4(kInner).udp(query).payload("q").build(), kParams,
       PacketBuilder()
           .ipv4({.src = "100.64.0.2", .dst = "100.64.1.4"})
           .ipv4(kInner)
           .udp(query)
           .payload("q")
           .build()},
      {"udp without checksum stays without one",
       PacketBuilder().ipv4(kInner).udp(queryNoChecksum).payload("q").build(), kParams,
       PacketBuilder()
           .ipv4({.src = "100.64.0.2", .dst = "100.64.1.4"})
           .ipv4(kInner)
           .udp(queryNoChecksum)
           .payload("q")
           .build()},
      {"inner without df and with dscp gives an outer without df, same tos, given id and ttl",
       PacketBuilder().ipv4(noDf).tcp(syn).build(), withId,
       PacketBuilder()
           .ipv4({.src = "100.64.0.2",
                  .dst = "100.64.1.4",
                  .ttl = 3,
                  .id = 0x2222,
                  .df = false,
                  .tos = 0xb8})
           .ipv4(noDf)
           .tcp(syn)
           .build()},
  };

  for (const Case& c : cases) {
    INFO(c.name);
    PacketBuf buf;
    REQUIRE(buf.assign(c.inner));
    const std::uint8_t* innerStart = buf.data().data();
    CHECK_FALSE(encapsulateIpip(buf, c.params).has_value());
    CHECK(buf.data().data() + 20 == innerStart);  // the inner packet did not move
    CHECK(hex(bytesOf(buf)) == hex(c.expected));
    CHECK(checkChecksums(bytesOf(buf)) == "");

    const auto inner = decapsulateIpip(buf);
    REQUIRE(inner);
    CHECK(bytesOf(buf) == c.inner);
    CHECK(inner->bytes().data() == innerStart);
  }
}

TEST_CASE("encapsulation refuses without headroom or beyond the size limit", "[dataplane][encap]") {
  const Bytes inner = PacketBuilder().ipv4(kInner).tcp({.src = 1, .dst = 80}).build();
  PacketBuf tight(1500, 19);
  REQUIRE(tight.assign(inner));
  CHECK(encapsulateIpip(tight, kParams) == DropReason::NoHeadroom);
  CHECK(bytesOf(tight) == inner);

  PacketBuf buf;
  REQUIRE(buf.assign(inner));
  EncapParams small = kParams;
  small.maxOuterSize = inner.size() + 19;
  CHECK(encapsulateIpip(buf, small) == DropReason::TooBig);
  CHECK(bytesOf(buf) == inner);

  Ipv4 huge = kInner;
  const Bytes big =
      PacketBuilder().ipv4(huge).udp({.src = 1, .dst = 2}).payload(Bytes(65500, 0)).build();
  REQUIRE(buf.assign(big));
  CHECK(encapsulateIpip(buf, kParams) == DropReason::TooBig);  // 65528 + 20 > 65535
}

TEST_CASE("decapsulation validates the outer and the inner packet", "[dataplane][encap]") {
  PacketBuf buf;

  SECTION("not ip-in-ip") {
    REQUIRE(buf.assign(PacketBuilder().ipv4(kInner).tcp({.src = 1, .dst = 80}).build()));
    const auto r = decapsulateIpip(buf);
    REQUIRE_FALSE(r);
    CHECK(r.error() == DropReason::NotEncapsulated);
  }
  SECTION("bad outer checksum") {
    Bytes b = PacketBuilder()
                  .ipv4({.src = "100.64.0.2", .dst = "100.64.1.4", .checksum = 1})
                  .ipv4(kInner)
                  .tcp({.src = 1, .dst = 80})
                  .build();
    REQUIRE(buf.assign(b));
    const auto r = decapsulateIpip(buf);
    REQUIRE_FALSE(r);
    CHECK(r.error() == DropReason::BadChecksum);
  }
  SECTION("inner packet with a bad ihl") {
    Ipv4 badInner = kInner;
    badInner.ihl = 3;
    REQUIRE(buf.assign(PacketBuilder()
                           .ipv4({.src = "100.64.0.2", .dst = "100.64.1.4"})
                           .ipv4(badInner)
                           .tcp({.src = 1, .dst = 80})
                           .build()));
    const auto r = decapsulateIpip(buf);
    REQUIRE_FALSE(r);
    CHECK(r.error() == DropReason::BadIhl);
  }
  SECTION("padding after the outer packet is dropped with the outer header") {
    const Bytes inner = PacketBuilder().ipv4(kInner).udp({.src = 1, .dst = 53}).build();
    Bytes outer = PacketBuilder()
                      .ipv4({.src = "100.64.0.2", .dst = "100.64.1.4"})
                      .ipv4(kInner)
                      .udp({.src = 1, .dst = 53})
                      .build();
    outer.insert(outer.end(), 4, 0xEE);
    REQUIRE(buf.assign(outer));
    const auto r = decapsulateIpip(buf);
    REQUIRE(r);
    CHECK(bytesOf(buf) == inner);
  }
}
