#include "emulator/dataplane/snat_engine.h"

#include "emulator/dataplane/fastpath.h"
#include "emulator/dataplane/forwarder.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "tests/support/golden_check.h"
#include "tests/unit/dataplane/packet_builder.h"

using namespace azlb::dataplane;
using namespace azlb::testing;

namespace {

constexpr Nanos kNow{1'000'000'000'000};
const Ipv4Address kVm = Ipv4Address::fromOctets(10, 0, 0, 4);
const Ipv4Address kVmPa = Ipv4Address::fromOctets(100, 64, 16, 1);
const Ipv4Address kPublic = Ipv4Address::fromOctets(198, 18, 0, 5);

Ipv4Address ip(const std::string& text) { return *Ipv4Address::parse(text); }

SnatSpec spec(std::uint16_t ports, std::uint8_t protocol = 0) {
  SnatSpec s;
  s.vnet = "vnet";
  s.ip = kVm;
  s.underlay = kVmPa;
  s.kind = OutboundKind::OutboundRule;
  s.protocol = protocol;
  s.blocks = {{kPublic, 1024, ports}};
  s.idleTimeout = std::chrono::seconds(600);
  s.finLinger = std::chrono::seconds(240);
  s.rstLinger = std::chrono::seconds(15);
  return s;
}

std::shared_ptr<const ForwardingConfig> configOf(std::vector<SnatSpec> specs) {
  ForwardingConfigSpec f;
  f.outbound = std::move(specs);
  auto c = ForwardingConfig::build(f);
  REQUIRE(c);
  return *c;
}

struct Sent {
  Verdict verdict;
  PacketBuf buf;
};

Sent send(SnatEngine& e, const Bytes& packet, Nanos now = kNow) {
  Sent s;
  REQUIRE(s.buf.assign(packet));
  auto view = PacketView::parse(s.buf.data());
  REQUIRE(view);
  s.verdict = e.outbound(s.buf, *view, kVmPa, now);
  return s;
}

Verdict receive(SnatEngine& e, PacketBuf& buf, Nanos now = kNow) {
  auto view = PacketView::parse(buf.data());
  REQUIRE(view);
  return e.inbound(buf, *view, kVmPa, now);
}

Bytes tcp(std::uint16_t srcPort, const std::string& dst, std::uint16_t dstPort, std::uint8_t flags = tcpflags::kSyn) {
  return PacketBuilder().ipv4({.src = "10.0.0.4", .dst = dst}).tcp({.src = srcPort, .dst = dstPort, .flags = flags}).build();
}
Bytes udp(std::uint16_t srcPort, const std::string& dst, std::uint16_t dstPort) {
  return PacketBuilder().ipv4({.src = "10.0.0.4", .dst = dst}).udp({.src = srcPort, .dst = dstPort}).payload("x").build();
}
/// The reply to `out` (as it left: from the public address) from the internet.
Bytes replyTo(const PacketView& out, std::uint8_t flags = tcpflags::kSyn | tcpflags::kAck) {
  PacketBuilder b;
  b.ipv4({.src = out.dst().toString(), .dst = out.src().toString()});
  if (out.protocol() == IpProtocol::Udp)
    b.udp({.src = out.dstPort(), .dst = out.srcPort()}).payload("y");
  else
    b.tcp({.src = out.dstPort(), .dst = out.srcPort(), .flags = flags});
  return b.build();
}

}  // namespace

