// Rtnl: an rtnetlink socket (libnl) bound to one network namespace, and the link, address and
// route operations azlb needs: veth pairs across namespaces, up/down, MTU, IPv4 addresses,
// routes (plain, via gateway, on-link, ECMP multipath). libnl stays behind this header.
// Not here: namespaces themselves (netns/namespace.h), TUN (netns/tun.h), sysctls.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "netns/address.h"
#include "netns/namespace.h"
#include "netns/topology.h"

namespace azlb::netns {

using netns_model::Ipv4Address;
using netns_model::Ipv4Prefix;
using netns_model::Nexthop;

struct LinkInfo {
  std::string name;
  int index = 0;
  std::string kind;  // "veth", "tun", ... ; empty for lo and other kind-less links
  bool up = false;   // IFF_UP
  unsigned mtu = 0;
};

/// An IPv4 route of the main table as the kernel reports it. Nexthop::dev holds the link name,
/// weight is 1 for single-nexthop routes.
struct RouteInfo {
  Ipv4Prefix destination;
  std::vector<Nexthop> nexthops;
  std::uint32_t metric = 0;
};

/// One packet for RTM_GETROUTE: the route the kernel would use for it, multipath hash included.
struct RouteLookup {
  Ipv4Address src, dst;
  std::string iif;  // the link it arrives on (forwarding lookup)
  std::uint8_t protocol = 6;
  std::uint16_t srcPort = 0, dstPort = 0;
};
/// The kernel's choice: the outgoing link and, for a gateway route, the next hop.
struct RouteChoice {
  std::string dev;
  std::optional<Ipv4Address> gateway;
};

/// Errors of every method carry the rtnetlink message and object in the context
/// ("RTM_NEWLINK veth azlb0-mux3") and an errno-style code (EEXIST, ENODEV, EPERM, ...).
/// Move-only. Not thread-safe: use one Rtnl from one thread at a time (any thread: the socket
/// stays in its namespace whichever thread uses it).
class Rtnl {
 public:
  /// A socket in the calling thread's current namespace.
  static Result<Rtnl> open();
  /// A socket in `ns` (made on a helper thread inside it; the caller's thread does not move).
  static Result<Rtnl> openIn(const NetNamespace& ns);

  Rtnl(Rtnl&&) noexcept = default;
  Rtnl& operator=(Rtnl&&) noexcept = default;
  ~Rtnl() = default;

  /// ENODEV when no such link.
  Result<int> linkIndex(std::string_view name);
  Result<std::vector<LinkInfo>> links();

  /// Creates a veth pair: `name` in this socket's namespace and `peerName` in `peerNs`
  /// (nullptr: this namespace too). Both ends start down. EEXIST when either name is taken.
  Result<void> addVeth(std::string_view name, std::string_view peerName,
                       const NetNamespace* peerNs);
  /// Deletes a link (both ends, for a veth). ENODEV when it does not exist.
  Result<void> deleteLink(std::string_view name);
  Result<void> setLinkUp(std::string_view name, bool up = true);
  Result<void> setMtu(std::string_view name, unsigned mtu);
  /// Sets the link's Ethernet address ("02:00:0a:01:00:04"). EINVAL for a malformed address.
  Result<void> setMacAddress(std::string_view name, std::string_view mac);

  /// Adds (or replaces: idempotent) an IPv4 address such as 100.64.1.1/30 on `dev`.
  Result<void> addAddress(std::string_view dev, const Ipv4Prefix& address);

  /// Adds or replaces a main-table route to `destination`. One nexthop: a plain route (dev only:
  /// scope link; with gateway; on-link). Several: one ECMP route (RTA_MULTIPATH) spread by
  /// weight; the hash inputs follow net.ipv4.fib_multipath_hash_policy (netns/sysctl.h).
  /// EINVAL for no nexthops or a weight outside 1..256, ENODEV for an unknown dev, ENETUNREACH
  /// (or EINVAL) from the kernel when a gateway is not reachable on its dev without `onlink`.
  Result<void> addRoute(const Ipv4Prefix& destination, std::span<const Nexthop> nexthops,
                        std::uint32_t metric = 0, std::uint32_t table = 0 /* main */);
  /// Adds a policy-routing rule at `priority`: packets that arrived on `iif` (empty: any) look up
  /// `table`. Idempotent: an identical rule already there is success.
  Result<void> addRule(std::uint32_t priority, std::string_view iif, std::uint32_t table);
  /// ESRCH/ENOENT when no such route.
  Result<void> deleteRoute(const Ipv4Prefix& destination, std::uint32_t metric = 0);
  /// IPv4 unicast routes of the main table.
  Result<std::vector<RouteInfo>> routes();
  /// `ip route get DST from SRC iif IIF ipproto P sport S dport D`: the next hop the kernel picks
  /// for that packet; for an ECMP route, the one its multipath hash picks (the real choice, not a
  /// model of it). ENETUNREACH/EHOSTUNREACH (or EINVAL for a blackhole) when there is no route.
  Result<RouteChoice> routeGet(const RouteLookup& lookup);

 private:
  struct State;  // the libnl socket and the last kernel errno its error callback saw
  struct StateDeleter {
    void operator()(State* state) const;
  };
  explicit Rtnl(std::unique_ptr<State, StateDeleter> state) : state_(std::move(state)) {}

  std::unique_ptr<State, StateDeleter> state_;
};

}  // namespace azlb::netns
