// The live half of the data plane's status, added to status.json's content by whoever shows it
// (`azlb status`, the live page's /azlb/ui/state): each process's own counters over its control
// socket, BIRD's BGP sessions over its socket, and the router kernel's routes into the public
// prefix. One way to read them, for both.
#pragma once

#include <nlohmann/json.hpp>

namespace azlb::manager {

/// Adds to `status` (status.json's content): per process "up" and "live" ({rx, tx, flows,
/// paths: {name: n}, drops: {reason: n} (non-zero only), snat: [...], fastpath: [...], bgp}),
/// "bgpSessions" ([{name, state, since, info}], BGP mode), "bgpError" (BIRD does not answer) and
/// "routerRoutes" ([{destination, nexthops: [{via, dev}]}]). Needs root for the router's routes.
void addLiveStatus(nlohmann::json& status);

}  // namespace azlb::manager
