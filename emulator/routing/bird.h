// The router's routing daemon: BIRD 2 (Debian's bird2). azlb writes its configuration (one eBGP
// session per MUX, ECMP by merging equal BGP paths into one kernel route, a blackhole for the
// public prefix so an address no MUX announces is dropped, as Azure drops traffic to an unused
// public address) and talks to its control socket for `azlb status` (BIRD's client protocol:
// a command line in, numbered reply lines out). Why BIRD and not FRR: one process and one file
// per router, no zebra/bgpd/vtysh trio to start, configure and supervise in a namespace.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace azlb::routing {

inline constexpr std::uint32_t kRouterAs = 65000;
inline constexpr std::uint32_t kMuxAs = 65100;  // every MUX: one AS, equal paths, ECMP
inline constexpr std::uint16_t kHoldTime = 3;   // seconds: a hung MUX is out within 3 s

struct BirdConfig {
  std::string instance;      // for the comment
  std::string routerId;      // the router's root-link address
  std::string publicPrefix;  // "198.18.0.0/16": the only routes accepted from MUXes (as /32s)
  struct Mux {
    std::string routerSide, muxSide;  // the /30 link's two addresses
  };
  std::vector<Mux> muxes;  // session "mux<i>" for MUX i
};

std::string renderBirdConfig(const BirdConfig& c);

/// The default path of the BIRD binary (Debian's bird2); found(): whether it is installed.
inline constexpr const char* kBirdBinary = "/usr/sbin/bird";
bool birdInstalled();

/// Sends one command to BIRD's control socket and returns the reply's lines with their codes
/// stripped. Errors: cannot connect (ECONNREFUSED, ENOENT), BIRD answered an error (EPROTO, with
/// BIRD's text), or no complete reply within `timeout` (ETIMEDOUT).
Result<std::vector<std::string>> birdQuery(const std::string& socketPath,
                                           const std::string& command,
                                           std::chrono::milliseconds timeout);

/// One line of `show protocols` for a BGP session.
struct BgpSessionInfo {
  std::string name;   // "mux0"
  std::string state;  // BIRD's protocol state: up, start, down
  std::string since;  // "2026-12-04 03:20:01"
  std::string info;   // "Established", "Active  Socket: Connection refused", ...
};
/// The BGP rows of `show protocols` (other protocols are skipped).
std::vector<BgpSessionInfo> parseProtocols(const std::vector<std::string>& lines);

}  // namespace azlb::routing