TEST_CASE("SNAT: TCP leaves from a port of the VM's block and the reply comes back", "[dataplane][snat]") {
  SnatEngine e(1024, configOf({spec(64)}));
  auto out = send(e, tcp(40000, "198.19.0.10", 80));
  REQUIRE_FALSE(out.verdict.isDrop());
  const auto v = *PacketView::parse(out.buf.data());
  CHECK(v.src() == kPublic);
  CHECK(v.srcPort() >= 1024);
  CHECK(v.srcPort() < 1024 + 64);
  CHECK(checkChecksums(Bytes(out.buf.data().begin(), out.buf.data().end())).empty());

  PacketBuf back;
  REQUIRE(back.assign(replyTo(v)));
  REQUIRE_FALSE(receive(e, back).isDrop());
  const auto r = *PacketView::parse(back.data());
  CHECK(r.dst() == kVm);
  CHECK(r.dstPort() == 40000);
  CHECK(checkChecksums(Bytes(back.data().begin(), back.data().end())).empty());

  SECTION("a non-SYN segment of an unknown flow is dropped") {
    CHECK(send(e, tcp(40001, "198.19.0.10", 80, tcpflags::kAck)).verdict.reason == DropReason::NoFlowState);
  }
  SECTION("a reply to a port no flow uses is dropped") {
    PacketBuf stray;
    REQUIRE(stray.assign(PacketBuilder()
                             .ipv4({.src = "198.19.0.10", .dst = kPublic.toString()})
                             .tcp({.src = 80, .dst = static_cast<std::uint16_t>(v.srcPort() + 1)})
                             .build()));
    CHECK(receive(e, stray).reason == DropReason::NoSnatMapping);
  }
}

TEST_CASE("SNAT: 8 ports give 8 flows to one destination; a 9th fails; other destinations reuse ports",
          "[dataplane][snat]") {
  SnatEngine e(1024, configOf({spec(8)}));
  std::set<std::uint16_t> ports;
  for (std::uint16_t i = 0; i < 8; ++i) {
    auto out = send(e, tcp(static_cast<std::uint16_t>(40000 + i), "198.19.0.10", 80));
    REQUIRE_FALSE(out.verdict.isDrop());
    ports.insert(PacketView::parse(out.buf.data())->srcPort());
  }
  CHECK(ports.size() == 8);
  CHECK(send(e, tcp(40100, "198.19.0.10", 80)).verdict.reason == DropReason::SnatExhausted);
  CHECK(e.counters().dropped(DropReason::SnatExhausted) == 1);
  CHECK_FALSE(send(e, tcp(40101, "198.19.0.10", 81)).verdict.isDrop());  // another port
  CHECK_FALSE(send(e, tcp(40102, "198.19.0.11", 80)).verdict.isDrop());  // another address
  const auto usage = e.usage(kNow);
  REQUIRE(usage.size() == 1);
  CHECK(usage[0].allocated == 8);
  CHECK(usage[0].used == 8);
  CHECK(usage[0].succeeded == 10);
  CHECK(usage[0].failed == 1);

  SECTION("a FIN frees the port 240 s later (Azure's timer), not before") {
    auto fin = send(e, tcp(40000, "198.19.0.10", 80, tcpflags::kFin | tcpflags::kAck));
    REQUIRE_FALSE(fin.verdict.isDrop());
    CHECK(send(e, tcp(40200, "198.19.0.10", 80), kNow + std::chrono::seconds(239)).verdict.isDrop());
    CHECK_FALSE(send(e, tcp(40201, "198.19.0.10", 80), kNow + std::chrono::seconds(241)).verdict.isDrop());
  }
  SECTION("an RST frees the port 15 s later") {
    auto rst = send(e, tcp(40000, "198.19.0.10", 80, tcpflags::kRst | tcpflags::kAck));
    REQUIRE_FALSE(rst.verdict.isDrop());
    CHECK(send(e, tcp(40200, "198.19.0.10", 80), kNow + std::chrono::seconds(14)).verdict.isDrop());
    CHECK_FALSE(send(e, tcp(40201, "198.19.0.10", 80), kNow + std::chrono::seconds(16)).verdict.isDrop());
  }
  SECTION("a SYN on a closed flow's 5-tuple is a new connection on the same port") {
    auto fin = send(e, tcp(40000, "198.19.0.10", 80, tcpflags::kFin | tcpflags::kAck));
    auto again = send(e, tcp(40000, "198.19.0.10", 80));
    REQUIRE_FALSE(again.verdict.isDrop());
    CHECK(PacketView::parse(again.buf.data())->srcPort() == PacketView::parse(fin.buf.data())->srcPort());
    CHECK(e.usage(kNow)[0].succeeded == 11);
    // ...with the idle timeout again, not the FIN's linger.
    CHECK(send(e, tcp(40200, "198.19.0.10", 80), kNow + std::chrono::seconds(300)).verdict.isDrop());
  }
  SECTION("an idle flow frees its port after the idle timeout") {
    CHECK(send(e, tcp(40300, "198.19.0.10", 80), kNow + std::chrono::seconds(599)).verdict.isDrop());
    CHECK_FALSE(send(e, tcp(40301, "198.19.0.10", 80), kNow + std::chrono::seconds(601)).verdict.isDrop());
  }
}

