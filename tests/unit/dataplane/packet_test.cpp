#include "emulator/dataplane/packet.h"

#include <catch2/catch.hpp>

#include "tests/unit/dataplane/packet_builder.h"
#include "tests/unit/dataplane/printers.h"

using namespace azlb::dataplane;
using namespace azlb::testing;

namespace {

const Ipv4 kHeader{.src = "198.19.0.7", .dst = "198.18.0.10", .ttl = 61, .id = 0x1c46, .tos = 0x10};

DropReason parseError(Bytes& bytes) {
  const auto view = PacketView::parse(bytes);
  REQUIRE_FALSE(view);
  return view.error();
}

// Rewrites the header checksum after a test edits header bytes by hand.
void fixHeaderChecksum(Bytes& bytes) {
  const std::size_t headerLength = static_cast<std::size_t>(bytes[0] & 0x0F) * 4;
  bytes[10] = bytes[11] = 0;
  const std::uint16_t sum = referenceChecksum(
      Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(headerLength)));
  bytes[10] = static_cast<std::uint8_t>(sum >> 8);
  bytes[11] = static_cast<std::uint8_t>(sum);
}

}  // namespace

TEST_CASE("parse exposes ipv4 and tcp fields", "[dataplane][packet]") {
  Bytes bytes = PacketBuilder()
                    .ipv4(kHeader)
                    .tcp({.src = 40000, .dst = 80, .flags = tcpflags::kSyn | tcpflags::kAck})
                    .payload("abc")
                    .build();
  const auto view = PacketView::parse(bytes);
  REQUIRE(view);
  CHECK(view->size() == 43);
  CHECK(view->headerLength() == 20);
  CHECK(view->protocol() == IpProtocol::Tcp);
  CHECK(view->src() == Ipv4Address::fromOctets(198, 19, 0, 7));
  CHECK(view->dst() == Ipv4Address::fromOctets(198, 18, 0, 10));
  CHECK(view->ttl() == 61);
  CHECK(view->tos() == 0x10);
  CHECK(view->id() == 0x1c46);
  CHECK(view->dontFragment());
  CHECK_FALSE(view->isFirstFragment());
  CHECK(view->hasPorts());
  CHECK(view->srcPort() == 40000);
  CHECK(view->dstPort() == 80);
  CHECK(view->tcpFlags() == (TcpHeader::kSyn | TcpHeader::kAck));
  CHECK(view->l4().size() == 23);
  CHECK(view->l4ChecksumOffset() == 36);
  CHECK(view->flowKey() == FlowKey{view->src(), view->dst(), 40000, 80, 6});
}

TEST_CASE("parse exposes udp ports and icmp type", "[dataplane][packet]") {
  Bytes udp = PacketBuilder().ipv4(kHeader).udp({.src = 5000, .dst = 53}).payload("q").build();
  const auto u = PacketView::parse(udp);
  REQUIRE(u);
  CHECK(u->protocol() == IpProtocol::Udp);
  CHECK(u->srcPort() == 5000);
  CHECK(u->dstPort() == 53);
  CHECK(u->tcpFlags() == 0);
  CHECK(u->l4ChecksumOffset() == 26);

  Bytes icmp = PacketBuilder().ipv4(kHeader).icmpEcho({.type = 8}).payload("ping").build();
  const auto i = PacketView::parse(icmp);
  REQUIRE(i);
  CHECK(i->protocol() == IpProtocol::Icmp);
  CHECK_FALSE(i->hasPorts());
  CHECK(i->srcPort() == 0);
  CHECK(i->icmpType() == 8);
  CHECK(i->icmpCode() == 0);
}

TEST_CASE("parse finds the l4 header after ip options", "[dataplane][packet]") {
  Ipv4 withOptions = kHeader;
  withOptions.options = {0x01, 0x01, 0x01, 0x00};  // NOP, NOP, NOP, end of list
  Bytes bytes = PacketBuilder().ipv4(withOptions).udp({.src = 7, .dst = 9}).build();
  const auto view = PacketView::parse(bytes);
  REQUIRE(view);
  CHECK(view->headerLength() == 24);
  CHECK(view->srcPort() == 7);
  CHECK(view->dstPort() == 9);
}

TEST_CASE("parse ignores bytes past the total length", "[dataplane][packet]") {
  Bytes bytes = PacketBuilder().ipv4(kHeader).udp({.src = 7, .dst = 9}).build();
  const std::size_t size = bytes.size();
  bytes.insert(bytes.end(), 10, 0);
  const auto view = PacketView::parse(bytes);
  REQUIRE(view);
  CHECK(view->size() == size);
}

