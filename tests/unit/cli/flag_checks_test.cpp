// The value checks behind every flag (cli/flag_checks.h): "" means accepted.
#include "cli/flag_checks.h"

#include <catch2/catch.hpp>

using namespace azlb::cli;

TEST_CASE("checkWholeNumber takes plain decimal digits in range only", "[cli]") {
  CHECK(checkWholeNumber("0", 0, 10).empty());
  CHECK(checkWholeNumber("10", 0, 10).empty());
  CHECK(checkWholeNumber("18446744073709551615", 0, UINT64_MAX).empty());
  CHECK_FALSE(checkWholeNumber("18446744073709551616", 0, UINT64_MAX).empty());
  CHECK_FALSE(checkWholeNumber("11", 0, 10).empty());
  CHECK_FALSE(checkWholeNumber("0", 1, 10).empty());
  for (const char* bad : {"", "010", "0x1", "1e1", " 1", "1 ", "-1", "+1", "1x"})
    CHECK_FALSE(checkWholeNumber(bad, 0, 100).empty());
  CHECK(checkWholeNumber("3x", 1, 60) == "'3x' is not a whole number 1..60");
}

TEST_CASE("checkIpv4Prefix wants a.b.c.d/n, host bits zero, nothing after n", "[cli]") {
  CHECK(checkIpv4Prefix("100.64.0.0/16", 16).empty());
  CHECK(checkIpv4Prefix("0.0.0.0/0").empty());
  CHECK(checkIpv4Prefix("10.1.2.0/24").empty());
  CHECK_FALSE(checkIpv4Prefix("10.1.2.0/24", 16).empty());
  for (const char* bad : {"100.64.0.0/16junk", "100.64.0.0/016", "0.0.0.0/-0", "0.0.0.0/00", "100.64.0.0/+16",
                          "100.64.0.0/", "/16", "100.64.0.0", "100.64.0.1/16", "100.64.0.00/16", "100.64.0.0/16/16"})
    CHECK_FALSE(checkIpv4Prefix(bad).empty());
}

TEST_CASE("checkIpv4Address wants a dotted quad", "[cli]") {
  CHECK(checkIpv4Address("100.64.4.1", false).empty());
  CHECK(checkIpv4Address("0.0.0.0", true).empty());
  CHECK_FALSE(checkIpv4Address("0.0.0.0", false).empty());
  for (const char* bad : {"100.64.4", "100.64.4.1.", "100.64.4.01", "256.0.0.1", "a.b.c.d", ""})
    CHECK_FALSE(checkIpv4Address(bad, true).empty());
}

TEST_CASE("checkScale wants a decimal fraction in (0, 1]", "[cli]") {
  for (const char* good : {"1", "1.0", "0.1", "0.01", "0.5"}) CHECK(checkScale(good).empty());
  for (const char* bad : {"0", "0.0", "1.01", "2", "", ".5", "1.", "1e-1", "nan", "inf", "-0.1", "0x1p-3", " 0.1"})
    CHECK_FALSE(checkScale(bad).empty());
}

TEST_CASE("checkOneOf and checkInstance", "[cli]") {
  CHECK(checkOneOf("on", {"on", "off"}).empty());
  CHECK(checkOneOf("ON", {"on", "off"}) == "'ON' is not one of on, off");
  CHECK(checkInstance("0").empty());
  CHECK(checkInstance("ab12").empty());
  for (const char* bad : {"", "abcde", "A", "a-b", "../.."}) CHECK_FALSE(checkInstance(bad).empty());
}
