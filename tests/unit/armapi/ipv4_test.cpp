// IPv4 addresses and prefixes used by ARM validation: parse/format, host bits, /0 and /32,
// contains and overlaps.
#include <catch2/catch.hpp>

#include "arm-api/common/ipv4.h"

using azlb::armapi::formatIpv4;
using azlb::armapi::parseIpv4;
using azlb::armapi::parseIpv4Prefix;

TEST_CASE("IPv4 addresses parse and format back", "[ipv4]") {
  for (const char* text : {"0.0.0.0", "10.0.0.4", "192.168.255.1", "255.255.255.255"}) {
    auto a = parseIpv4(text);
    REQUIRE(a);
    CHECK(formatIpv4(*a) == text);
  }
  CHECK(*parseIpv4("10.0.0.4") == 0x0A000004u);
  CHECK(formatIpv4(0xC6120001u) == "198.18.0.1");
}

TEST_CASE("malformed IPv4 addresses are refused", "[ipv4]") {
  for (const char* bad : {"", "10", "10.0.0", "10.0.0.0.1", "256.0.0.1", "10.0.0.-1", "10..0.1", "10.0.0.1 ",
                          " 10.0.0.1", "010.0.0.1", "10.0.0.1/24", "a.b.c.d", "::1", "1000.0.0.1"}) {
    INFO(bad);
    CHECK_FALSE(parseIpv4(bad));
  }
}

TEST_CASE("prefixes parse, format and measure", "[ipv4]") {
  auto p = parseIpv4Prefix("10.0.1.0/24");
  REQUIRE(p);
  CHECK(p->length == 24);
  CHECK(p->str() == "10.0.1.0/24");
  CHECK(formatIpv4(p->first()) == "10.0.1.0");
  CHECK(formatIpv4(p->last()) == "10.0.1.255");
  CHECK(p->size() == 256);
  CHECK(p->contains(*parseIpv4("10.0.1.77")));
  CHECK_FALSE(p->contains(*parseIpv4("10.0.2.1")));
}

TEST_CASE("a prefix with host bits set is refused", "[ipv4]") {
  CHECK_FALSE(parseIpv4Prefix("10.0.0.1/24"));
  CHECK_FALSE(parseIpv4Prefix("10.0.0.128/24"));
  CHECK_FALSE(parseIpv4Prefix("10.0.0.8/28"));
  CHECK(parseIpv4Prefix("10.0.0.16/28"));
}

TEST_CASE("malformed prefixes are refused", "[ipv4]") {
  for (const char* bad : {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/2x", "/24",
                          "10.0.0/24", "10.0.0.0/24/1"}) {
    INFO(bad);
    CHECK_FALSE(parseIpv4Prefix(bad));
  }
}

TEST_CASE("/0 covers everything and /32 is one address", "[ipv4]") {
  auto all = parseIpv4Prefix("0.0.0.0/0");
  REQUIRE(all);
  CHECK(all->mask() == 0);
  CHECK(all->size() == (uint64_t{1} << 32));
  CHECK(all->contains(*parseIpv4("255.255.255.255")));
  CHECK(all->contains(*parseIpv4Prefix("10.0.0.0/8")));
  CHECK_FALSE(parseIpv4Prefix("1.0.0.0/0"));

  auto one = parseIpv4Prefix("10.0.0.7/32");
  REQUIRE(one);
  CHECK(one->size() == 1);
  CHECK(one->first() == one->last());
  CHECK(one->contains(*parseIpv4("10.0.0.7")));
  CHECK_FALSE(one->contains(*parseIpv4("10.0.0.6")));
}

TEST_CASE("prefix containment and overlap", "[ipv4]") {
  auto vnet = *parseIpv4Prefix("10.0.0.0/16");
  auto a = *parseIpv4Prefix("10.0.0.0/24");
  auto b = *parseIpv4Prefix("10.0.0.128/25");
  auto c = *parseIpv4Prefix("10.0.1.0/24");
  auto outside = *parseIpv4Prefix("10.1.0.0/24");
  auto wider = *parseIpv4Prefix("10.0.0.0/15");

  CHECK(vnet.contains(a));
  CHECK(vnet.contains(c));
  CHECK_FALSE(vnet.contains(outside));
  CHECK_FALSE(vnet.contains(wider));  // wider than the vnet even though it starts inside
  CHECK(vnet.contains(vnet));

  CHECK(a.overlaps(b));
  CHECK(b.overlaps(a));
  CHECK_FALSE(a.overlaps(c));
  CHECK_FALSE(c.overlaps(a));
  CHECK(wider.overlaps(outside));
  CHECK(vnet.overlaps(wider));
  CHECK_FALSE(vnet.overlaps(outside));
}
