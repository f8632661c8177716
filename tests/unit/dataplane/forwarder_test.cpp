#include "emulator/dataplane/forwarder.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "tests/fixtures/packets/golden_cases.h"
#include "tests/support/golden_check.h"
#include "tests/unit/dataplane/packet_builder.h"
#include "tests/unit/dataplane/printers.h"

using namespace azlb::dataplane;
using namespace azlb::testing;
namespace golden = azlb::testing::golden;

namespace {

constexpr Nanos kNow{1'000'000'000'000};

std::shared_ptr<const ForwardingConfig> buildConfig(const ForwardingConfigSpec& spec) {
  auto config = ForwardingConfig::build(spec);
  if (!config) FAIL(config.error().message());
  return *config;
}

MuxOptions goldenMuxOptions() {
  return MuxOptions{.underlayAddress = golden::ip(golden::kMux),
                    .flowCapacity = 4096,
                    .firstIpId = golden::kFirstIpId};
}

Bytes bytesOf(const PacketBuf& buf) { return Bytes(buf.data().begin(), buf.data().end()); }

Bytes clientSyn(std::uint16_t srcPort, const std::string& client = golden::kClient,
                std::uint16_t dstPort = 80) {
  return PacketBuilder()
      .ipv4({.src = client, .dst = golden::kFrontend})
      .tcp({.src = srcPort, .dst = dstPort})
      .build();
}

// Runs one packet through the MUX and returns the verdict.
Verdict muxPacket(MuxForwarder& mux, const Bytes& packet, Nanos now = kNow) {
  PacketBuf buf;
  REQUIRE(buf.assign(packet));
  return mux.process(buf, now);
}

}  // namespace

TEST_CASE("golden packet table runs through the MUX and host forwarders", "[dataplane][golden]") {
  const auto config = buildConfig(golden::worldSpec());
  MuxForwarder mux(goldenMuxOptions(), config);
  HostForwarder host(HostOptions{.flowCapacity = 4096}, config);

  for (const golden::GoldenCase& c : golden::cases()) {
    INFO("case: " << c.name);
    golden::requireWellFormed(c);
    PacketBuf buf;
    REQUIRE(buf.assign(c.input));
    Verdict verdict;
    switch (c.stage) {
      case golden::Stage::Mux:
        verdict = mux.process(buf, kNow);
        break;
      case golden::Stage::HostInbound:
        verdict = host.processInbound(buf, kNow);
        break;
      case golden::Stage::HostOutbound:
        verdict = host.processOutbound(buf, kNow);
        break;
    }
    golden::checkOutcome(c, verdict, bytesOf(buf));
  }
}

TEST_CASE("golden table cases have distinct names that read as sentences", "[dataplane][golden]") {
  std::set<std::string> names;
  for (const auto& c : golden::cases()) {
    CHECK(names.insert(c.name).second);
    CHECK(c.name.find(' ') != std::string::npos);
  }
}

TEST_CASE("a client's packet crosses MUX, host and backend reply end to end", "[dataplane]") {
  const auto config = buildConfig(golden::worldSpec());
  MuxForwarder mux(goldenMuxOptions(), config);
  HostForwarder host(HostOptions{}, config);
  {
    // The connection's SYN first: only a SYN starts a flow at the host agent.
    PacketBuf syn;
    REQUIRE(syn.assign(clientSyn(41000)));
    REQUIRE(mux.process(syn, kNow).isForward());
    REQUIRE(host.processInbound(syn, kNow).isForward());
  }

  const Tcp request{.src = 41000, .dst = 80, .seq = 7, .flags = tcpflags::kPsh | tcpflags::kAck};
  PacketBuf buf;
  REQUIRE(buf.assign(PacketBuilder()
                         .ipv4({.src = golden::kClient, .dst = golden::kFrontend})
                         .tcp(request)
                         .payload("GET / HTTP/1.1\r\n\r\n")
                         .build()));
  const Verdict atMux = mux.process(buf, kNow);
  REQUIRE(atMux.isForward());
  CHECK(checkChecksums(bytesOf(buf)) == "");

  // The packet as the MUX wrote it is what the host agent reads.
  const Verdict atHost = host.processInbound(buf, kNow);
  REQUIRE(atHost.isForward());
  CHECK(atHost.egress == Egress::Backend);
  const std::string backend = atHost.nextHop.toString();
  CHECK(bytesOf(buf) == PacketBuilder()
                            .ipv4({.src = golden::kClient, .dst = backend})
                            .tcp({.src = 41000, .dst = 8080, .seq = 7, .flags = request.flags})
                            .payload("GET / HTTP/1.1\r\n\r\n")
                            .build());

  const Tcp response{
      .src = 8080, .dst = 41000, .seq = 900, .ack = 25, .flags = tcpflags::kPsh | tcpflags::kAck};
  REQUIRE(buf.assign(PacketBuilder()
                         .ipv4({.src = backend, .dst = golden::kClient})
                         .tcp(response)
                         .payload("HTTP/1.1 200 OK\r\n\r\n")
                         .build()));
  const Verdict back = host.processOutbound(buf, kNow);
  CHECK(back == Verdict::forward(Egress::Underlay, golden::ip(golden::kClient)));
  Tcp fromFrontend = response;
  fromFrontend.src = 80;
  CHECK(bytesOf(buf) == PacketBuilder()
                            .ipv4({.src = golden::kFrontend, .dst = golden::kClient})
                            .tcp(fromFrontend)
                            .payload("HTTP/1.1 200 OK\r\n\r\n")
                            .build());
}

