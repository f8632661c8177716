// The one IPv4 parser: the strict rules every module (ARM validation, data plane, netns) now shares.
#include <catch2/catch.hpp>

#include "arm-api/common/ipv4.h"
#include "common/ipv4.h"

namespace {

TEST_CASE("a dotted quad parses to host byte order and prints back", "[common][ipv4]") {
  CHECK(azlb::parseIpv4("10.0.0.1") == 0x0a000001u);
  CHECK(azlb::parseIpv4("0.0.0.0") == 0u);
  CHECK(azlb::parseIpv4("255.255.255.255") == 0xffffffffu);
  CHECK(azlb::formatIpv4(0xc6120001u) == "198.18.0.1");
  for (const char* text : {"1.2.3.4", "100.64.255.1", "198.19.0.10"})
    CHECK(azlb::formatIpv4(*azlb::parseIpv4(text)) == text);
}

TEST_CASE("anything but four plain decimal octets is refused", "[common][ipv4]") {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "010.0.0.1", "10.0.0.01", "1.2.3.4 ",
                          " 1.2.3.4", "+1.2.3.4", "1..2.3", "1.2.3.", "a.b.c.d", "1000.0.0.1", "0x1.2.3.4",
                          "1.2.3.4/24", "::1"})
    CHECK_FALSE(azlb::parseIpv4(bad));
}

TEST_CASE("a CIDR keeps its host bits for the caller to judge; a bare address is /32 only on request",
          "[common][ipv4]") {
  auto iface = azlb::parseIpv4Cidr("100.64.0.1/30");
  REQUIRE(iface);
  CHECK(iface->address == 0x64400001u);
  CHECK(iface->length == 30);
  CHECK_FALSE(azlb::parseIpv4Cidr("10.0.0.1"));
  auto bare = azlb::parseIpv4Cidr("10.0.0.1", true);
  REQUIRE(bare);
  CHECK(bare->length == 32);
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/024", "10.0.0.0/-1", "10.0.0.0/16junk",
                          "10.0.0.0/1 6", "010.0.0.0/8"})
    CHECK_FALSE(azlb::parseIpv4Cidr(bad, true));
}

TEST_CASE("ARM prefixes use the same parser and also require zero host bits", "[common][ipv4]") {
  CHECK(azlb::armapi::parseIpv4Prefix("10.0.0.0/24"));
  CHECK_FALSE(azlb::armapi::parseIpv4Prefix("10.0.0.1/24"));
  CHECK_FALSE(azlb::armapi::parseIpv4Prefix("010.0.0.0/24"));
}

}  // namespace
