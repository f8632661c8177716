#include "emulator/dataplane/ipv4_address.h"

namespace azlb::dataplane {

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  std::uint32_t result = 0;
  std::size_t pos = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    std::uint32_t part = 0;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 4) {
      part = part * 10U + static_cast<std::uint32_t>(text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0 || digits > 3 || part > 255U) return std::nullopt;
    result = (result << 8U) | part;
  }
  if (pos != text.size()) return std::nullopt;
  return Ipv4Address{result};
}

std::string Ipv4Address::toString() const {
  std::string out;
  out.reserve(15);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((value >> static_cast<unsigned>(shift)) & 0xFFU);
    if (shift > 0) out += '.';
  }
  return out;
}

}  // namespace azlb::dataplane