TEST_CASE("malformed packets are dropped and counted per reason", "[dataplane]") {
  const auto config = buildConfig(golden::worldSpec());
  MuxForwarder mux(goldenMuxOptions(), config);
  const Ipv4 good{.src = golden::kClient, .dst = golden::kFrontend};
  const Tcp syn{.src = 40000, .dst = 80};

  auto tcpPacket = [&](Ipv4 h) { return PacketBuilder().ipv4(h).tcp(syn).build(); };
  Bytes truncated = tcpPacket(good);
  truncated.resize(19);
  Bytes badVersion = tcpPacket(good);
  badVersion[0] = 0x65;  // version 6 with the checksum left as it was: version is checked first
  Ipv4 badIhlHeader = good;
  badIhlHeader.ihl = 4;
  Ipv4 longTotal = good;
  longTotal.totalLength = 200;
  Ipv4 fragment = good;
  fragment.df = false;
  fragment.fragmentOffset = 185;
  Ipv4 badChecksum = good;
  badChecksum.checksum = 0x1234;
  Bytes shortTcp = PacketBuilder().ipv4(good).payload(Bytes(10, 0)).build();
  shortTcp[9] = 6;  // claims TCP, carries 10 bytes
  shortTcp[10] = 0;
  shortTcp[11] = 0;
  const std::uint16_t sum =
      static_cast<std::uint16_t>(referenceChecksum(Bytes(shortTcp.begin(), shortTcp.begin() + 20)));
  shortTcp[10] = static_cast<std::uint8_t>(sum >> 8);
  shortTcp[11] = static_cast<std::uint8_t>(sum);

  struct Malformed {
    std::string name;
    Bytes packet;
    DropReason reason;
  };
  const std::vector<Malformed> table = {
      {"19 bytes is shorter than an ipv4 header", truncated, DropReason::Truncated},
      {"a tcp header cut short is truncated", shortTcp, DropReason::Truncated},
      {"ip version 6 is a bad version", badVersion, DropReason::BadVersion},
      {"ihl 4 is a bad ihl", tcpPacket(badIhlHeader), DropReason::BadIhl},
      {"total length beyond the buffer is a bad total length", tcpPacket(longTotal),
       DropReason::BadTotalLength},
      {"a wrong header checksum is a bad checksum", tcpPacket(badChecksum),
       DropReason::BadChecksum},
      {"a non-first fragment is a fragment", tcpPacket(fragment), DropReason::Fragment},
      {"a tcp packet to a port without a rule is an unknown frontend",
       clientSyn(40001, golden::kClient, 81), DropReason::UnknownFrontend},
      {"a tcp packet to an address without a rule is an unknown frontend",
       PacketBuilder().ipv4({.src = golden::kClient, .dst = "198.18.9.9"}).tcp(syn).build(),
       DropReason::UnknownFrontend},
      {"an empty packet is truncated", Bytes{}, DropReason::Truncated},
  };

  std::map<DropReason, std::uint64_t> expected;
  std::uint64_t bytes = 0;
  for (const Malformed& m : table) {
    INFO(m.name);
    CHECK(muxPacket(mux, m.packet) == Verdict::drop(m.reason));
    ++expected[m.reason];
    bytes += m.packet.size();
  }
  for (std::size_t i = 0; i < kDropReasonCount; ++i) {
    const auto reason = static_cast<DropReason>(i);
    INFO(dropReasonName(reason));
    CHECK(mux.counters().dropped(reason) == expected[reason]);
  }
  CHECK(mux.counters().rxPackets.value() == table.size());
  CHECK(mux.counters().rxBytes.value() == bytes);
  CHECK(mux.counters().txPackets.value() == 0);
  CHECK(mux.counters().droppedTotal() == table.size());
  CHECK(mux.flowCount() == 0);
}