TEST_CASE("parse rejects malformed packets with a reason", "[dataplane][packet]") {
  const Bytes good = PacketBuilder().ipv4(kHeader).tcp({.src = 1, .dst = 80}).build();

  SECTION("shorter than an ipv4 header") {
    Bytes b(good.begin(), good.begin() + 19);
    CHECK(parseError(b) == DropReason::Truncated);
  }
  SECTION("ip version 6") {
    Bytes b = good;
    b[0] = 0x65;
    CHECK(parseError(b) == DropReason::BadVersion);
  }
  SECTION("ihl below 5") {
    Bytes b = good;
    b[0] = 0x44;
    fixHeaderChecksum(b);
    CHECK(parseError(b) == DropReason::BadIhl);
  }
  SECTION("ihl longer than the total length") {
    Bytes b = good;
    b[0] = 0x4F;  // 60-byte header in a 40-byte packet
    CHECK(parseError(b) == DropReason::BadIhl);
  }
  SECTION("total length larger than the buffer") {
    Bytes b = good;
    b[3] = static_cast<std::uint8_t>(b[3] + 1);
    fixHeaderChecksum(b);
    CHECK(parseError(b) == DropReason::BadTotalLength);
  }
  SECTION("total length below 20") {
    Bytes b = good;
    b[2] = 0;
    b[3] = 19;
    fixHeaderChecksum(b);
    CHECK(parseError(b) == DropReason::BadTotalLength);
  }
  SECTION("wrong header checksum") {
    Bytes b = good;
    b[8] = 1;  // TTL changed without fixing the checksum
    CHECK(parseError(b) == DropReason::BadChecksum);
  }
  SECTION("a non-first fragment") {
    Ipv4 h = kHeader;
    h.df = false;
    h.fragmentOffset = 1;
    Bytes b = PacketBuilder().ipv4(h).payload("middle of a datagram").build();
    CHECK(parseError(b) == DropReason::Fragment);
  }
  SECTION("tcp header cut short") {
    Bytes b = good;
    b.resize(30);
    b[2] = 0;
    b[3] = 30;
    fixHeaderChecksum(b);
    CHECK(parseError(b) == DropReason::Truncated);
  }
  SECTION("tcp data offset below 5") {
    Bytes b = PacketBuilder().ipv4(kHeader).tcp({.src = 1, .dst = 80, .dataOffset = 4}).build();
    CHECK(parseError(b) == DropReason::BadL4Header);
  }
  SECTION("tcp data offset past the packet") {
    Bytes b = PacketBuilder().ipv4(kHeader).tcp({.src = 1, .dst = 80, .dataOffset = 6}).build();
    CHECK(parseError(b) == DropReason::BadL4Header);
  }
  SECTION("udp length below 8") {
    Bytes b = PacketBuilder().ipv4(kHeader).udp({.src = 1, .dst = 53, .length = 7}).build();
    CHECK(parseError(b) == DropReason::BadL4Header);
  }
  SECTION("udp length past the packet") {
    Bytes b = PacketBuilder().ipv4(kHeader).udp({.src = 1, .dst = 53, .length = 9}).build();
    CHECK(parseError(b) == DropReason::BadL4Header);
  }
  SECTION("icmp shorter than 8 bytes") {
    Bytes b = PacketBuilder().ipv4(kHeader).payload(Bytes{8, 0, 0, 0}).build();
    b[9] = 1;
    fixHeaderChecksum(b);
    CHECK(parseError(b) == DropReason::Truncated);
  }
}

TEST_CASE("a first fragment parses with its ports", "[dataplane][packet]") {
  Ipv4 h = kHeader;
  h.df = false;
  h.mf = true;
  // The UDP length covers the whole datagram, longer than this fragment.
  Bytes b = PacketBuilder().ipv4(h).udp({.src = 1, .dst = 53, .length = 3000}).payload("x").build();
  const auto view = PacketView::parse(b);
  REQUIRE(view);
  CHECK(view->isFirstFragment());
  CHECK(view->dstPort() == 53);
}

TEST_CASE("other ip protocols parse without an l4 header", "[dataplane][packet]") {
  Ipv4 gre = kHeader;
  gre.protocol = 47;
  Bytes b = PacketBuilder().ipv4(gre).payload("xy").build();
  const auto view = PacketView::parse(b);
  REQUIRE(view);
  CHECK(view->protocolNumber() == 47);
  CHECK_FALSE(view->hasPorts());
  CHECK(view->l4ChecksumOffset() == 0);
}

TEST_CASE("ipv4 header encodes the documented layout", "[dataplane][packet]") {
  Ipv4Header h;
  h.tos = 0x28;
  h.totalLength = 60;
  h.id = 0xbeef;
  h.flagsFragment = Ipv4Header::kFlagDontFragment;
  h.ttl = 64;
  h.protocol = 4;
  h.src = Ipv4Address::fromOctets(100, 64, 0, 2);
  h.dst = Ipv4Address::fromOctets(100, 64, 1, 4);
  Bytes out(20);
  h.encode(out);
  const Bytes expected = {0x45, 0x28, 0x00, 0x3c, 0xbe, 0xef, 0x40, 0x00, 0x40, 0x04,
                          0x00, 0x00, 100,  64,   0,    2,    100,  64,   1,    4};
  CHECK(out == expected);
}
