#include "netns/address.h"

#include <bit>

namespace azlb::netns_model {
namespace {

std::optional<unsigned> parseDecimal(std::string_view s, unsigned max) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  if (s.size() > 1 && s.front() == '0') return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

}  // namespace

std::optional<Ipv4Address> parseIpv4(std::string_view text) {
  std::uint32_t value = 0;
  for (int octet = 0; octet < 4; ++octet) {
    auto dot = text.find('.');
    std::string_view part = octet < 3 ? text.substr(0, dot) : text;
    if (octet < 3 && dot == std::string_view::npos) return std::nullopt;
    auto v = parseDecimal(part, 255);
    if (!v) return std::nullopt;
    value = (value << 8) | *v;
    if (octet < 3) text.remove_prefix(dot + 1);
  }
  return Ipv4Address{value};
}

std::optional<Ipv4Prefix> parseIpv4Prefix(std::string_view text) {
  auto slash = text.find('/');
  auto address = parseIpv4(text.substr(0, slash));
  if (!address) return std::nullopt;
  if (slash == std::string_view::npos) return Ipv4Prefix{*address, 32};
  auto length = parseDecimal(text.substr(slash + 1), 32);
  if (!length) return std::nullopt;
  return Ipv4Prefix{*address, static_cast<std::uint8_t>(*length)};
}

std::string toString(Ipv4Address address) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((address.value >> shift) & 0xffu);
    if (shift) out += '.';
  }
  return out;
}

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