TEST_CASE("forwarded packets and bytes are counted", "[dataplane]") {
  const auto config = buildConfig(golden::worldSpec());
  MuxForwarder mux(goldenMuxOptions(), config);
  const Bytes syn = clientSyn(40000);
  REQUIRE(muxPacket(mux, syn).isForward());
  REQUIRE(muxPacket(mux, syn).isForward());
  CHECK(mux.counters().rxPackets.value() == 2);
  CHECK(mux.counters().rxBytes.value() == 2 * syn.size());
  CHECK(mux.counters().txPackets.value() == 2);
  CHECK(mux.counters().txBytes.value() == 2 * (syn.size() + 20));
  CHECK(mux.counters().flowMisses.value() == 1);
  CHECK(mux.counters().flowHits.value() == 1);
  CHECK(mux.flowCounters().inserts.value() == 1);
}

TEST_CASE("link padding past the ipv4 total length is not encapsulated", "[dataplane]") {
  const auto config = buildConfig(golden::worldSpec());
  MuxForwarder mux(goldenMuxOptions(), config);
  Bytes padded = clientSyn(40000);
  const std::size_t original = padded.size();
  padded.insert(padded.end(), 6, 0xEE);
  PacketBuf buf;
  REQUIRE(buf.assign(padded));
  REQUIRE(mux.process(buf, kNow).isForward());
  CHECK(buf.size() == original + 20);
}

TEST_CASE("two MUXes built from the same snapshot pick the same backend for every flow",
          "[dataplane]") {
  // Independent builds, as in two MUX processes receiving the same snapshot.
  MuxForwarder first(goldenMuxOptions(), buildConfig(golden::worldSpec()));
  MuxForwarder second(goldenMuxOptions(), buildConfig(golden::worldSpec()));
  std::set<std::uint32_t> hosts;
  for (std::uint16_t port = 1024; port < 1524; ++port) {
    const Verdict a = muxPacket(first, clientSyn(port));
    const Verdict b = muxPacket(second, clientSyn(port));
    REQUIRE(a.isForward());
    REQUIRE(a == b);
    hosts.insert(a.nextHop.value);
  }
  CHECK(hosts.size() == 3);  // 500 flows over 3 backends reach all of them
}

TEST_CASE("source ip distribution sends every port of one client to one backend", "[dataplane]") {
  auto spec = golden::worldSpec();
  auto modeFor = [&](LoadDistribution mode) {
    spec.rules[0].loadDistribution = mode;
    MuxForwarder mux(goldenMuxOptions(), buildConfig(spec));
    std::map<std::string, std::set<std::uint32_t>> hostsPerClient;
    for (int client = 1; client <= 20; ++client) {
      const std::string src = "198.19.1." + std::to_string(client);
      for (std::uint16_t port = 2000; port < 2020; ++port) {
        const Verdict v = muxPacket(mux, clientSyn(port, src));
        REQUIRE(v.isForward());
        hostsPerClient[src].insert(v.nextHop.value);
      }
    }
    return hostsPerClient;
  };

  std::set<std::uint32_t> allHosts;
  for (const auto& [client, hosts] : modeFor(LoadDistribution::SourceIP)) {
    INFO(client);
    CHECK(hosts.size() == 1);
    allHosts.insert(hosts.begin(), hosts.end());
  }
  CHECK(allHosts.size() > 1);  // different clients still spread

  std::size_t spread = 0;
  for (const auto& [client, hosts] : modeFor(LoadDistribution::Default)) spread += hosts.size();
  CHECK(spread > 20);  // five-tuple: ports of one client spread over backends
}

