#include "emulator/dataplane/ipv4_address.h"

#include "common/ipv4.h"

namespace azlb::dataplane {

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  auto value = azlb::parseIpv4(text);
  if (!value) return std::nullopt;
  return Ipv4Address{*value};
}

std::string Ipv4Address::toString() const { return azlb::formatIpv4(value); }

}  // namespace azlb::dataplane
