// Offload metadata through the data path: partial checksums under NAT, offsets that follow
// encapsulation, and how a superpacket is sized for the VM's link. "Finishing" a partial checksum
// below is what the kernel does later (sum from csumStart, store the complement); the result is
// compared with a packet built from scratch by the reference builder.
#include "emulator/dataplane/offload.h"

#include <catch2/catch.hpp>

#include "emulator/dataplane/encap.h"
#include "emulator/dataplane/forwarder.h"
#include "emulator/dataplane/nat.h"
#include "tests/fixtures/packets/golden_cases.h"
#include "tests/unit/dataplane/packet_builder.h"

using namespace azlb::dataplane;
using namespace azlb::testing;
namespace golden = azlb::testing::golden;

namespace {

std::size_t ihlOf(const Bytes& p) { return static_cast<std::size_t>(p[0] & 0x0F) * 4; }
std::size_t checksumAt(const Bytes& p) { return ihlOf(p) + (p[9] == 6 ? 16 : 6); }

/// Puts the packet into the form a TUN hands over with NEEDS_CSUM: the L4 checksum field holds
/// the folded pseudo-header sum, not complemented.
Offload makePartial(Bytes& p) {
  const std::size_t ihl = ihlOf(p);
  const std::uint32_t src = (std::uint32_t{p[12]} << 24) | (std::uint32_t{p[13]} << 16) | (std::uint32_t{p[14]} << 8) | p[15];
  const std::uint32_t dst = (std::uint32_t{p[16]} << 24) | (std::uint32_t{p[17]} << 16) | (std::uint32_t{p[18]} << 8) | p[19];
  std::uint32_t sum = referencePseudoHeader(src, dst, p[9], p.size() - ihl);
  while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
  p[checksumAt(p)] = static_cast<std::uint8_t>(sum >> 8);
  p[checksumAt(p) + 1] = static_cast<std::uint8_t>(sum);
  Offload o;
  o.needsCsum = true;
  o.csumStart = static_cast<std::uint16_t>(ihl);
  o.csumOffset = static_cast<std::uint16_t>(checksumAt(p) - ihl);
  return o;
}

/// What the kernel does with a partial checksum before the packet hits a wire or a socket.
void finishPartial(Bytes& p, const Offload& o) {
  const Bytes l4(p.begin() + o.csumStart, p.end());
  const std::uint16_t sum = referenceChecksum(l4);
  p[o.csumStart + o.csumOffset] = static_cast<std::uint8_t>(sum >> 8);
  p[o.csumStart + o.csumOffset + 1] = static_cast<std::uint8_t>(sum);
}

Ipv4Address addr(const std::string& text) { return Ipv4Address{ipFromString(text)}; }

Bytes bytesOf(const PacketBuf& buf) { return Bytes(buf.data().begin(), buf.data().end()); }

}  // namespace

TEST_CASE("nat of a partial checksum folds the address change in and leaves ports to the finisher",
          "[dataplane][offload]") {
  const Bytes payload(3000, 0x41);
  SECTION("tcp destination") {
    Bytes packet = PacketBuilder()
                       .ipv4({.src = "198.19.0.7", .dst = "198.18.0.10"})
                       .tcp({.src = 40000, .dst = 80, .seq = 5, .flags = tcpflags::kAck})
                       .payload(payload)
                       .build();
    const Offload o = makePartial(packet);
    const auto view = PacketView::parse(packet);
    REQUIRE(view);
    rewriteDestination(*view, addr("10.0.0.4"), 8080, /*l4Partial=*/true);
    finishPartial(packet, o);
    CHECK(hex(packet) == hex(PacketBuilder()
                                 .ipv4({.src = "198.19.0.7", .dst = "10.0.0.4"})
                                 .tcp({.src = 40000, .dst = 8080, .seq = 5, .flags = tcpflags::kAck})
                                 .payload(payload)
                                 .build()));
  }
  SECTION("udp source") {
    Bytes packet = PacketBuilder()
                       .ipv4({.src = "10.0.0.4", .dst = "198.19.0.7"})
                       .udp({.src = 5353, .dst = 40001})
                       .payload("answer")
                       .build();
    const Offload o = makePartial(packet);
    const auto view = PacketView::parse(packet);
    REQUIRE(view);
    rewriteSource(*view, addr("198.18.0.10"), 53, /*l4Partial=*/true);
    finishPartial(packet, o);
    CHECK(hex(packet) == hex(PacketBuilder()
                                 .ipv4({.src = "198.18.0.10", .dst = "198.19.0.7"})
                                 .udp({.src = 53, .dst = 40001})
                                 .payload("answer")
                                 .build()));
  }
  SECTION("treating a partial field as a full checksum would be wrong") {
    // Guards the test itself: the full-checksum update gives a different (wrong) result here.
    Bytes packet = PacketBuilder()
                       .ipv4({.src = "198.19.0.7", .dst = "198.18.0.10"})
                       .tcp({.src = 40000, .dst = 80, .flags = tcpflags::kAck})
                       .payload(payload)
                       .build();
    const Offload o = makePartial(packet);
    const auto view = PacketView::parse(packet);
    REQUIRE(view);
    rewriteDestination(*view, addr("10.0.0.4"), 8080, /*l4Partial=*/false);
    finishPartial(packet, o);
    CHECK(checkChecksums(packet) != "");
  }
}

