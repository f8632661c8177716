// IPv4 address and prefix values used by the Topology description. Pure: parsed and printed by
// the one strict parser in common/ipv4.h, without <arpa/inet.h>.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace azlb::netns_model {

/// An IPv4 address in host byte order (10.0.0.1 is 0x0a000001).
struct Ipv4Address {
  std::uint32_t value = 0;

  bool operator==(const Ipv4Address&) const = default;
  auto operator<=>(const Ipv4Address&) const = default;
};

/// An address with a prefix length: an interface address ("100.64.0.1/30": the host bits are
/// kept) or a route destination ("198.18.0.0/16").
struct Ipv4Prefix {
  Ipv4Address address;
  std::uint8_t length = 32;

  bool operator==(const Ipv4Prefix&) const = default;
};

/// Dotted quad, exactly four decimal octets 0..255 without leading zeros. nullopt otherwise.
std::optional<Ipv4Address> parseIpv4(std::string_view text);
/// "a.b.c.d/len" (len 0..32), or a bare address meaning /32.
std::optional<Ipv4Prefix> parseIpv4Prefix(std::string_view text);

std::string toString(Ipv4Address address);
std::string toString(const Ipv4Prefix& prefix);

/// The address in network byte order, as sockets and netlink want it.
std::uint32_t toNetworkOrder(Ipv4Address address);

}  // namespace azlb::netns_model
