#include "emulator/dataplane/ipv4_address.h"

#include <catch2/catch.hpp>

using azlb::dataplane::Ipv4Address;

TEST_CASE("ipv4 addresses parse from and print to dotted quads", "[dataplane]") {
  const auto a = Ipv4Address::parse("198.18.0.10");
  REQUIRE(a);
  CHECK(a->value == 0xC612000AU);
  CHECK(*a == Ipv4Address::fromOctets(198, 18, 0, 10));
  CHECK(a->toString() == "198.18.0.10");
  CHECK(Ipv4Address::parse("0.0.0.0")->isUnspecified());
  CHECK(Ipv4Address::parse("255.255.255.255")->value == 0xFFFFFFFFU);
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", "a.b.c.d", "1..2.3", "1.2.3.0004", "010.0.0.1"}) {
    INFO(bad);
    CHECK_FALSE(Ipv4Address::parse(bad));
  }
  CHECK(Ipv4Address::fromOctets(10, 0, 0, 1) < Ipv4Address::fromOctets(10, 0, 0, 2));
}
