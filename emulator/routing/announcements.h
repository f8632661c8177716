// What a MUX announces: every public address its snapshot serves (load-balancing and inbound NAT
// frontends, SNAT and instance public IPs), inside the public prefix (internal frontends live in
// VNets and never leave the fabric), as /32 host routes. Pure.
#pragma once

#include <cstdint>
#include <vector>

#include "emulator/dataplane/forwarding_config.h"

namespace azlb::routing {

/// Sorted, without duplicates. `network`/`length`: the public prefix.
std::vector<dataplane::Ipv4Address> servedAddresses(const dataplane::ForwardingConfigSpec& spec,
                                                    dataplane::Ipv4Address network,
                                                    std::uint8_t length);

}  // namespace azlb::routing
