#include "common/ipv4.h"

namespace azlb {

namespace {

/// A decimal number 0..max with 1-3 digits and no leading zero (except "0" itself).
std::optional<std::uint32_t> parseSmallDecimal(std::string_view text, std::uint32_t max) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text.front() == '0'))
    return std::nullopt;
  std::uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::uint32_t> parseIpv4(std::string_view text) {
  std::uint32_t value = 0;
  for (int octet = 0; octet < 4; ++octet) {
    const auto dot = text.find('.');
    if ((octet < 3) == (dot == std::string_view::npos)) return std::nullopt;
    auto part = parseSmallDecimal(text.substr(0, dot), 255);
    if (!part) return std::nullopt;
    value = (value << 8) | *part;
    text = octet < 3 ? text.substr(dot + 1) : std::string_view();
  }
  return value;
}

std::string formatIpv4(std::uint32_t address) {
  std::string out;
  out.reserve(15);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += std::to_string((address >> shift) & 0xffu);
    if (shift > 0) out += '.';
  }
  return out;
}

std::optional<Ipv4Cidr> parseIpv4Cidr(std::string_view text, bool bareMeans32) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos && !bareMeans32) return std::nullopt;
  auto address = parseIpv4(text.substr(0, slash));
  if (!address) return std::nullopt;
  if (slash == std::string_view::npos) return Ipv4Cidr{*address, 32};
  auto length = parseSmallDecimal(text.substr(slash + 1), 32);
  if (!length) return std::nullopt;
  return Ipv4Cidr{*address, static_cast<std::uint8_t>(*length)};
}

}  // namespace azlb
