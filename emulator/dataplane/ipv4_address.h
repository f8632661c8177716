// Ipv4Address: an IPv4 address as a value (host byte order). Parsing and printing are for the
// control plane and tests; the packet path only compares and copies the integer.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace azlb::dataplane {

struct Ipv4Address {
  /// Host byte order: 10.0.0.1 is 0x0A000001.
  std::uint32_t value = 0;

  static constexpr Ipv4Address fromOctets(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                          std::uint8_t d) {
    return Ipv4Address{(static_cast<std::uint32_t>(a) << 24U) |
                       (static_cast<std::uint32_t>(b) << 16U) |
                       (static_cast<std::uint32_t>(c) << 8U) | static_cast<std::uint32_t>(d)};
  }

  /// Parses a dotted quad ("198.18.0.10") with common/ipv4.h's strict rules (no leading zeros,
  /// no shorthand forms such as "10.1"); nullopt for anything else.
  static std::optional<Ipv4Address> parse(std::string_view text);

  /// Dotted quad. Allocates: not for the packet path.
  std::string toString() const;

  constexpr bool isUnspecified() const { return value == 0; }

  friend constexpr auto operator<=>(const Ipv4Address&, const Ipv4Address&) = default;
};

}  // namespace azlb::dataplane
