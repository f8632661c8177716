#include "emulator/routing/announcements.h"

#include <algorithm>

namespace azlb::routing {

std::vector<dataplane::Ipv4Address> servedAddresses(const dataplane::ForwardingConfigSpec& spec,
                                                    dataplane::Ipv4Address network,
                                                    std::uint8_t length) {
  const std::uint32_t mask = length == 0 ? 0 : ~std::uint32_t{0} << (32U - length);
  std::vector<dataplane::Ipv4Address> out;
  auto add = [&](dataplane::Ipv4Address a) {
    if ((a.value & mask) == (network.value & mask)) out.push_back(a);
  };
  for (const auto& r : spec.rules) add(r.frontendIp);
  for (const auto& s : spec.outbound)
    for (const auto& b : s.blocks) add(b.ip);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace azlb::routing
