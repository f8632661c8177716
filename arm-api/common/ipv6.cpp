#include "arm-api/common/ipv6.h"

#include <charconv>
#include <vector>

namespace azlb::armapi {

namespace {

/// "a:b:c" (possibly empty) into 16-bit groups; false on a bad group.
bool groups(std::string_view s, std::vector<std::uint16_t>& out) {
  if (s.empty()) return true;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = s.find(':', start);
    const std::string_view g =
        s.substr(start, colon == std::string_view::npos ? s.npos : colon - start);
    unsigned value = 0;
    auto [p, ec] = std::from_chars(g.data(), g.data() + g.size(), value, 16);
    if (g.empty() || g.size() > 4 || ec != std::errc() || p != g.data() + g.size()) return false;
    out.push_back(static_cast<std::uint16_t>(value));
    if (colon == std::string_view::npos) return true;
    start = colon + 1;
  }
}

std::optional<std::array<std::uint8_t, 16>> parseAddress(std::string_view s) {
  std::vector<std::uint16_t> head, tail;
  const std::size_t gap = s.find("::");
  const bool compressed = gap != std::string_view::npos;
  if (compressed && s.find("::", gap + 1) != std::string_view::npos) return std::nullopt;
  if (!groups(compressed ? s.substr(0, gap) : s, head)) return std::nullopt;
  if (compressed && !groups(s.substr(gap + 2), tail)) return std::nullopt;
  const std::size_t n = head.size() + tail.size();
  if (compressed ? n > 7 : n != 8) return std::nullopt;
  head.resize(8 - tail.size(), 0);
  head.insert(head.end(), tail.begin(), tail.end());
  std::array<std::uint8_t, 16> out{};
  for (std::size_t i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<std::uint8_t>(head[i] >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(head[i] & 0xff);
  }
  return out;
}

/// Whether the first `length` bits of a and b agree.
bool samePrefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                int length) {
  for (int bit = 0; bit < length; ++bit) {
    const int byte = bit / 8, shift = 7 - bit % 8;
    if (((a[static_cast<std::size_t>(byte)] >> shift) & 1) !=
        ((b[static_cast<std::size_t>(byte)] >> shift) & 1))
      return false;
  }
  return true;
}

}  // namespace

bool Ipv6Prefix::contains(const Ipv6Prefix& p) const {
  return p.length >= length && samePrefix(bytes, p.bytes, length);
}

std::optional<Ipv6Prefix> parseIpv6Prefix(std::string_view s) {
  const std::size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view len = s.substr(slash + 1);
  int length = -1;
  auto [p, ec] = std::from_chars(len.data(), len.data() + len.size(), length);
  if (len.empty() || ec != std::errc() || p != len.data() + len.size() || length < 0 ||
      length > 128)
    return std::nullopt;
  auto address = parseAddress(s.substr(0, slash));
  if (!address) return std::nullopt;
  for (int bit = length; bit < 128; ++bit)  // host bits zero
    if (((*address)[static_cast<std::size_t>(bit / 8)] >> (7 - bit % 8)) & 1) return std::nullopt;
  return Ipv6Prefix{*address, length};
}

}  // namespace azlb::armapi
