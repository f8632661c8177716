#include "arm-api/common/ipv4.h"

#include <charconv>

namespace azlb::armapi {

std::optional<uint32_t> parseIpv4(std::string_view s) {
  uint32_t out = 0;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (s.empty() || s.front() != '.') return std::nullopt;
      s.remove_prefix(1);
    }
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    size_t n = static_cast<size_t>(p - s.data());
    if (ec != std::errc{} || n == 0 || n > 3 || v > 255 || (n > 1 && s.front() == '0'))
      return std::nullopt;
    s.remove_prefix(n);
    out = (out << 8) | v;
  }
  if (!s.empty()) return std::nullopt;
  return out;
}

std::string formatIpv4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

std::string Ipv4Prefix::str() const { return formatIpv4(network) + "/" + std::to_string(length); }

std::optional<Ipv4Prefix> parseIpv4Prefix(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = parseIpv4(s.substr(0, slash));
  auto lenText = s.substr(slash + 1);
  int len = -1;
  auto [p, ec] = std::from_chars(lenText.data(), lenText.data() + lenText.size(), len);
  if (!addr || ec != std::errc{} || p != lenText.data() + lenText.size() || len < 0 || len > 32)
    return std::nullopt;
  Ipv4Prefix pre{*addr, len};
  if ((*addr & pre.mask()) != *addr) return std::nullopt;
  return pre;
}

}  // namespace azlb::armapi
