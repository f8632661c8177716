// The manager -> process snapshot contract: JSON round trip and the error paths of the decoder.
#include "emulator/runtime/snapshot.h"

#include <catch2/catch.hpp>

#include <functional>
#include <string>

using azlb::dataplane::Ipv4Address;
using azlb::dataplane::LoadDistribution;
using azlb::dataplane::RuleKind;
using azlb::dataplane::RuleProtocol;
using azlb::runtime::Snapshot;
using azlb::runtime::snapshotFromJson;
using azlb::runtime::toJson;
using nlohmann::json;

namespace {

Ipv4Address ip(const char* text) {
  auto a = Ipv4Address::parse(text);
  REQUIRE(a);
  return *a;
}

Snapshot sampleSnapshot() {
  Snapshot s;
  s.version = 42;
  s.forwarding.version = 42;
  azlb::dataplane::RuleSpec web{
      .name = "web",
      .kind = RuleKind::LoadBalancingRule,
      .frontendIp = ip("198.18.0.10"),
      .protocol = RuleProtocol::Tcp,
      .frontendPort = 80,
      .backendPort = 8080,
      .loadDistribution = LoadDistribution::SourceIPProtocol,
      .idleTimeout = std::chrono::minutes(15),
      .floatingIp = false,
      .tcpReset = true,
      .backends = {{.id = "vm-a", .ip = ip("10.0.0.4"), .hostIp = ip("100.64.16.1"), .healthy = true},
                   {.id = "vm-b", .ip = ip("10.0.0.5"), .hostIp = ip("100.64.16.2"), .healthy = false}},
  };
  azlb::dataplane::RuleSpec ssh{
      .name = "ssh-a",
      .kind = RuleKind::InboundNatRule,
      .frontendIp = ip("198.18.0.10"),
      .protocol = RuleProtocol::Udp,
      .frontendPort = 50001,
      .backendPort = 22,
      .loadDistribution = LoadDistribution::Default,
      .idleTimeout = std::chrono::minutes(4),
      .floatingIp = true,
      .backends = {{.id = "vm-a", .ip = ip("10.0.0.4"), .hostIp = ip("100.64.16.1"), .healthy = true}},
  };
  s.forwarding.rules = {web, ssh};
  s.muxUnderlays = {ip("100.64.4.1"), ip("100.64.4.2")};
  s.vms = {{.id = "vm-a", .vnet = "/subscriptions/x/vnet1", .ip = ip("10.0.0.4"),
            .underlay = ip("100.64.16.1"), .host = 0, .hostNamespace = "azlb0-l0", .link = "v1", .mac = "02:00:64:40:10:01"},
           {.id = "vm-b", .vnet = "/subscriptions/x/vnet1", .ip = ip("10.0.0.5"),
            .underlay = ip("100.64.16.2"), .host = 1, .hostNamespace = "azlb0-l1", .link = {}, .mac = {}}};
  s.host.index = 1;
  s.host.underlayRange = "100.64.17.0/24";
  s.host.vnetNamespaces = {{.name = "azlb0-l1", .vnet = "/subscriptions/x/vnet1", .tun = "azlb0-tun1"}};
  return s;
}

// A JSON copy of the sample with one change applied; decoding must fail naming `mentions`.
void expectRejected(const std::function<void(json&)>& change, const std::string& mentions) {
  json j = toJson(sampleSnapshot());
  change(j);
  auto decoded = snapshotFromJson(j);
  REQUIRE_FALSE(decoded);
  INFO(decoded.error().message());
  CHECK(decoded.error().message().find(mentions) != std::string::npos);
}

}  // namespace

TEST_CASE("a snapshot survives a JSON round trip field by field", "[runtime][snapshot]") {
  const Snapshot s = sampleSnapshot();
  const json j = toJson(s);
  CHECK(j.at("type") == "snapshot");
  // Through text, as it travels over the socket.
  auto decoded = snapshotFromJson(json::parse(j.dump()));
  REQUIRE(decoded);
  const Snapshot& d = *decoded;
  CHECK(d.version == 42);
  CHECK(d.forwarding.version == 42);
  REQUIRE(d.forwarding.rules.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& a = s.forwarding.rules[i];
    const auto& b = d.forwarding.rules[i];
    CHECK(a.name == b.name);
    CHECK(a.kind == b.kind);
    CHECK(a.frontendIp == b.frontendIp);
    CHECK(a.protocol == b.protocol);
    CHECK(a.frontendPort == b.frontendPort);
    CHECK(a.backendPort == b.backendPort);
    CHECK(a.loadDistribution == b.loadDistribution);
    CHECK(a.idleTimeout == b.idleTimeout);
    CHECK(a.tcpReset == b.tcpReset);
    CHECK(a.floatingIp == b.floatingIp);
    REQUIRE(a.backends.size() == b.backends.size());
    for (std::size_t k = 0; k < a.backends.size(); ++k) {
      CHECK(a.backends[k].id == b.backends[k].id);
      CHECK(a.backends[k].ip == b.backends[k].ip);
      CHECK(a.backends[k].hostIp == b.backends[k].hostIp);
      CHECK(a.backends[k].healthy == b.backends[k].healthy);
    }
  }
  CHECK(d.muxUnderlays == s.muxUnderlays);
  REQUIRE(d.vms.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(d.vms[i].id == s.vms[i].id);
    CHECK(d.vms[i].vnet == s.vms[i].vnet);
    CHECK(d.vms[i].ip == s.vms[i].ip);
    CHECK(d.vms[i].underlay == s.vms[i].underlay);
    CHECK(d.vms[i].host == s.vms[i].host);
    CHECK(d.vms[i].hostNamespace == s.vms[i].hostNamespace);
    CHECK(d.vms[i].link == s.vms[i].link);
    CHECK(d.vms[i].mac == s.vms[i].mac);
  }
  CHECK(d.host.index == 1);
  CHECK(d.host.underlayRange == "100.64.17.0/24");
  REQUIRE(d.host.vnetNamespaces.size() == 1);
  CHECK(d.host.vnetNamespaces[0].name == "azlb0-l1");
  CHECK(d.host.vnetNamespaces[0].vnet == "/subscriptions/x/vnet1");
  CHECK(d.host.vnetNamespaces[0].tun == "azlb0-tun1");
  // And the encoding is stable: decode(encode(x)) encodes to the same JSON.
  CHECK(toJson(d) == j);
}