TEST_CASE("offload offsets follow the data through prepend and trim", "[dataplane][offload]") {
  PacketBuf buf;
  REQUIRE(buf.assign(Bytes(100, 0)));
  buf.offload() = Offload{.needsCsum = true, .gso = Offload::Gso::TcpV4, .hdrLen = 40,
                          .gsoSize = 1448, .csumStart = 20, .csumOffset = 16};
  REQUIRE(!buf.prepend(20).empty());
  CHECK(buf.offload().csumStart == 40);
  CHECK(buf.offload().hdrLen == 60);
  CHECK(buf.offload().csumOffset == 16);
  REQUIRE(buf.trimFront(20));
  CHECK(buf.offload().csumStart == 20);
  CHECK(buf.offload().hdrLen == 40);
  // A partial checksum that starts inside the bytes to drop: refused, nothing changes.
  CHECK_FALSE(buf.trimFront(21));
  CHECK(buf.size() == 100);
  CHECK(buf.offload().csumStart == 20);
  buf.reset();
  CHECK_FALSE(buf.offload().needsCsum);
  CHECK_FALSE(buf.offload().isGso());
}

TEST_CASE("an encapsulated superpacket is one underlay frame; decap restores the offsets",
          "[dataplane][offload]") {
  Bytes inner = PacketBuilder()
                    .ipv4({.src = "198.19.0.7", .dst = "198.18.0.10"})
                    .tcp({.src = 40000, .dst = 80, .flags = tcpflags::kAck})
                    .payload(Bytes(20000, 7))
                    .build();
  PacketBuf buf;
  const Offload partial = makePartial(inner);
  REQUIRE(buf.assign(inner));
  buf.offload() = partial;
  buf.offload().gso = Offload::Gso::TcpV4;
  buf.offload().gsoSize = 1448;
  buf.offload().hdrLen = 40;
  REQUIRE_FALSE(encapsulateIpip(buf, EncapParams{.outerSrc = addr("100.64.4.1"),
                                                 .outerDst = addr("100.64.16.9")}));
  CHECK(buf.size() == inner.size() + 20);
  CHECK_FALSE(buf.offload().isGso());
  CHECK(buf.offload().needsCsum);
  CHECK(buf.offload().csumStart == 40);
  const auto view = decapsulateIpip(buf);
  REQUIRE(view);
  CHECK(buf.offload().csumStart == 20);
  CHECK(bytesOf(buf) == inner);
}

TEST_CASE("fitToLink sizes a superpacket for the VM's link and refuses what cannot be split",
          "[dataplane][offload]") {
  auto tcpPacket = [](std::size_t payload, std::uint8_t flags = tcpflags::kAck) {
    return PacketBuilder()
        .ipv4({.src = "198.19.0.7", .dst = "10.0.0.4"})
        .tcp({.src = 40000, .dst = 8080, .flags = flags})
        .payload(Bytes(payload, 1))
        .build();
  };
  PacketBuf buf;
  SECTION("a large tcp packet with a partial checksum becomes mtu-sized segments") {
    Bytes p = tcpPacket(30000, static_cast<std::uint8_t>(tcpflags::kAck | TcpHeader::kCwr));
    const Offload o = makePartial(p);
    REQUIRE(buf.assign(p));
    buf.offload() = o;
    const auto view = PacketView::parse(buf.data());
    REQUIRE(view);
    CHECK_FALSE(fitToLink(buf, *view, 1500));
    CHECK(buf.offload().gso == Offload::Gso::TcpV4);
    CHECK(buf.offload().gsoSize == 1500 - 40);
    CHECK(buf.offload().hdrLen == 40);
    CHECK(buf.offload().ecn);
  }
  SECTION("a smaller segment size the sender chose is kept") {
    Bytes p = tcpPacket(30000);
    Offload o = makePartial(p);
    o.gso = Offload::Gso::TcpV4;
    o.gsoSize = 1000;
    REQUIRE(buf.assign(p));
    buf.offload() = o;
    const auto view = PacketView::parse(buf.data());
    REQUIRE(view);
    CHECK_FALSE(fitToLink(buf, *view, 1500));
    CHECK(buf.offload().gsoSize == 1000);
    CHECK_FALSE(buf.offload().ecn);
  }
  SECTION("a packet that fits leaves as one frame") {
    Bytes p = tcpPacket(1000);
    Offload o = makePartial(p);
    o.gso = Offload::Gso::TcpV4;
    o.gsoSize = 1448;
    REQUIRE(buf.assign(p));
    buf.offload() = o;
    const auto view = PacketView::parse(buf.data());
    REQUIRE(view);
    CHECK_FALSE(fitToLink(buf, *view, 1500));
    CHECK_FALSE(buf.offload().isGso());
    CHECK(buf.offload().needsCsum);
  }
  SECTION("too big without a partial checksum, or not tcp") {
    REQUIRE(buf.assign(tcpPacket(3000)));
    auto view = PacketView::parse(buf.data());
    REQUIRE(view);
    CHECK(fitToLink(buf, *view, 1500) == DropReason::TooBig);
    Bytes udp = PacketBuilder()
                    .ipv4({.src = "198.19.0.7", .dst = "10.0.0.4"})
                    .udp({.src = 1, .dst = 2})
                    .payload(Bytes(3000, 2))
                    .build();
    const Offload o = makePartial(udp);
    REQUIRE(buf.assign(udp));
    buf.offload() = o;
    view = PacketView::parse(buf.data());
    REQUIRE(view);
    CHECK(fitToLink(buf, *view, 1500) == DropReason::TooBig);
  }
  SECTION("metadata that does not describe the packet is BadOffload") {
    Bytes p = tcpPacket(3000);
    Offload o = makePartial(p);
    o.csumStart = 24;  // not the TCP header
    REQUIRE(buf.assign(p));
    buf.offload() = o;
    const auto view = PacketView::parse(buf.data());
    REQUIRE(view);
    CHECK(fitToLink(buf, *view, 1500) == DropReason::BadOffload);
    CHECK(buf.offload().csumStart == 24);
  }
}