TEST_CASE("SNAT: UDP is port-restricted cone", "[dataplane][snat]") {
  SnatEngine e(1024, configOf({spec(64)}));
  auto a = send(e, udp(5000, "198.19.0.10", 9001));
  auto b = send(e, udp(5000, "198.19.7.7", 9001));
  REQUIRE_FALSE(a.verdict.isDrop());
  REQUIRE_FALSE(b.verdict.isDrop());
  const auto va = *PacketView::parse(a.buf.data());
  const auto vb = *PacketView::parse(b.buf.data());
  CHECK(va.srcPort() == vb.srcPort());  // one mapping for the socket
  CHECK(send(e, udp(5001, "198.19.0.10", 9001)).verdict.isDrop() == false);

  PacketBuf back;
  REQUIRE(back.assign(replyTo(vb)));
  REQUIRE_FALSE(receive(e, back).isDrop());
  CHECK(PacketView::parse(back.data())->dstPort() == 5000);

  // A host the socket never sent to cannot use the mapping.
  PacketBuf stranger;
  REQUIRE(stranger.assign(PacketBuilder()
                              .ipv4({.src = "198.19.9.9", .dst = va.src().toString()})
                              .udp({.src = 9001, .dst = va.srcPort()})
                              .payload("z")
                              .build()));
  CHECK(receive(e, stranger).reason == DropReason::NoSnatMapping);
}

TEST_CASE("SNAT: protocol and no outbound", "[dataplane][snat]") {
  SnatEngine e(1024, configOf({spec(64, 6)}));
  CHECK(send(e, udp(5000, "198.19.0.10", 9001)).verdict.reason == DropReason::NoOutbound);
  SnatEngine none(1024, configOf({}));
  CHECK(send(none, tcp(40000, "198.19.0.10", 80)).verdict.reason == DropReason::NoOutbound);
}

TEST_CASE("SNAT: an instance public IP is 1:1 both ways", "[dataplane][snat]") {
  SnatSpec s = spec(0);
  s.kind = OutboundKind::InstancePublicIp;
  s.blocks = {{kPublic, 0, 0}};
  SnatEngine e(1024, configOf({s}));
  auto out = send(e, tcp(40000, "198.19.0.10", 80));
  REQUIRE_FALSE(out.verdict.isDrop());
  CHECK(PacketView::parse(out.buf.data())->src() == kPublic);
  CHECK(PacketView::parse(out.buf.data())->srcPort() == 40000);
  PacketBuf in;  // a new connection from the internet
  REQUIRE(in.assign(PacketBuilder().ipv4({.src = "198.19.0.10", .dst = "198.18.0.5"}).tcp({.src = 1234, .dst = 22}).build()));
  REQUIRE_FALSE(receive(e, in).isDrop());
  CHECK(PacketView::parse(in.data())->dst() == kVm);
  CHECK(PacketView::parse(in.data())->dstPort() == 22);
}