TEST_CASE("an empty snapshot round-trips", "[runtime][snapshot]") {
  Snapshot s;
  auto d = snapshotFromJson(toJson(s));
  REQUIRE(d);
  CHECK(d->version == 0);
  CHECK(d->forwarding.rules.empty());
  CHECK(d->vms.empty());
  CHECK(d->host.vnetNamespaces.empty());
}

TEST_CASE("optional rule fields take Azure's defaults", "[runtime][snapshot]") {
  json j = toJson(sampleSnapshot());
  for (const char* key : {"kind", "loadDistribution", "idleTimeoutMs", "floatingIp", "tcpReset"}) {
    j["rules"][0].erase(key);
  }
  j["rules"][0]["backends"][0].erase("healthy");
  auto d = snapshotFromJson(j);
  REQUIRE(d);
  const auto& r = d->forwarding.rules[0];
  CHECK(r.kind == RuleKind::LoadBalancingRule);
  CHECK(r.loadDistribution == LoadDistribution::Default);
  CHECK(r.idleTimeout == std::chrono::minutes(4));
  CHECK_FALSE(r.floatingIp);
  CHECK_FALSE(r.tcpReset);
  CHECK(r.backends[0].healthy);
}

TEST_CASE("a snapshot that is not an object is rejected", "[runtime][snapshot]") {
  auto d = snapshotFromJson(json::array());
  REQUIRE_FALSE(d);
  CHECK(d.error().message().find("not a JSON object") != std::string::npos);
}

TEST_CASE("missing required fields are named", "[runtime][snapshot]") {
  expectRejected([](json& j) { j.erase("version"); }, "version");
  expectRejected([](json& j) { j.erase("rules"); }, "rules");
  expectRejected([](json& j) { j.erase("vms"); }, "vms");
  expectRejected([](json& j) { j.erase("muxUnderlays"); }, "muxUnderlays");
  expectRejected([](json& j) { j.erase("host"); }, "host");
  expectRejected([](json& j) { j["rules"][0].erase("frontendIp"); }, "frontendIp");
  expectRejected([](json& j) { j["rules"][0].erase("protocol"); }, "protocol");
  expectRejected([](json& j) { j["rules"][0].erase("frontendPort"); }, "frontendPort");
  expectRejected([](json& j) { j["vms"][0].erase("host"); }, "host");
}

TEST_CASE("bad addresses are named with their owner", "[runtime][snapshot]") {
  expectRejected([](json& j) { j["rules"][0]["frontendIp"] = "198.18.0"; }, "rule web frontendIp");
  expectRejected([](json& j) { j["rules"][0]["backends"][1]["underlay"] = 7; },
                 "backend vm-b underlay");
  expectRejected([](json& j) { j["vms"][1]["ip"] = "10.0.0.256"; }, "vm vm-b ip");
  expectRejected([](json& j) { j["muxUnderlays"][0] = "mux"; }, "muxUnderlays entry");
}

TEST_CASE("out-of-range numbers are rejected, not wrapped", "[runtime][snapshot]") {
  expectRejected([](json& j) { j["rules"][0]["frontendPort"] = 70000; }, "rule web frontendPort");
  expectRejected([](json& j) { j["rules"][0]["backendPort"] = -1; }, "backendPort");
  expectRejected([](json& j) { j["rules"][0]["idleTimeoutMs"] = -4; }, "idleTimeoutMs");
  expectRejected([](json& j) { j["version"] = -1; }, "version");
  expectRejected([](json& j) { j["version"] = "7"; }, "version");
  expectRejected([](json& j) { j["vms"][0]["host"] = -2; }, "vm vm-a host");
  expectRejected([](json& j) { j["host"]["index"] = 1.5; }, "host index");
}

