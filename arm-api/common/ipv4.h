// IPv4 addresses and prefixes for ARM validation and allocation (subnets, VNets, frontends).
// Pure; IPv6 strings are recognised only so they can be stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace azlb::armapi {

std::optional<uint32_t> parseIpv4(std::string_view s);
std::string formatIpv4(uint32_t addr);

struct Ipv4Prefix {
  uint32_t network = 0;  // host bits zero
  int length = 0;
  uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
  uint32_t first() const { return network; }
  uint32_t last() const { return network | ~mask(); }
  uint64_t size() const { return uint64_t{1} << (32 - length); }
  bool contains(uint32_t a) const { return (a & mask()) == network; }
  bool contains(const Ipv4Prefix& p) const { return p.length >= length && contains(p.network); }
  bool overlaps(const Ipv4Prefix& p) const { return contains(p.network) || p.contains(network); }
  std::string str() const;
};

/// Parses "10.0.0.0/24"; host bits must be zero (as Azure requires for address prefixes).
std::optional<Ipv4Prefix> parseIpv4Prefix(std::string_view s);

}  // namespace azlb::armapi
