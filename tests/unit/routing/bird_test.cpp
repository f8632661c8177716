#include "emulator/routing/bird.h"

#include <catch2/catch.hpp>

using namespace azlb::routing;

TEST_CASE("the BIRD configuration has one session per MUX and only accepts host routes",
          "[routing][bird]") {
  const std::string c = renderBirdConfig(
      {"t1", "100.64.255.2", "198.18.0.0/16", {{"100.64.1.1", "100.64.1.2"}, {"100.64.1.5", "100.64.1.6"}}});
  CHECK(c.find("router id 100.64.255.2;") != std::string::npos);
  CHECK(c.find("protocol bgp mux0 from mux { local 100.64.1.1; neighbor 100.64.1.2 as 65100; }") !=
        std::string::npos);
  CHECK(c.find("protocol bgp mux1 from mux { local 100.64.1.5; neighbor 100.64.1.6 as 65100; }") !=
        std::string::npos);
  CHECK(c.find("protocol bgp mux2") == std::string::npos);
  CHECK(c.find("import where net ~ [ 198.18.0.0/16{32,32} ]") != std::string::npos);
  CHECK(c.find("route 198.18.0.0/16 blackhole;") != std::string::npos);
  CHECK(c.find("merge paths yes") != std::string::npos);
  CHECK(c.find("hold time 3;") != std::string::npos);
}

TEST_CASE("show protocols: the BGP rows, state and info", "[routing][bird]") {
  const std::vector<std::string> lines{
      "Name       Proto      Table      State  Since         Info",
      "device1    Device     ---        up     2026-12-04 03:20:01  ",
      "kernel1    Kernel     master4    up     2026-12-04 03:20:01  ",
      "mux0       BGP        ---        up     2026-12-04 03:20:02  Established   ",
      "mux1       BGP        ---        start  2026-12-04 03:20:05  Active        Socket: Connection closed",
  };
  auto s = parseProtocols(lines);
  REQUIRE(s.size() == 2);
  CHECK(s[0].name == "mux0");
  CHECK(s[0].state == "up");
  CHECK(s[0].since == "2026-12-04 03:20:02");
  CHECK(s[0].info == "Established");
  CHECK(s[1].state == "start");
  CHECK(s[1].info == "Active        Socket: Connection closed");
}

#include "emulator/routing/announcements.h"

TEST_CASE("a MUX announces every public address it serves, once, and nothing private",
          "[routing][announce]") {
  using azlb::dataplane::Ipv4Address;
  azlb::dataplane::ForwardingConfigSpec spec;
  const auto vip = Ipv4Address::fromOctets(198, 18, 0, 1);
  const auto snat = Ipv4Address::fromOctets(198, 18, 0, 9);
  spec.rules.push_back({.name = "web", .frontendIp = vip});
  spec.rules.push_back({.name = "ssh", .frontendIp = vip});
  spec.rules.push_back({.name = "ilb", .frontendIp = Ipv4Address::fromOctets(10, 0, 0, 100)});
  azlb::dataplane::SnatSpec out;
  out.blocks = {{snat, 1024, 8}, {snat, 1032, 8}, {vip, 2048, 8}};
  spec.outbound.push_back(out);
  CHECK(servedAddresses(spec, Ipv4Address::fromOctets(198, 18, 0, 0), 16) ==
        std::vector<Ipv4Address>{vip, snat});
  CHECK(servedAddresses(spec, Ipv4Address::fromOctets(198, 18, 1, 0), 24).empty());
}
