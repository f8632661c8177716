// IPv6 prefixes for dual-stack VNet validation.
#include "arm-api/common/ipv6.h"

#include <catch2/catch.hpp>

using azlb::armapi::parseIpv6Prefix;

TEST_CASE("IPv6 prefixes parse with :: compression and need their host bits zero", "[ipv6]") {
  auto space = parseIpv6Prefix("fdae:f296:2787::/48");
  REQUIRE(space);
  CHECK(space->length == 48);
  CHECK(space->bytes[0] == 0xfd);
  CHECK(space->bytes[5] == 0x87);
  CHECK(space->bytes[6] == 0);
  auto subnet = parseIpv6Prefix("fdae:f296:2787:1::/64");
  REQUIRE(subnet);
  CHECK(space->contains(*subnet));
  CHECK_FALSE(subnet->contains(*space));
  CHECK(space->overlaps(*subnet));
  auto other = parseIpv6Prefix("fdae:f296:2788::/48");
  REQUIRE(other);
  CHECK_FALSE(space->overlaps(*other));
  CHECK(parseIpv6Prefix("::/0"));
  CHECK(parseIpv6Prefix("2001:db8:0:0:0:0:0:1/128"));
  CHECK(parseIpv6Prefix("ace:cab:deca::/48"));
  for (const char* bad : {"fdae:f296:2787::1/48", "fdae::f296::/48", "fdae:f296:2787::", "fdae:f296:2787::/129",
                          "fdae:f296:2787::/-1", "g::/16", "12345::/16", "1:2:3:4:5:6:7:8:9/64", "1:2:3:4:5:6:7/64",
                          "10.0.0.0/16", "::ffff:10.0.0.0/104", ""}) {
    INFO(bad);
    CHECK_FALSE(parseIpv6Prefix(bad));
  }
}
