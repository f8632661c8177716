#include "netns/address.h"

#include <bit>

#include "common/ipv4.h"

namespace azlb::netns_model {

std::optional<Ipv4Address> parseIpv4(std::string_view text) {
  auto value = azlb::parseIpv4(text);
  if (!value) return std::nullopt;
  return Ipv4Address{*value};
}

std::optional<Ipv4Prefix> parseIpv4Prefix(std::string_view text) {
  auto cidr = azlb::parseIpv4Cidr(text, /*bareMeans32=*/true);
  if (!cidr) return std::nullopt;
  return Ipv4Prefix{Ipv4Address{cidr->address}, cidr->length};
}

std::string toString(Ipv4Address address) { return azlb::formatIpv4(address.value); }

std::string toString(const Ipv4Prefix& prefix) {
  return toString(prefix.address) + "/" + std::to_string(prefix.length);
}

std::uint32_t toNetworkOrder(Ipv4Address address) {
  if constexpr (std::endian::native == std::endian::little) {
    const std::uint32_t v = address.value;
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
  } else {
    return address.value;
  }
}

}  // namespace azlb::netns_model