TEST_CASE("flows stay on their backend across snapshot swaps while it remains in the rule",
          "[dataplane]") {
  auto spec = golden::worldSpec();
  MuxForwarder mux(goldenMuxOptions(), buildConfig(spec));
  std::map<std::uint16_t, std::uint32_t> before;
  for (std::uint16_t port = 3000; port < 3300; ++port) {
    const Verdict v = muxPacket(mux, clientSyn(port));
    REQUIRE(v.isForward());
    before[port] = v.nextHop.value;
  }
  const std::uint32_t vmB = golden::ip(golden::kVmBUnderlay).value;

  SECTION("a backend going unhealthy keeps its flows but gets no new ones") {
    spec.rules[0].backends = {golden::vmA(), golden::vmB(/*healthy=*/false), golden::vmC()};
    mux.setConfig(buildConfig(spec));
    for (const auto& [port, hostIp] : before) {
      INFO("port " << port);
      CHECK(muxPacket(mux, clientSyn(port)).nextHop.value == hostIp);
    }
    for (std::uint16_t port = 5000; port < 5300; ++port) {
      const Verdict v = muxPacket(mux, clientSyn(port));
      REQUIRE(v.isForward());
      CHECK(v.nextHop.value != vmB);
    }
  }

  SECTION("every backend down: Standard keeps established TCP flows, Basic drops them") {
    spec.rules[0].backends = {golden::vmA(false), golden::vmB(false), golden::vmC(false)};
    mux.setConfig(buildConfig(spec));
    for (const auto& [port, hostIp] : before) CHECK(muxPacket(mux, clientSyn(port)).nextHop.value == hostIp);
    CHECK(muxPacket(mux, clientSyn(6000)) == Verdict::drop(DropReason::NoHealthyBackend));
    spec.rules[0].keepTcpFlowsWhenAllDown = false;  // Basic
    mux.setConfig(buildConfig(spec));
    for (const auto& [port, hostIp] : before) {
      CHECK(muxPacket(mux, clientSyn(port)) == Verdict::drop(DropReason::NoHealthyBackend));
    }
  }

  SECTION("a backend removed from the pool has its flows moved, the others stay") {
    spec.rules[0].backends = {golden::vmA(), golden::vmC()};
    mux.setConfig(buildConfig(spec));
    for (const auto& [port, hostIp] : before) {
      INFO("port " << port);
      const Verdict v = muxPacket(mux, clientSyn(port));
      REQUIRE(v.isForward());
      if (hostIp == vmB) {
        CHECK(v.nextHop.value != vmB);
      } else {
        CHECK(v.nextHop.value == hostIp);
      }
    }
  }

  SECTION("a backend added to the pool leaves existing flows where they are") {
    spec.rules[0].backends = {golden::vmA(),
                              golden::vmB(),
                              golden::vmC(),
                              {.id = "vm-d/nic0/ipconfig1",
                               .ip = golden::ip("10.0.1.7"),
                               .hostIp = golden::ip("100.64.2.7")}};
    mux.setConfig(buildConfig(spec));
    for (const auto& [port, hostIp] : before) {
      CHECK(muxPacket(mux, clientSyn(port)).nextHop.value == hostIp);
    }
  }
}

TEST_CASE("udp flows leave a backend that goes down; the others stay", "[dataplane]") {
  auto spec = golden::worldSpec();
  RuleSpec udp = spec.rules[0];
  udp.name = "udp";
  udp.protocol = RuleProtocol::Udp;
  udp.frontendPort = 5353;
  udp.backendPort = 5353;
  spec.rules.push_back(udp);
  MuxForwarder mux(goldenMuxOptions(), buildConfig(spec));
  auto datagram = [](std::uint16_t port) {
    return PacketBuilder()
        .ipv4({.src = golden::kClient, .dst = golden::kFrontend})
        .udp({.src = port, .dst = 5353})
        .payload("q")
        .build();
  };
  std::map<std::uint16_t, std::uint32_t> before;
  for (std::uint16_t port = 3000; port < 3300; ++port) before[port] = muxPacket(mux, datagram(port)).nextHop.value;
  const std::uint32_t vmB = golden::ip(golden::kVmBUnderlay).value;
  spec.rules.back().backends = {golden::vmA(), golden::vmB(/*healthy=*/false), golden::vmC()};
  mux.setConfig(buildConfig(spec));
  int moved = 0;
  for (const auto& [port, hostIp] : before) {
    const Verdict v = muxPacket(mux, datagram(port));
    REQUIRE(v.isForward());
    CHECK(v.nextHop.value != vmB);
    if (hostIp == vmB) ++moved; else CHECK(v.nextHop.value == hostIp);
  }
  CHECK(moved > 0);
  // All down: UDP flows end.
  spec.rules.back().backends = {golden::vmA(false), golden::vmB(false), golden::vmC(false)};
  mux.setConfig(buildConfig(spec));
  CHECK(muxPacket(mux, datagram(3000)) == Verdict::drop(DropReason::NoHealthyBackend));
}

