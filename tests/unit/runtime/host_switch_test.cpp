// HostSwitch and HostPlan: which TUN each packet of a host agent leaves by (load-balanced
// inbound, DSR replies, VM-to-VM within a VNet across hosts) and what is dropped and why,
// including overlapping VNets. Pure: packets from PacketBuilder, time as a number.
#include "emulator/runtime/host_switch.h"

#include <catch2/catch.hpp>

#include <functional>
#include <set>
#include <string>

#include "emulator/dataplane/forwarder.h"
#include "emulator/dataplane/packet.h"
#include "tests/unit/dataplane/packet_builder.h"

using namespace azlb::runtime;
using azlb::dataplane::DropReason;
using azlb::dataplane::Ipv4Address;
using azlb::dataplane::Nanos;
using azlb::dataplane::PacketBuf;
using azlb::dataplane::PacketView;
using azlb::testing::Bytes;
using azlb::testing::PacketBuilder;

namespace {

constexpr Nanos kNow{5'000'000'000};
constexpr const char* kVnet1 = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/one";
constexpr const char* kVnet2 = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/two";

Ipv4Address ip(const char* text) {
  auto a = Ipv4Address::parse(text);
  REQUIRE(a);
  return *a;
}

// Two hosts. VNet one: A and B on host 0, C on host 1. VNet two (same 10.0.0.0/24): D on
// host 1 with B's address. Rule web: 198.18.0.10:80 -> A, B, C :8080.
Snapshot twoHosts(std::uint32_t host) {
  Snapshot s;
  s.version = 3;
  s.forwarding.version = 3;
  azlb::dataplane::RuleSpec web{.name = "web", .frontendIp = ip("198.18.0.10"), .frontendPort = 80,
                                .backendPort = 8080};
  web.backends = {{.id = "a", .ip = ip("10.0.0.4"), .hostIp = ip("100.64.16.1")},
                  {.id = "b", .ip = ip("10.0.0.5"), .hostIp = ip("100.64.16.2")},
                  {.id = "c", .ip = ip("10.0.0.6"), .hostIp = ip("100.64.17.1")}};
  s.forwarding.rules = {web};
  s.muxUnderlays = {ip("100.64.4.1")};
  s.vms = {{.id = "a", .vnet = kVnet1, .ip = ip("10.0.0.4"), .underlay = ip("100.64.16.1"), .host = 0, .hostNamespace = "h0v1", .link = {}, .mac = {}},
           {.id = "b", .vnet = kVnet1, .ip = ip("10.0.0.5"), .underlay = ip("100.64.16.2"), .host = 0, .hostNamespace = "h0v1", .link = {}, .mac = {}},
           {.id = "c", .vnet = kVnet1, .ip = ip("10.0.0.6"), .underlay = ip("100.64.17.1"), .host = 1, .hostNamespace = "h1v1", .link = {}, .mac = {}},
           {.id = "d", .vnet = kVnet2, .ip = ip("10.0.0.5"), .underlay = ip("100.64.17.2"), .host = 1, .hostNamespace = "h1v2", .link = {}, .mac = {}}};
  s.host.index = host;
  if (host == 0) {
    s.host.underlayRange = "100.64.16.0/24";
    s.host.vnetNamespaces = {{.name = "h0v1", .vnet = kVnet1, .tun = "tun-h0v1"}};
  } else {
    s.host.underlayRange = "100.64.17.0/24";
    s.host.vnetNamespaces = {{.name = "h1v1", .vnet = kVnet1, .tun = "tun-h1v1"},
                             {.name = "h1v2", .vnet = kVnet2, .tun = "tun-h1v2"}};
  }
  return s;
}

std::shared_ptr<const HostPlan> planFor(const Snapshot& s) {
  auto plan = HostPlan::build(s, s.host.index);
  if (!plan) FAIL(plan.error().message());
  return *plan;
}

struct Agent {
  explicit Agent(std::uint32_t host)
      : sw(HostSwitchOptions{.flowCapacity = 1024}, planFor(twoHosts(host))) {}
  HostSwitch sw;
};

PacketBuf bufferOf(const Bytes& bytes) {
  PacketBuf buf(2048);
  REQUIRE(buf.assign(bytes));
  return buf;
}

Bytes bytesOf(const PacketBuf& buf) { return Bytes(buf.data().begin(), buf.data().end()); }

Bytes tcp(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport,
          std::uint8_t flags = azlb::testing::tcpflags::kSyn) {
  return PacketBuilder().ipv4({.src = src, .dst = dst}).tcp({.src = sport, .dst = dport, .flags = flags}).build();
}

Bytes ipip(const char* outerSrc, const char* outerDst, const char* src, std::uint16_t sport,
           const char* dst, std::uint16_t dport) {
  return PacketBuilder()
      .ipv4({.src = outerSrc, .dst = outerDst})
      .ipv4({.src = src, .dst = dst})
      .tcp({.src = sport, .dst = dport})
      .build();
}

PacketView view(PacketBuf& buf) {
  auto v = PacketView::parse(buf.data());
  REQUIRE(v);
  return *v;
}

}  // namespace

TEST_CASE("a MUX's packet is decapsulated, DNATed and sent to the backend's namespace", "[runtime][host-switch]") {
  Agent host0(0);
  auto buf = bufferOf(ipip("100.64.4.1", "100.64.16.2", "198.19.1.2", 40000, "198.18.0.10", 80));
  CHECK(host0.sw.process(kHostPort, buf, kNow) == 1);
  auto v = view(buf);
  CHECK(v.src() == ip("198.19.1.2"));
  CHECK(v.dst() == ip("10.0.0.5"));  // B, from the outer destination
  CHECK(v.dstPort() == 8080);
  CHECK(azlb::testing::checkChecksums(bytesOf(buf)).empty());
  CHECK(host0.sw.counters().lbInbound.value() == 1);

  SECTION("and the backend's reply goes straight to the router with the frontend as source") {
    auto reply = bufferOf(tcp("10.0.0.5", 8080, "198.19.1.2", 40000,
                              azlb::testing::tcpflags::kSyn | azlb::testing::tcpflags::kAck));
    CHECK(host0.sw.process(1, reply, kNow) == kHostPort);
    auto r = view(reply);
    CHECK(r.src() == ip("198.18.0.10"));
    CHECK(r.srcPort() == 80);
    CHECK(r.dst() == ip("198.19.1.2"));
    CHECK(azlb::testing::checkChecksums(bytesOf(reply)).empty());
    CHECK(host0.sw.counters().dsrOutbound.value() == 1);
  }
}

TEST_CASE("a client's packet crosses the real MuxForwarder and the host switch of the chosen host", "[runtime][host-switch]") {
  const Snapshot s0 = twoHosts(0);
  auto config = azlb::dataplane::ForwardingConfig::build(s0.forwarding);
  REQUIRE(config);
  azlb::dataplane::MuxForwarder mux(
      azlb::dataplane::MuxOptions{.underlayAddress = ip("100.64.4.1"), .flowCapacity = 1024}, *config);
  Agent host0(0);
  Agent host1(1);
  int delivered = 0;
  for (std::uint16_t port = 40000; port < 40060; ++port) {
    auto buf = bufferOf(tcp("198.19.1.2", port, "198.18.0.10", 80));
    REQUIRE(mux.process(buf, kNow).isForward());
    const auto outerDst = view(buf).dst();
    Agent& host = outerDst.value >> 8U == ip("100.64.16.0").value >> 8U ? host0 : host1;
    const std::uint32_t out = host.sw.process(kHostPort, buf, kNow);
    CHECK(out == 1);  // VNet one's namespace on either host
    CHECK(view(buf).dstPort() == 8080);
    delivered += out == 1;
  }
  CHECK(delivered == 60);
  CHECK(host0.sw.counters().lbInbound.value() > 0);
  CHECK(host1.sw.counters().lbInbound.value() > 0);
}

TEST_CASE("VM to VM of one VNet on one host goes back into the same namespace", "[runtime][host-switch]") {
  Agent host0(0);
  auto buf = bufferOf(tcp("10.0.0.4", 33000, "10.0.0.5", 8080));
  const Bytes packet = bytesOf(buf);
  CHECK(host0.sw.process(1, buf, kNow) == 1);  // the kernel there routes it to B's link
  CHECK(bytesOf(buf) == packet);
  CHECK(host0.sw.counters().vnetLocal.value() == 1);
}

TEST_CASE("VM to VM of one VNet across hosts is IP-in-IP between the two VMs' PAs", "[runtime][host-switch]") {
  Agent host0(0);
  Agent host1(1);
  auto buf = bufferOf(tcp("10.0.0.4", 33000, "10.0.0.6", 8080));
  const Bytes inner = bytesOf(buf);
  REQUIRE(host0.sw.process(1, buf, kNow) == kHostPort);
  auto outer = view(buf);
  CHECK(outer.protocol() == azlb::dataplane::IpProtocol::IpInIp);
  CHECK(outer.src() == ip("100.64.16.1"));  // A's PA
  CHECK(outer.dst() == ip("100.64.17.1"));  // C's PA
  CHECK(azlb::testing::checkChecksums(bytesOf(buf)).empty());
  CHECK(host0.sw.counters().vnetEncap.value() == 1);

  CHECK(host1.sw.process(kHostPort, buf, kNow) == 1);  // h1v1, not D's h1v2
  CHECK(bytesOf(buf) == inner);
  CHECK(host1.sw.counters().vnetDecap.value() == 1);
}

TEST_CASE("overlapping VNets do not reach each other", "[runtime][host-switch]") {
  Agent host0(0);
  Agent host1(1);

  SECTION("D (VNet two) sending to C's or A's address matches no VM of its VNet and no flow") {
    for (const char* dst : {"10.0.0.6", "10.0.0.4"}) {
      auto buf = bufferOf(tcp("10.0.0.5", 33000, dst, 8080));
      CHECK(host1.sw.process(2, buf, kNow) == kNoPort);
    }
    // Not its VNet's, so it would leave the VNet: D has no outbound connectivity.
    CHECK(host1.sw.snat().counters().dropped(DropReason::NoOutbound) == 2);
    CHECK(host1.sw.counters().vnetEncap.value() == 0);
  }

  SECTION("C sending to 10.0.0.5 reaches B in its own VNet, never D on its own host") {
    auto buf = bufferOf(tcp("10.0.0.6", 33000, "10.0.0.5", 8080));
    REQUIRE(host1.sw.process(1, buf, kNow) == kHostPort);
    CHECK(view(buf).dst() == ip("100.64.16.2"));  // B's PA on host 0
    CHECK(host0.sw.process(kHostPort, buf, kNow) == 1);
  }

  SECTION("an encapsulated packet from a VNet two PA to a VNet one PA is a VNet mismatch") {
    auto buf = bufferOf(ipip("100.64.17.2", "100.64.16.1", "10.0.0.5", 33000, "10.0.0.4", 8080));
    CHECK(host0.sw.process(kHostPort, buf, kNow) == kNoPort);
    CHECK(host0.sw.counters().hostDropped(HostDropReason::VnetMismatch) == 1);
  }
}

TEST_CASE("what the host switch drops, and why", "[runtime][host-switch]") {
  Agent host0(0);
  Agent host1(1);
  struct Case {
    const char* name;
    Agent& agent;
    std::uint32_t inPort;
    Bytes packet;
    std::function<std::uint64_t(const HostSwitch&)> counter;
  };
  auto hostDrop = [](HostDropReason r) {
    return [r](const HostSwitch& sw) { return sw.counters().hostDropped(r); };
  };
  auto switchDrop = [](DropReason r) {
    return [r](const HostSwitch& sw) {
      return sw.counters().drops[static_cast<std::size_t>(r)].value() +
             sw.forwarder().counters().dropped(r) + sw.snat().counters().dropped(r);
    };
  };
  const Case cases[] = {
      {"a plain packet on the underlay is not encapsulated", host0, kHostPort,
       tcp("198.19.1.2", 1, "100.64.16.1", 80), switchDrop(DropReason::NotEncapsulated)},
      {"an unknown outer source is dropped", host1, kHostPort,
       ipip("100.64.99.1", "100.64.17.1", "10.0.0.4", 1, "10.0.0.6", 8080),
       hostDrop(HostDropReason::UnknownUnderlaySource)},
      {"an outer destination that is no VM of this host is dropped", host1, kHostPort,
       ipip("100.64.4.1", "100.64.16.1", "198.19.1.2", 1, "198.18.0.10", 80),
       hostDrop(HostDropReason::UnknownUnderlayDestination)},
      {"a VM-to-VM packet whose inner source is not the VM behind the outer source is spoofed",
       host1, kHostPort, ipip("100.64.16.1", "100.64.17.1", "10.0.0.5", 1, "10.0.0.6", 8080),
       hostDrop(HostDropReason::SpoofedAddress)},
      {"a VM sending from an address that is not its own to another host is spoofed", host0, 1,
       tcp("10.0.0.9", 1, "10.0.0.6", 8080), hostDrop(HostDropReason::SpoofedAddress)},
      {"a VM claiming another host's VM address is spoofed", host0, 1,
       tcp("10.0.0.6", 1, "10.0.0.6", 8080), hostDrop(HostDropReason::SpoofedAddress)},
      {"a truncated packet from a VM is dropped", host0, 1, Bytes{0x45, 0x00, 0x00},
       switchDrop(DropReason::Truncated)},
      {"a VM without outbound connectivity sending to the internet is dropped", host0, 1,
       tcp("10.0.0.4", 1, "198.19.1.2", 80), switchDrop(DropReason::NoOutbound)},
      {"a MUX packet for no rule of the backend and no SNAT flow is dropped", host0, kHostPort,
       ipip("100.64.4.1", "100.64.16.1", "198.19.1.2", 1, "198.18.0.11", 80),
       switchDrop(DropReason::NoSnatMapping)},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const std::uint64_t before = c.counter(c.agent.sw);
    auto buf = bufferOf(c.packet);
    CHECK(c.agent.sw.process(c.inPort, buf, kNow) == kNoPort);
    CHECK(c.counter(c.agent.sw) == before + 1);
  }
}

TEST_CASE("reverse flows survive a plan swap", "[runtime][host-switch]") {
  Agent host0(0);
  auto in = bufferOf(ipip("100.64.4.1", "100.64.16.1", "198.19.1.2", 40000, "198.18.0.10", 80));
  REQUIRE(host0.sw.process(kHostPort, in, kNow) == 1);
  Snapshot next = twoHosts(0);
  next.version = 4;
  host0.sw.setPlan(planFor(next));
  CHECK(host0.sw.plan()->version() == 4);
  auto reply = bufferOf(tcp("10.0.0.4", 8080, "198.19.1.2", 40000, azlb::testing::tcpflags::kAck));
  CHECK(host0.sw.process(1, reply, kNow) == kHostPort);
  CHECK(view(reply).src() == ip("198.18.0.10"));
}

TEST_CASE("the empty plan drops everything", "[runtime][host-switch]") {
  HostSwitch sw(HostSwitchOptions{.flowCapacity = 16}, HostPlan::empty(0));
  CHECK(sw.plan()->portCount() == 1);
  auto buf = bufferOf(ipip("100.64.4.1", "100.64.16.1", "198.19.1.2", 1, "198.18.0.10", 80));
  CHECK(sw.process(kHostPort, buf, kNow) == kNoPort);
}

TEST_CASE("host plans reject inconsistent snapshots with a message naming the problem", "[runtime][host-switch]") {
  struct Case {
    const char* mentions;
    std::function<void(Snapshot&)> change;
  };
  const Case cases[] = {
      {"snapshot is for host 1, this agent serves host 0", [](Snapshot& s) { s.host.index = 1; }},
      {"underlayRange", [](Snapshot& s) { s.host.underlayRange = "100.64.16.0"; }},
      {"underlayRange", [](Snapshot& s) { s.host.underlayRange = "100.64.16/24"; }},
      {"is not in host.vnetNamespaces", [](Snapshot& s) { s.vms[0].hostNamespace = "elsewhere"; }},
      {"serves another vnet", [](Snapshot& s) { s.host.vnetNamespaces[0].vnet = kVnet2; }},
      {"share the underlay address 100.64.16.1", [](Snapshot& s) { s.vms[3].underlay = ip("100.64.16.1"); }},
      {"share the address 10.0.0.4", [](Snapshot& s) { s.vms[1].ip = ip("10.0.0.4"); }},
      {"is a MUX's address", [](Snapshot& s) { s.muxUnderlays.push_back(ip("100.64.17.1")); }},
      {"lists h0v1 twice", [](Snapshot& s) { s.host.vnetNamespaces.push_back({"h0v1", kVnet1, "other"}); }},
      {"longer than 15", [](Snapshot& s) { s.host.vnetNamespaces[0].tun = "a-very-long-tun-name"; }},
      {"empty name, tun or vnet", [](Snapshot& s) { s.host.vnetNamespaces[0].tun.clear(); }},
      {"idle", [](Snapshot& s) { s.forwarding.rules[0].idleTimeout = std::chrono::minutes(0); }},
  };
  for (const auto& c : cases) {
    Snapshot s = twoHosts(0);
    c.change(s);
    auto plan = HostPlan::build(s, 0);
    INFO(c.mentions);
    REQUIRE_FALSE(plan);
    INFO(plan.error().message());
    CHECK(plan.error().message().find(c.mentions) != std::string::npos);
  }
}

TEST_CASE("each VNet namespace has its own TUN: two namespaces of one host may both name theirs tun0",
          "[runtime][host-switch]") {
  Snapshot s = twoHosts(0);
  for (auto& ns : s.host.vnetNamespaces) ns.tun = "tun0";
  s.host.vnetNamespaces.push_back({"h0v9", kVnet2, "tun0"});
  auto plan = HostPlan::build(s, 0);
  INFO((plan ? std::string() : plan.error().message()));
  CHECK(plan);
}

TEST_CASE("a host plan indexes VMs by PA and by (VNet, address)", "[runtime][host-switch]") {
  auto plan = planFor(twoHosts(1));
  CHECK(plan->portCount() == 3);
  CHECK(plan->isMux(ip("100.64.4.1")));
  CHECK_FALSE(plan->isMux(ip("100.64.4.2")));
  const auto* d = plan->findByUnderlay(ip("100.64.17.2"));
  REQUIRE(d);
  CHECK(d->ip == ip("10.0.0.5"));
  CHECK(d->port == 2);
  const auto* b = plan->findByUnderlay(ip("100.64.16.2"));
  REQUIRE(b);
  CHECK(b->port == kNoPort);  // on host 0
  CHECK(plan->findInVnet(*plan->vnetOfPort(1), ip("10.0.0.5")) == b);
  CHECK(plan->findInVnet(*plan->vnetOfPort(2), ip("10.0.0.5")) == d);
  CHECK_FALSE(plan->vnetOfPort(kHostPort));
  CHECK_FALSE(plan->vnetOfPort(3));
}

TEST_CASE("an internal frontend is balanced by the client VM's own host agent, with replies from the frontend",
          "[runtime][host-switch][ilb]") {
  // twoHosts() plus an internal rule of VNet one: 10.0.0.100:80 -> B (host 0), C (host 1) :8080.
  auto withIlb = [](std::uint32_t host) {
    Snapshot s = twoHosts(host);
    azlb::dataplane::RuleSpec ilb{.name = "ilb", .frontendIp = ip("10.0.0.100"), .frontendPort = 80,
                                  .backendPort = 8080};
    ilb.vnet = kVnet1;
    ilb.backends = {{.id = "b", .ip = ip("10.0.0.5"), .hostIp = ip("100.64.16.2")},
                    {.id = "c", .ip = ip("10.0.0.6"), .hostIp = ip("100.64.17.1")}};
    s.forwarding.rules.push_back(ilb);
    return s;
  };
  HostSwitch host0(HostSwitchOptions{.flowCapacity = 1024}, planFor(withIlb(0)));
  HostSwitch host1(HostSwitchOptions{.flowCapacity = 1024}, planFor(withIlb(1)));
  std::set<std::string> backends;
  for (std::uint16_t port = 33000; port < 33040; ++port) {
    INFO("client port " << port);
    // A (host 0) -> frontend: its own agent picks the backend and sends it PA to PA.
    auto buf = bufferOf(tcp("10.0.0.4", port, "10.0.0.100", 80));
    REQUIRE(host0.process(1, buf, kNow) == kHostPort);
    const auto outer = view(buf);
    CHECK(outer.src() == ip("100.64.16.1"));  // A's PA, not a MUX
    HostSwitch& backendHost = outer.dst() == ip("100.64.16.2") ? host0 : host1;
    REQUIRE(backendHost.process(kHostPort, buf, kNow) == 1);
    const auto in = view(buf);
    CHECK(in.src() == ip("10.0.0.4"));
    CHECK(in.dstPort() == 8080);
    CHECK(azlb::testing::checkChecksums(bytesOf(buf)).empty());
    const std::string backend = in.dst().toString();
    backends.insert(backend);
    // The backend answers A: SNAT back to the frontend, PA to PA to A's host.
    auto reply = bufferOf(tcp(backend.c_str(), 8080, "10.0.0.4", port,
                              azlb::testing::tcpflags::kSyn | azlb::testing::tcpflags::kAck));
    if (&backendHost == &host0) {
      // Same host and VNet as the client: translated and handed straight back to the namespace.
      REQUIRE(host0.process(1, reply, kNow) == 1);
    } else {
      REQUIRE(backendHost.process(1, reply, kNow) == kHostPort);
      CHECK(view(reply).dst() == ip("100.64.16.1"));
      REQUIRE(host0.process(kHostPort, reply, kNow) == 1);
    }
    const auto r = view(reply);
    CHECK(r.src() == ip("10.0.0.100"));
    CHECK(r.srcPort() == 80);
    CHECK(r.dst() == ip("10.0.0.4"));
    CHECK(azlb::testing::checkChecksums(bytesOf(reply)).empty());
  }
  CHECK(backends == std::set<std::string>{"10.0.0.5", "10.0.0.6"});
  CHECK(host0.counters().ilbEncap.value() == 40);

  SECTION("a VM of another VNet with the same prefix does not reach it") {
    auto buf = bufferOf(tcp("10.0.0.5", 33000, "10.0.0.100", 80));  // D, VNet two, host 1
    CHECK(host1.process(2, buf, kNow) == kNoPort);
    CHECK(host1.counters().ilbEncap.value() == 0);
  }
  SECTION("a VM cannot forge another VM's internal-frontend traffic across hosts") {
    // D's PA (VNet two) claiming to carry VNet one's frontend traffic: VNet mismatch.
    auto buf = bufferOf(ipip("100.64.17.2", "100.64.16.2", "10.0.0.5", 33000, "10.0.0.100", 80));
    CHECK(host0.process(kHostPort, buf, kNow) == kNoPort);
    // C's PA carrying A's address as the inner source: spoofed.
    auto forged = bufferOf(ipip("100.64.17.1", "100.64.16.2", "10.0.0.4", 33000, "10.0.0.100", 80));
    CHECK(host0.process(kHostPort, forged, kNow) == kNoPort);
    CHECK(host0.counters().hostDropped(HostDropReason::SpoofedAddress) == 1);
  }
}

TEST_CASE("a floating-IP packet goes onto its VM's own link, framed for that VM", "[runtime][host-switch]") {
  Snapshot s = twoHosts(0);
  s.forwarding.rules[0].floatingIp = true;
  s.vms[0].link = "v1";
  s.vms[0].mac = "02:00:64:40:10:01";
  s.vms[1].link = "v2";
  s.vms[1].mac = "02:00:64:40:10:02";
  HostSwitch sw(HostSwitchOptions{.flowCapacity = 1024}, planFor(s));
  const auto& plan = *sw.plan();
  REQUIRE(plan.links().size() == 2);
  CHECK(plan.portCount() == 4);  // host TUN, h0v1, v1, v2
  const std::uint32_t portOfB = plan.links()[0].name == "v2" ? 2 : 3;

  // To B (outer destination 100.64.16.2): the frontend address stays, the port becomes 8080,
  // and an Ethernet header addressed to B's MAC goes in front.
  auto buf = bufferOf(ipip("100.64.4.1", "100.64.16.2", "198.19.1.2", 40000, "198.18.0.10", 80));
  REQUIRE(sw.process(kHostPort, buf, kNow) == portOfB);
  const Bytes frame = bytesOf(buf);
  REQUIRE(frame.size() > 14);
  CHECK(Bytes(frame.begin(), frame.begin() + 6) == Bytes{0x02, 0x00, 0x64, 0x40, 0x10, 0x02});
  CHECK(frame[12] == 0x08);
  CHECK(frame[13] == 0x00);
  Bytes innerBytes(frame.begin() + 14, frame.end());
  auto inner = PacketView::parse(innerBytes);
  REQUIRE(inner);
  CHECK(inner->dst() == ip("198.18.0.10"));
  CHECK(inner->dstPort() == 8080);
  CHECK(azlb::testing::checkChecksums(Bytes(frame.begin() + 14, frame.end())).empty());

  SECTION("B's reply from the frontend address leaves with the frontend port") {
    auto reply = bufferOf(tcp("198.18.0.10", 8080, "198.19.1.2", 40000,
                              azlb::testing::tcpflags::kSyn | azlb::testing::tcpflags::kAck));
    CHECK(sw.process(1, reply, kNow) == kHostPort);
    auto v = view(reply);
    CHECK(v.src() == ip("198.18.0.10"));
    CHECK(v.srcPort() == 80);
  }
  SECTION("a VM without a link cannot take a floating-IP packet: dropped and counted") {
    Snapshot bare = twoHosts(0);
    bare.forwarding.rules[0].floatingIp = true;
    HostSwitch noLinks(HostSwitchOptions{.flowCapacity = 1024}, planFor(bare));
    auto again = bufferOf(ipip("100.64.4.1", "100.64.16.2", "198.19.1.2", 40001, "198.18.0.10", 80));
    CHECK(noLinks.process(kHostPort, again, kNow) == kNoPort);
    CHECK(noLinks.counters().hostDropped(HostDropReason::NoVmLink) == 1);
  }
  SECTION("a malformed MAC is refused when the plan is built") {
    s.vms[1].mac = "02:00:64:40:10";
    auto refused = HostPlan::build(s, 0);
    REQUIRE(!refused);
    CHECK(refused.error().message().find("mac") != std::string::npos);
  }
}

namespace {

Bytes tcpSeg(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport, std::uint32_t seq,
             std::uint32_t ack, std::uint8_t flags) {
  return PacketBuilder().ipv4({.src = src, .dst = dst}).tcp({.src = sport, .dst = dport, .seq = seq, .ack = ack, .flags = flags}).build();
}

Bytes fromMux(const char* outerDst, const char* src, std::uint16_t sport, std::uint32_t seq, std::uint32_t ack,
              std::uint8_t flags) {
  return PacketBuilder()
      .ipv4({.src = "100.64.4.1", .dst = outerDst})
      .ipv4({.src = src, .dst = "198.18.0.10"})
      .tcp({.src = sport, .dst = 80, .seq = seq, .ack = ack, .flags = flags})
      .build();
}

struct Emitted {
  std::uint32_t port;
  Bytes bytes;
};

}  // namespace

TEST_CASE("idle timeout: a forgotten TCP flow is dropped; enableTcpReset sends RST to both ends at expiry", "[runtime][host-switch]") {
  using namespace azlb::testing::tcpflags;
  Snapshot s = twoHosts(0);
  s.forwarding.rules[0].idleTimeout = std::chrono::milliseconds(2400);
  const bool reset = GENERATE(false, true);
  s.forwarding.rules[0].tcpReset = reset;
  HostSwitch sw(HostSwitchOptions{.flowCapacity = 1024}, planFor(s));
  INFO("enableTcpReset " << reset);

  // Handshake and one exchange of client 198.19.1.2:40000 with B (10.0.0.5:8080) via the frontend.
  auto in = [&](std::uint16_t sport, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags, Nanos at) {
    auto buf = bufferOf(fromMux("100.64.16.2", "198.19.1.2", sport, seq, ack, flags));
    return sw.process(kHostPort, buf, at);
  };
  auto out = [&](const Bytes& packet, Nanos at) {
    auto buf = bufferOf(packet);
    return sw.process(1, buf, at);
  };
  REQUIRE(in(40000, 100, 0, kSyn, kNow) == 1);
  REQUIRE(out(tcpSeg("10.0.0.5", 8080, "198.19.1.2", 40000, 7000, 101, kSyn | kAck), kNow) == kHostPort);
  REQUIRE(in(40000, 101, 7001, kAck, kNow) == 1);
  REQUIRE(out(tcpSeg("10.0.0.5", 8080, "198.19.1.2", 40000, 7001, 105, kAck), kNow) == kHostPort);
  REQUIRE(in(40000, 105, 7009, kAck, kNow) == 1);

  std::vector<Emitted> emitted;
  auto collect = [&](std::uint32_t port, const PacketBuf& b) { emitted.push_back({port, bytesOf(b)}); };
  // Not idle long enough yet: nothing expires.
  CHECK(sw.expireFlows(kNow + std::chrono::milliseconds(2399), 100, collect) == 0);
  CHECK(emitted.empty());
  CHECK(sw.expireFlows(kNow + std::chrono::milliseconds(2400), 100, collect) == 1);

  if (!reset) {
    CHECK(emitted.empty());
  } else {
    REQUIRE(emitted.size() == 2);
    // To the client, from the frontend, with the client's RCV.NXT (its last ACK: 7009).
    CHECK(emitted[0].port == kHostPort);
    auto toClient = bufferOf(emitted[0].bytes);
    auto c = view(toClient);
    CHECK(c.src() == ip("198.18.0.10"));
    CHECK(c.srcPort() == 80);
    CHECK(c.dst() == ip("198.19.1.2"));
    CHECK(c.dstPort() == 40000);
    CHECK(c.tcpFlags() == kRst);
    CHECK(c.tcpSeq() == 7009);
    CHECK(azlb::testing::checkChecksums(emitted[0].bytes).empty());
    // To the backend, from the client, with the backend's RCV.NXT (its last ACK: 105).
    CHECK(emitted[1].port == 1);
    auto toVm = bufferOf(emitted[1].bytes);
    auto v = view(toVm);
    CHECK(v.src() == ip("198.19.1.2"));
    CHECK(v.srcPort() == 40000);
    CHECK(v.dst() == ip("10.0.0.5"));
    CHECK(v.dstPort() == 8080);
    CHECK(v.tcpFlags() == kRst);
    CHECK(v.tcpSeq() == 105);
    CHECK(azlb::testing::checkChecksums(emitted[1].bytes).empty());
    CHECK(sw.counters().idleResets.value() == 2);
  }
  // Either way the flow is gone: the client's next segment is dropped, not delivered.
  const Nanos later = kNow + std::chrono::seconds(3);
  CHECK(in(40000, 105, 7009, kAck | kPsh, later) == kNoPort);
  CHECK(sw.forwarder().counters().drops[static_cast<std::size_t>(DropReason::NoFlowState)].value() == 1);
  // ... and the backend's, too (no reverse flow to translate it with).
  CHECK(out(tcpSeg("10.0.0.5", 8080, "198.19.1.2", 40000, 7009, 105, kAck | kPsh), later) == kNoPort);
  // A new SYN on the same 5-tuple starts over.
  CHECK(in(40000, 900, 0, kSyn, later) == 1);
}

TEST_CASE("enableTcpReset sends nothing for a connection that already closed or never completed", "[runtime][host-switch]") {
  using namespace azlb::testing::tcpflags;
  Snapshot s = twoHosts(0);
  s.forwarding.rules[0].idleTimeout = std::chrono::milliseconds(1000);
  s.forwarding.rules[0].tcpReset = true;
  HostSwitch sw(HostSwitchOptions{.flowCapacity = 1024}, planFor(s));
  auto in = [&](std::uint16_t sport, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags) {
    auto buf = bufferOf(fromMux("100.64.16.2", "198.19.1.2", sport, seq, ack, flags));
    return sw.process(kHostPort, buf, kNow);
  };
  auto out = [&](const Bytes& packet) {
    auto buf = bufferOf(packet);
    return sw.process(1, buf, kNow);
  };
  // 40001: closed with FIN. 40002: only a SYN was seen (no ACK numbers to reset with).
  REQUIRE(in(40001, 100, 0, kSyn) == 1);
  REQUIRE(out(tcpSeg("10.0.0.5", 8080, "198.19.1.2", 40001, 7000, 101, kSyn | kAck)) == kHostPort);
  REQUIRE(in(40001, 101, 7001, kAck | kFin) == 1);
  REQUIRE(in(40002, 100, 0, kSyn) == 1);
  int emitted = 0;
  CHECK(sw.expireFlows(kNow + std::chrono::seconds(1), 100, [&](std::uint32_t, const PacketBuf&) { ++emitted; }) == 2);
  CHECK(emitted == 0);
}

TEST_CASE("a traffic filter lets only the listed sources open connections to its ports", "[runtime][host-switch]") {
  // C (10.0.0.6) takes new TCP connections on 8080 from B only: A's SYN is dropped at A's own
  // host; B's passes; A's non-SYN segments and other ports pass (replies are never filtered).
  Snapshot s = twoHosts(0);
  s.host.trafficFilters = {{.vnet = kVnet1, .ip = ip("10.0.0.6"), .protocol = 6, .portMin = 8080,
                            .portMax = 8080, .allowedSources = {ip("10.0.0.5")}}};
  HostSwitch sw(HostSwitchOptions{.flowCapacity = 1024}, planFor(s));
  auto fromA = bufferOf(tcp("10.0.0.4", 33000, "10.0.0.6", 8080));
  CHECK(sw.process(1, fromA, kNow) == kNoPort);
  CHECK(sw.counters().hostDropped(HostDropReason::TrafficRuleDenied) == 1);
  auto fromB = bufferOf(tcp("10.0.0.5", 33000, "10.0.0.6", 8080));
  CHECK(sw.process(1, fromB, kNow) == kHostPort);
  auto otherPort = bufferOf(tcp("10.0.0.4", 33000, "10.0.0.6", 9090));
  CHECK(sw.process(1, otherPort, kNow) == kHostPort);
  auto ack = bufferOf(tcp("10.0.0.4", 33000, "10.0.0.6", 8080, azlb::testing::tcpflags::kAck));
  CHECK(sw.process(1, ack, kNow) == kHostPort);
  CHECK(sw.counters().hostDropped(HostDropReason::TrafficRuleDenied) == 1);
}

namespace {

using azlb::dataplane::NsgAccess;
using azlb::dataplane::NsgRule;
using azlb::dataplane::NsgRules;

NsgRule nsgRule(const char* name, std::uint32_t priority, NsgAccess access, std::uint16_t port = 0) {
  NsgRule r;
  r.name = name;
  r.priority = priority;
  r.access = access;
  if (port != 0) r.destinationPorts = {{port, port}};
  return r;
}

// Network security groups for `vm`: `inbound` on its NIC (Azure's DenyAllInBound after them);
// outbound: allow everything but what `outboundDeny` names.
void withNicGroup(Snapshot& s, const std::string& vm, std::vector<NsgRule> inbound, NsgMode mode,
                  std::vector<NsgRule> outbound = {}) {
  inbound.push_back(nsgRule("DenyAllInBound", 65500, NsgAccess::Deny));
  outbound.push_back(nsgRule("AllowAllOutBound", 65500, NsgAccess::Allow));
  s.host.security.mode = mode;
  s.host.security.inbound.push_back(NsgRules{"/subscriptions/s/networkSecurityGroups/" + vm + "-nsg", inbound});
  s.host.security.outbound.push_back(NsgRules{"/subscriptions/s/networkSecurityGroups/" + vm + "-nsg", outbound});
  s.host.security.vms.push_back({vm, -1, static_cast<std::int32_t>(s.host.security.inbound.size() - 1)});
}

std::shared_ptr<const HostPlan> countedPlan(const Snapshot& s, std::shared_ptr<NsgHitTable> hits) {
  auto plan = HostPlan::build(s, s.host.index, std::move(hits));
  if (!plan) FAIL(plan.error().message());
  return *plan;
}

std::vector<HostSwitch::NsgEvent> drained(HostSwitch& sw) {
  std::vector<HostSwitch::NsgEvent> out;
  sw.drainNsgEvents([&](const HostSwitch::NsgEvent& e) { out.push_back(e); });
  return out;
}

std::uint64_t hitsOf(const NsgHitTable& table, const std::string& rule) {
  for (const auto& row : table.rows())
    if (row.rule == rule) return row.hits;
  return 0;
}

}  // namespace

TEST_CASE("enforce: a Standard frontend's backend without any group receives nothing; Basic stays open",
          "[runtime][host-switch][nsg]") {
  Snapshot s = twoHosts(0);
  s.host.security.mode = NsgMode::Enforce;
  SECTION("Standard") {
    HostSwitch sw(HostSwitchOptions{.flowCapacity = 1024}, planFor(s));
    auto syn = bufferOf(ipip("100.64.4.1", "100.64.16.2", "198.19.1.2", 40000, "198.18.0.10", 80));
    CHECK(sw.process(kHostPort, syn, kNow) == kNoPort);
    CHECK(sw.counters().hostDropped(HostDropReason::NsgDenied) == 1);
    const auto events = drained(sw);
    REQUIRE(events.size() == 1);
    CHECK(events[0].noGroup);
    CHECK(events[0].dropped);
    CHECK(events[0].inbound);
    CHECK(events[0].flow.dstIp == ip("10.0.0.5"));  // as the VM would see it: after DNAT
    CHECK(events[0].flow.dstPort == 8080);
    CHECK(drained(sw).empty());
  }
  SECTION("Basic") {
    s.forwarding.rules[0].standard = false;
    HostSwitch sw(HostSwitchOptions{.flowCapacity = 1024}, planFor(s));
    auto syn = bufferOf(ipip("100.64.4.1", "100.64.16.2", "198.19.1.2", 40000, "198.18.0.10", 80));
    CHECK(sw.process(kHostPort, syn, kNow) == 1);
    CHECK(drained(sw).empty());
  }
}

TEST_CASE("enforce: the deciding rule lets a flow in or drops it, and its hits are counted",
          "[runtime][host-switch][nsg]") {
  Snapshot s = twoHosts(0);
  auto hits = std::make_shared<NsgHitTable>();
  SECTION("an allow rule for 8080 opens it") {
    withNicGroup(s, "b", {nsgRule("allow-8080", 200, NsgAccess::Allow, 8080)}, NsgMode::Enforce);
    HostSwitch sw(HostSwitchOptions{.flowCapacity = 1024}, countedPlan(s, hits));
    auto syn = bufferOf(ipip("100.64.4.1", "100.64.16.2", "198.19.1.2", 40000, "198.18.0.10", 80));
    CHECK(sw.process(kHostPort, syn, kNow) == 1);
    CHECK(hitsOf(*hits, "allow-8080") == 1);
    CHECK(drained(sw).empty());
    SECTION("later segments of the flow are not checked again") {
      auto ack = bufferOf(PacketBuilder()
                              .ipv4({.src = "100.64.4.1", .dst = "100.64.16.2"})
                              .ipv4({.src = "198.19.1.2", .dst = "198.18.0.10"})
                              .tcp({.src = 40000, .dst = 80, .flags = azlb::testing::tcpflags::kAck})
                              .build());
      CHECK(sw.process(kHostPort, ack, kNow) == 1);
      CHECK(sw.counters().nsgChecked.value() == 1);
    }
  }
  SECTION("a deny rule with a lower number closes it again") {
    withNicGroup(s, "b",
                 {nsgRule("deny-8080", 150, NsgAccess::Deny, 8080), nsgRule("allow-8080", 200, NsgAccess::Allow, 8080)},
                 NsgMode::Enforce);
    HostSwitch sw(HostSwitchOptions{.flowCapacity = 1024}, countedPlan(s, hits));
    auto syn = bufferOf(ipip("100.64.4.1", "100.64.16.2", "198.19.1.2", 40000, "198.18.0.10", 80));
    CHECK(sw.process(kHostPort, syn, kNow) == kNoPort);
    CHECK(hitsOf(*hits, "deny-8080") == 1);
    CHECK(hitsOf(*hits, "allow-8080") == 0);
    const auto events = drained(sw);
    REQUIRE(events.size() == 1);
    CHECK(hits->name(events[0].slot) == "b-nsg/deny-8080");
  }
  SECTION("a port no rule allows meets DenyAllInBound") {
    withNicGroup(s, "b", {nsgRule("allow-9090", 200, NsgAccess::Allow, 9090)}, NsgMode::Enforce);
    HostSwitch sw(HostSwitchOptions{.flowCapacity = 1024}, countedPlan(s, hits));
    auto syn = bufferOf(ipip("100.64.4.1", "100.64.16.2", "198.19.1.2", 40000, "198.18.0.10", 80));
    CHECK(sw.process(kHostPort, syn, kNow) == kNoPort);
    CHECK(hitsOf(*hits, "DenyAllInBound") == 1);
  }
}

TEST_CASE("warn lets a denied flow through and records Azure's verdict; off does not look",
          "[runtime][host-switch][nsg]") {
  Snapshot s = twoHosts(0);
  const bool warn = GENERATE(true, false);
  withNicGroup(s, "b", {}, warn ? NsgMode::Warn : NsgMode::Off);
  HostSwitch sw(HostSwitchOptions{.flowCapacity = 1024}, planFor(s));
  auto syn = bufferOf(ipip("100.64.4.1", "100.64.16.2", "198.19.1.2", 40000, "198.18.0.10", 80));
  CHECK(sw.process(kHostPort, syn, kNow) == 1);
  CHECK(sw.counters().hostDropped(HostDropReason::NsgDenied) == 0);
  const auto events = drained(sw);
  CHECK(events.size() == (warn ? 1U : 0U));
  if (warn) CHECK_FALSE(events[0].dropped);
  CHECK(sw.counters().nsgDenials.value() == (warn ? 1U : 0U));
}

TEST_CASE("outbound rules: the sender's NIC group decides a new flow; VM to VM also the destination's inbound",
          "[runtime][host-switch][nsg]") {
  Snapshot s = twoHosts(0);
  // A may not open connections to port 5432; C takes nothing on 9000.
  withNicGroup(s, "a", {}, NsgMode::Enforce, {nsgRule("deny-5432", 100, NsgAccess::Deny, 5432)});
  withNicGroup(s, "c", {nsgRule("allow-vnet", 300, NsgAccess::Allow), nsgRule("deny-9000", 200, NsgAccess::Deny, 9000)},
               NsgMode::Enforce);
  HostSwitch sw(HostSwitchOptions{.flowCapacity = 1024}, planFor(s));
  auto toInternet = bufferOf(tcp("10.0.0.4", 33000, "198.19.5.5", 5432));
  CHECK(sw.process(1, toInternet, kNow) == kNoPort);
  auto toC = bufferOf(tcp("10.0.0.4", 33001, "10.0.0.6", 5432));
  CHECK(sw.process(1, toC, kNow) == kNoPort);
  auto toC9000 = bufferOf(tcp("10.0.0.4", 33002, "10.0.0.6", 9000));
  CHECK(sw.process(1, toC9000, kNow) == kNoPort);
  auto toC8080 = bufferOf(tcp("10.0.0.4", 33003, "10.0.0.6", 8080));
  CHECK(sw.process(1, toC8080, kNow) == kHostPort);
  CHECK(sw.counters().hostDropped(HostDropReason::NsgDenied) == 3);
  const auto events = drained(sw);
  REQUIRE(events.size() == 3);
  CHECK_FALSE(events[0].inbound);
  CHECK_FALSE(events[1].inbound);
  CHECK(events[2].inbound);
  CHECK(events[2].vm == ip("10.0.0.6"));
}

TEST_CASE("a UDP flow is checked once: its later datagrams and its replies pass", "[runtime][host-switch][nsg]") {
  Snapshot s = twoHosts(0);
  // A may send UDP to C's 5353; C takes UDP only on 5353 (its replies to A are not new flows).
  withNicGroup(s, "a", {nsgRule("deny-all-udp-in", 100, NsgAccess::Deny)}, NsgMode::Enforce);
  withNicGroup(s, "b", {nsgRule("allow-5353", 100, NsgAccess::Allow, 5353)}, NsgMode::Enforce);
  HostSwitch sw(HostSwitchOptions{.flowCapacity = 1024}, planFor(s));
  auto udp = [](const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport) {
    return bufferOf(PacketBuilder().ipv4({.src = src, .dst = dst}).udp({.src = sport, .dst = dport}).build());
  };
  auto first = udp("10.0.0.4", 40000, "10.0.0.5", 5353);
  CHECK(sw.process(1, first, kNow) == 1);
  auto second = udp("10.0.0.4", 40000, "10.0.0.5", 5353);
  CHECK(sw.process(1, second, kNow) == 1);
  auto reply = udp("10.0.0.5", 5353, "10.0.0.4", 40000);
  CHECK(sw.process(1, reply, kNow) == 1);  // A denies every new inbound flow, but this is a reply
  CHECK(sw.counters().nsgChecked.value() == 2);  // the first datagram: A outbound, B inbound
  auto unsolicited = udp("10.0.0.5", 5353, "10.0.0.4", 40001);
  CHECK(sw.process(1, unsolicited, kNow) == kNoPort);
}
