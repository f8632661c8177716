#include "arm-api/common/ipv4.h"

#include "common/ipv4.h"

namespace azlb::armapi {

std::string Ipv4Prefix::str() const {
  return formatIpv4(network) + "/" + std::to_string(length);
}

std::optional<Ipv4Prefix> parseIpv4Prefix(std::string_view s) {
  auto cidr = azlb::parseIpv4Cidr(s);
  if (!cidr) return std::nullopt;
  Ipv4Prefix pre{cidr->address, cidr->length};
  if ((cidr->address & pre.mask()) != cidr->address) return std::nullopt;
  return pre;
}

}  // namespace azlb::armapi