TEST_CASE("an idle mux flow expires after the rule's idle timeout", "[dataplane]") {
  auto spec = golden::worldSpec();
  spec.rules[0].idleTimeout = std::chrono::minutes(4);
  MuxForwarder mux(goldenMuxOptions(), buildConfig(spec));
  const Nanos t0{0};
  REQUIRE(muxPacket(mux, clientSyn(40000), t0).isForward());
  REQUIRE(muxPacket(mux, clientSyn(40000), t0 + std::chrono::minutes(3)).isForward());
  CHECK(mux.counters().flowHits.value() == 1);
  // Idle 3 minutes 59 seconds since the last packet: still alive.
  REQUIRE(muxPacket(mux, clientSyn(40000), t0 + std::chrono::seconds(419)).isForward());
  CHECK(mux.counters().flowHits.value() == 2);
  // Idle exactly 4 minutes: expired, the next packet starts a new flow.
  REQUIRE(muxPacket(mux, clientSyn(40000), t0 + std::chrono::seconds(419 + 240)).isForward());
  CHECK(mux.flowCounters().expired.value() == 1);
  CHECK(mux.counters().flowMisses.value() == 2);

  CHECK(mux.expireFlows(t0 + std::chrono::hours(1), 100) == 1);
  CHECK(mux.flowCount() == 0);
}

TEST_CASE("pinnedBackend names a live flow's backend without refreshing it (azlb trace)", "[dataplane]") {
  auto spec = golden::worldSpec();
  spec.rules[0].idleTimeout = std::chrono::minutes(4);
  MuxForwarder mux(goldenMuxOptions(), buildConfig(spec));
  const Nanos t0{0};
  const FlowKey key{golden::ip(golden::kClient), golden::ip(golden::kFrontend), 40000, 80, 6};
  CHECK_FALSE(mux.pinnedBackend(key, t0));
  const Verdict v = muxPacket(mux, clientSyn(40000), t0);
  REQUIRE(v.isForward());
  const auto pinned = mux.pinnedBackend(key, t0 + std::chrono::minutes(3));
  REQUIRE(pinned);
  const auto& backends = mux.config().rules()[0].backends;
  const std::uint32_t index = mux.config().rules()[0].findBackend(*pinned);
  REQUIRE(index < backends.size());
  CHECK(backends[index].hostIp.value == v.nextHop.value);
  CHECK_FALSE(mux.pinnedBackend({key.srcIp, key.dstIp, 40001, 80, 6}, t0));
  // Asking is not a packet: the flow still expires 4 minutes after its last packet.
  CHECK_FALSE(mux.pinnedBackend(key, t0 + std::chrono::minutes(4)));
  CHECK(mux.counters().flowHits.value() == 0);
}

TEST_CASE("the host agent forgets a reverse flow after its idle timeout", "[dataplane]") {
  const auto config = buildConfig(golden::worldSpec());
  HostForwarder host(HostOptions{}, config);
  const Bytes inbound = PacketBuilder()
                            .ipv4(golden::muxOuter(golden::kVmCUnderlay))
                            .ipv4({.src = golden::kClient, .dst = golden::kFrontend})
                            .udp({.src = 40001, .dst = 53})
                            .build();
  const Bytes reply = PacketBuilder()
                          .ipv4({.src = golden::kVmC, .dst = golden::kClient})
                          .udp({.src = 5353, .dst = 40001})
                          .build();
  PacketBuf buf;
  REQUIRE(buf.assign(inbound));
  REQUIRE(host.processInbound(buf, Nanos{0}).isForward());
  REQUIRE(buf.assign(reply));
  CHECK(host.processOutbound(buf, std::chrono::minutes(3)).isForward());
  REQUIRE(buf.assign(reply));
  CHECK(host.processOutbound(buf, std::chrono::minutes(7)) ==
        Verdict::drop(DropReason::NoReverseFlow));
  CHECK(host.counters().dropped(DropReason::NoReverseFlow) == 1);
}

