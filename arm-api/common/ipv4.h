// IPv4 prefixes for ARM validation and allocation (subnets, VNets, frontends); addresses are
// parsed by the one strict parser in common/ipv4.h. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/ipv4.h"

namespace azlb::armapi {

using azlb::formatIpv4;
using azlb::parseIpv4;

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
