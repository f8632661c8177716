// IPv6 prefixes for ARM validation only (dual-stack VNets and subnets are stored and checked; the
// data plane is IPv4). Pure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace azlb::armapi {

struct Ipv6Prefix {
  std::array<std::uint8_t, 16> bytes{};  // host bits zero
  int length = 0;
  /// Whether `p` lies inside this prefix (same or longer length, same leading bits).
  bool contains(const Ipv6Prefix& p) const;
  bool overlaps(const Ipv6Prefix& p) const { return contains(p) || p.contains(*this); }
};

/// Parses "fdae:f296:2787::/48": eight 16-bit hex groups, one "::" for a run of zero groups, a
/// length 0-128, host bits zero. No embedded IPv4 form, no zone.
std::optional<Ipv6Prefix> parseIpv6Prefix(std::string_view s);

}  // namespace azlb::armapi