TEST_CASE("encapsulation needs headroom and must fit the underlay mtu", "[dataplane]") {
  const auto config = buildConfig(golden::worldSpec());
  const Bytes syn = clientSyn(40000);

  SECTION("no headroom") {
    MuxForwarder mux(goldenMuxOptions(), config);
    PacketBuf buf(2048, /*headroom=*/8);
    REQUIRE(buf.assign(syn));
    CHECK(mux.process(buf, kNow) == Verdict::drop(DropReason::NoHeadroom));
    CHECK(mux.counters().dropped(DropReason::NoHeadroom) == 1);
  }
  SECTION("outer packet larger than the underlay mtu") {
    MuxOptions options = goldenMuxOptions();
    options.underlayMtu = syn.size() + 19;
    MuxForwarder mux(options, config);
    CHECK(muxPacket(mux, syn) == Verdict::drop(DropReason::TooBig));
    options.underlayMtu = syn.size() + 20;
    MuxForwarder roomy(options, config);
    CHECK(muxPacket(roomy, syn).isForward());
  }
}

TEST_CASE("a forwarder without a snapshot drops every packet as unknown frontend", "[dataplane]") {
  MuxForwarder mux(goldenMuxOptions(), nullptr);
  CHECK(muxPacket(mux, clientSyn(40000)) == Verdict::drop(DropReason::UnknownFrontend));
  HostForwarder host(HostOptions{}, nullptr);
  PacketBuf buf;
  REQUIRE(buf.assign(PacketBuilder()
                         .ipv4(golden::muxOuter(golden::kVmAUnderlay))
                         .ipv4({.src = golden::kClient, .dst = golden::kFrontend})
                         .tcp({.src = 1, .dst = 80})
                         .build()));
  CHECK(host.processInbound(buf, kNow) == Verdict::drop(DropReason::UnknownBackend));
}

TEST_CASE("forwarding config rejects what a host agent or MUX could not forward", "[dataplane]") {
  auto expectError = [](const ForwardingConfigSpec& spec, const std::string& fragment) {
    const auto config = ForwardingConfig::build(spec);
    REQUIRE_FALSE(config);
    INFO(config.error().message());
    CHECK(config.error().message().find(fragment) != std::string::npos);
  };
  auto spec = golden::worldSpec();

  SECTION("two rules on one frontend ip, protocol and port") {
    spec.rules.push_back(spec.rules[0]);
    spec.rules.back().name = "http-again";
    expectError(spec, "both use frontend 198.18.0.10 Tcp 80");
  }
  SECTION("an inbound nat rule with two backends") {
    spec.rules[3].backends.push_back(golden::vmB());
    expectError(spec, "exactly one backend");
  }
  SECTION("two backends of one rule behind one underlay address") {
    auto twin = golden::vmB();
    twin.hostIp = golden::ip(golden::kVmAUnderlay);
    spec.rules[0].backends = {golden::vmA(), twin};
    expectError(spec, "share underlay address 100.64.1.4");
  }
  SECTION("the same backend id twice") {
    spec.rules[0].backends = {golden::vmA(), golden::vmA()};
    expectError(spec, "duplicate backend id");
  }
  SECTION("ha ports with a port") {
    spec.rules[5].frontendPort = 80;
    expectError(spec, "HA ports");
  }
  SECTION("tcp with port 0") {
    spec.rules[0].backendPort = 0;
    expectError(spec, "ports between 1 and 65535");
  }
  SECTION("zero idle timeout") {
    spec.rules[0].idleTimeout = std::chrono::minutes(0);
    expectError(spec, "idle timeout");
  }
  SECTION("a table size that is not prime") {
    spec.maglevTableSize = 65536;
    expectError(spec, "must be a prime");
  }
}

TEST_CASE("rules with the same backend set share one maglev table", "[dataplane]") {
  auto spec = golden::worldSpec();
  spec.rules[1].backends = spec.rules[0].backends;
  std::reverse(spec.rules[1].backends.begin(), spec.rules[1].backends.end());
  const auto config = buildConfig(spec);
  CHECK(config->rules()[0].maglev == config->rules()[1].maglev);
  CHECK(config->rules()[0].maglev != config->rules()[4].maglev);
  CHECK(config->rules()[3].maglev == nullptr);  // inbound NAT rule
}
