// The one IPv4 text parser and formatter of azlb. Strict: exactly four decimal octets 0..255
// with no leading zeros ("010" is octal to inet_aton and ambiguous), no sign, no spaces, nothing
// after. ARM validation, the data plane and the netns layer wrap these in their own value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace azlb {

/// "10.0.0.1" -> 0x0a000001 (host byte order); nullopt for anything else.
std::optional<std::uint32_t> parseIpv4(std::string_view text);

/// 0x0a000001 -> "10.0.0.1".
std::string formatIpv4(std::uint32_t address);

struct Ipv4Cidr {
  std::uint32_t address = 0;  // as written: host bits are not cleared or checked here
  std::uint8_t length = 32;
};

/// "a.b.c.d/len" with len 0..32 in decimal without leading zeros; `bareMeans32` also accepts a
/// plain address as /32. Whether host bits may be set is the caller's rule.
std::optional<Ipv4Cidr> parseIpv4Cidr(std::string_view text, bool bareMeans32 = false);

}  // namespace azlb