TEST_CASE("offloadConsistent accepts what a TUN hands over and rejects the rest", "[dataplane][offload]") {
  Bytes tcp = PacketBuilder()
                  .ipv4({.src = "198.19.0.7", .dst = "10.0.0.4"})
                  .tcp({.src = 1, .dst = 2, .flags = tcpflags::kAck})
                  .payload("x")
                  .build();
  const Offload partial = makePartial(tcp);
  const auto view = PacketView::parse(tcp);
  REQUIRE(view);
  CHECK(offloadConsistent(Offload{}, *view));
  CHECK(offloadConsistent(partial, *view));
  Offload wrongOffset = partial;
  wrongOffset.csumOffset = 6;
  CHECK_FALSE(offloadConsistent(wrongOffset, *view));
  Offload gsoWithoutCsum;
  gsoWithoutCsum.gso = Offload::Gso::TcpV4;
  gsoWithoutCsum.gsoSize = 1448;
  CHECK_FALSE(offloadConsistent(gsoWithoutCsum, *view));
  Offload udpGso = partial;
  udpGso.gso = Offload::Gso::UdpL4;
  udpGso.gsoSize = 1000;
  CHECK_FALSE(offloadConsistent(udpGso, *view));
}

TEST_CASE("a client superpacket crosses MUX and host agent and reaches the VM as a TSO packet",
          "[dataplane][offload]") {
  const auto config = ForwardingConfig::build(golden::worldSpec());
  REQUIRE(config);
  MuxForwarder mux(MuxOptions{.underlayAddress = golden::ip(golden::kMux), .flowCapacity = 64}, *config);
  HostForwarder host(HostOptions{.flowCapacity = 64, .backendMtu = 1500}, *config);
  {
    // The connection's SYN first: only a SYN starts a flow at the host agent.
    PacketBuf syn;
    REQUIRE(syn.assign(PacketBuilder()
                           .ipv4({.src = golden::kClient, .dst = golden::kFrontend})
                           .tcp({.src = 41000, .dst = 80, .flags = tcpflags::kSyn})
                           .build()));
    REQUIRE(mux.process(syn, Nanos{1}).isForward());
    REQUIRE(host.processInbound(syn, Nanos{1}).isForward());
  }
  const Bytes payload(60000, 0x33);
  const Tcp segment{.src = 41000, .dst = 80, .seq = 9, .flags = tcpflags::kAck};
  Bytes packet = PacketBuilder()
                     .ipv4({.src = golden::kClient, .dst = golden::kFrontend})
                     .tcp(segment)
                     .payload(payload)
                     .build();
  Offload o = makePartial(packet);
  o.gso = Offload::Gso::TcpV4;
  o.gsoSize = 1448;
  o.hdrLen = 40;
  PacketBuf buf;
  REQUIRE(buf.assign(packet));
  buf.offload() = o;
  const Verdict atMux = mux.process(buf, Nanos{1});
  REQUIRE(atMux.isForward());
  CHECK_FALSE(buf.offload().isGso());  // one underlay frame
  CHECK(buf.size() == packet.size() + 20);
  const Verdict atHost = host.processInbound(buf, Nanos{1});
  REQUIRE(atHost.isForward());
  CHECK(buf.offload().gso == Offload::Gso::TcpV4);
  CHECK(buf.offload().gsoSize == 1460);
  Bytes delivered = bytesOf(buf);
  finishPartial(delivered, buf.offload());
  Tcp expected = segment;
  expected.dst = 8080;
  CHECK(hex(delivered) == hex(PacketBuilder()
                                  .ipv4({.src = golden::kClient, .dst = atHost.nextHop.toString()})
                                  .tcp(expected)
                                  .payload(payload)
                                  .build()));
}