TEST_CASE("SnatIndex: owners of ports, and bad specs", "[dataplane][snat]") {
  SnatSpec other = spec(8);
  other.ip = ip("10.0.0.5");
  other.underlay = ip("100.64.16.2");
  other.blocks = {{kPublic, 1032, 8}};
  auto index = SnatIndex::build({spec(8), other});
  REQUIRE(index);
  CHECK(index->ownerOf(kPublic, 1024) == kVmPa);
  CHECK(index->ownerOf(kPublic, 1031) == kVmPa);
  CHECK(index->ownerOf(kPublic, 1032) == ip("100.64.16.2"));
  CHECK_FALSE(index->ownerOf(kPublic, 1040));
  CHECK_FALSE(index->ownerOf(kPublic, 80));
  other.blocks = {{kPublic, 1028, 8}};
  CHECK_FALSE(SnatIndex::build({spec(8), other}));
  CHECK_FALSE(SnatIndex::build({spec(8), spec(8)}));
}

TEST_CASE("Fastpath: a redirect survives its wire format; other packets are not redirects", "[dataplane][fastpath]") {
  const Redirect r{FlowKey{kPublic, ip("198.18.0.9"), 1030, 80, 6}, ip("100.64.17.3")};
  PacketBuf buf;
  REQUIRE(buildRedirect(buf, ip("100.64.4.1"), kVmPa, r));
  const auto view = PacketView::parse(buf.data());
  REQUIRE(view);
  CHECK(view->src() == ip("100.64.4.1"));
  CHECK(view->dst() == kVmPa);
  CHECK(parseRedirect(*view) == r);
  PacketBuf other;
  REQUIRE(other.assign(tcp(40000, "198.19.0.10", 80)));
  CHECK_FALSE(parseRedirect(*PacketView::parse(other.data())));
}

TEST_CASE("Fastpath: the MUX redirects once, after the handshake, only flows from our SNAT ports",
          "[dataplane][fastpath]") {
  ForwardingConfigSpec f;
  f.outbound = {spec(64)};  // 10.0.0.4 leaves from 198.18.0.5:1024-1087
  RuleSpec rule;
  rule.name = "b";
  rule.frontendIp = ip("198.18.0.9");
  rule.frontendPort = 80;
  rule.backendPort = 8080;
  rule.backends = {BackendSpec{"vmb", ip("10.0.1.7"), ip("100.64.17.3"), true}};
  f.rules = {rule};
  auto config = ForwardingConfig::build(f);
  REQUIRE(config);
  MuxForwarder mux(MuxOptions{.underlayAddress = ip("100.64.4.1")}, *config);
  auto pass = [&](const std::string& src, std::uint16_t port, std::uint8_t flags) {
    PacketBuf b;
    REQUIRE(b.assign(PacketBuilder().ipv4({.src = src, .dst = "198.18.0.9"}).tcp({.src = port, .dst = 80, .flags = flags}).build()));
    REQUIRE_FALSE(mux.process(b, kNow).isDrop());
    return mux.takeRedirects();
  };
  CHECK_FALSE(pass("198.18.0.5", 1030, tcpflags::kSyn));
  const auto r = pass("198.18.0.5", 1030, tcpflags::kAck);
  REQUIRE(r);
  CHECK(r->toClientHost == kVmPa);
  CHECK(r->forClientHost.peer == ip("100.64.17.3"));
  CHECK(r->forClientHost.flow == FlowKey{kPublic, ip("198.18.0.9"), 1030, 80, 6});
  CHECK(r->toBackendHost == ip("100.64.17.3"));
  CHECK(r->forBackendHost.peer == kVmPa);
  CHECK(r->forBackendHost.flow == r->forClientHost.flow.reversed());
  CHECK_FALSE(pass("198.18.0.5", 1030, tcpflags::kAck));  // once
  // A client that is not one of our SNAT ports (the internet, your shell) gets no Fastpath.
  CHECK_FALSE(pass("198.19.0.10", 5555, tcpflags::kSyn));
  CHECK_FALSE(pass("198.19.0.10", 5555, tcpflags::kAck));
  // Off: never.
  f.fastpath = false;
  mux.setConfig(*ForwardingConfig::build(f));
  CHECK_FALSE(pass("198.18.0.5", 1031, tcpflags::kSyn));
  CHECK_FALSE(pass("198.18.0.5", 1031, tcpflags::kAck));
}