TEST_CASE("unknown enum names are rejected, not defaulted", "[runtime][snapshot]") {
  expectRejected([](json& j) { j["rules"][0]["protocol"] = "Icmp"; }, "protocol must be one of Tcp, Udp, All");
  expectRejected([](json& j) { j["rules"][0]["kind"] = "OutboundRule"; }, "kind");
  expectRejected([](json& j) { j["rules"][0]["loadDistribution"] = "SourceIp"; }, "loadDistribution");
}

TEST_CASE("wrongly typed fields come back as errors, never exceptions", "[runtime][snapshot]") {
  expectRejected([](json& j) { j["rules"] = "none"; }, "malformed JSON");
  expectRejected([](json& j) { j["rules"][0]["name"] = 5; }, "malformed JSON");
  expectRejected([](json& j) { j["rules"][0]["floatingIp"] = "yes"; }, "malformed JSON");
  expectRejected([](json& j) { j["host"]["vnetNamespaces"] = json::array({json::object()}); },
                 "malformed JSON");
}

TEST_CASE("traffic filters survive a JSON round trip; a bad protocol is refused by name", "[runtime][snapshot]") {
  Snapshot s;
  s.host.trafficFilters = {{.vnet = "/subscriptions/x/vnet1", .ip = ip("10.0.1.4"), .protocol = 17,
                            .portMin = 20000, .portMax = 20010,
                            .allowedSources = {ip("10.0.0.4"), ip("10.0.0.5")}}};
  auto back = snapshotFromJson(toJson(s));
  REQUIRE(back);
  REQUIRE(back->host.trafficFilters.size() == 1);
  const auto& f = back->host.trafficFilters[0];
  CHECK(f.vnet == "/subscriptions/x/vnet1");
  CHECK(f.ip == ip("10.0.1.4"));
  CHECK(f.protocol == 17);
  CHECK(f.portMin == 20000);
  CHECK(f.portMax == 20010);
  CHECK(f.allowedSources == std::vector<Ipv4Address>{ip("10.0.0.4"), ip("10.0.0.5")});
  json j = toJson(s);
  j["host"]["trafficFilters"][0]["protocol"] = 1;
  auto bad = snapshotFromJson(j);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("trafficFilter 10.0.1.4 protocol") != std::string::npos);
}

TEST_CASE("network security groups and the Standard flags survive a JSON round trip", "[runtime][snapshot][nsg]") {
  Snapshot s = sampleSnapshot();
  s.forwarding.rules[0].standard = false;
  azlb::dataplane::NsgRule allow;
  allow.name = "allow-8080";
  allow.priority = 200;
  allow.access = azlb::dataplane::NsgAccess::Allow;
  allow.protocol = 6;
  allow.sources = {{0, 0x09FFFFFF}, {0x0B000000, 0xFFFFFFFF}};
  allow.destinationPorts = {{8080, 8080}, {9000, 9100}};
  azlb::dataplane::NsgRule deny;
  deny.name = "DenyAllInBound";
  deny.priority = 65500;
  s.host.security.mode = azlb::runtime::NsgMode::Enforce;
  s.host.security.inbound = {{"/nsg/web", {deny, allow}}};  // sorted on the way back
  s.host.security.outbound = {{"/nsg/web", {}}};
  s.host.security.vms = {{"vm-a", -1, 0}};
  auto back = snapshotFromJson(toJson(s));
  REQUIRE(back);
  CHECK_FALSE(back->forwarding.rules[0].standard);
  CHECK(back->forwarding.rules[1].standard);
  const auto& sec = back->host.security;
  CHECK(sec.mode == azlb::runtime::NsgMode::Enforce);
  REQUIRE(sec.inbound.size() == 1);
  REQUIRE(sec.inbound[0].rules.size() == 2);
  const auto& r = sec.inbound[0].rules[0];
  CHECK(r.name == "allow-8080");
  CHECK(r.access == azlb::dataplane::NsgAccess::Allow);
  CHECK(r.protocol == 6);
  REQUIRE(r.sources.size() == 2);
  CHECK(r.sources[1].first == 0x0B000000);
  REQUIRE(r.destinationPorts.size() == 2);
  CHECK(r.destinationPorts[1].last == 9100);
  CHECK(sec.inbound[0].rules[1].access == azlb::dataplane::NsgAccess::Deny);
  REQUIRE(sec.vms.size() == 1);
  CHECK(sec.vms[0].nic == 0);
  CHECK(sec.vms[0].subnet == -1);

  SECTION("bad parts are named") {
    json j = toJson(s);
    j["host"]["security"]["vms"][0]["nic"] = 3;
    CHECK_FALSE(snapshotFromJson(j));
    j = toJson(s);
    j["host"]["security"]["mode"] = "strict";
    auto bad = snapshotFromJson(j);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message().find("mode") != std::string::npos);
    j = toJson(s);
    j["host"]["security"]["groups"][0]["inbound"][0]["destinationPorts"] = json::array({json::array({9, 70000})});
    CHECK_FALSE(snapshotFromJson(j));
  }
}
