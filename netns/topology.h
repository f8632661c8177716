// The data-plane topology as plain data: namespaces, veth pairs, TUN devices, addresses, routes
// (incl. ECMP multipath) and sysctls. The controller produces it; netns/realize.h builds it.
// Pure: no syscalls. Names in it come from Naming::name() (netns/naming.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "netns/address.h"

namespace azlb::netns_model {

/// Namespace name meaning "the namespace the realiser runs in" (normally the root namespace).
inline constexpr const char* kRootNamespace = "";

/// One /proc/sys entry. key is dotted ("net.ipv4.ip_forward") or a path relative to /proc/sys
/// ("net/ipv4/conf/azlb0-mux3/rp_filter"; use the path form when the key holds an interface name).
struct Sysctl {
  std::string key;
  std::string value;

  bool operator==(const Sysctl&) const = default;
};

struct NamespaceSpec {
  std::string name;              // /run/netns/<name>; not kRootNamespace
  std::vector<Sysctl> sysctls;   // applied after links exist, in order
  /// Addresses put on its loopback when it is created. The kernel makes the whole prefix of a
  /// loopback address local: 198.19.0.1/16 on lo answers at every 198.19.x.y.
  std::vector<Ipv4Prefix> loopbackAddresses = {};
};

/// One end of a veth pair: which namespace it lives in, its name there, its addresses.
struct LinkEnd {
  std::string ns;  // a NamespaceSpec name, or kRootNamespace
  std::string name;
  std::vector<Ipv4Prefix> addresses;  // interface addresses, e.g. 100.64.1.1/30
  std::string mac;  // "02:00:64:7f:10:05"; empty: the kernel's random address
};

struct VethSpec {
  LinkEnd a;
  LinkEnd b;
  unsigned mtu = 0;  // 0: kernel default
};

/// A TUN device (IFF_TUN | IFF_NO_PI). The realiser opens `queues` fds and keeps them.
struct TunSpec {
  std::string ns;
  std::string name;
  std::vector<Ipv4Prefix> addresses;
  unsigned mtu = 0;     // 0: kernel default
  unsigned queues = 1;  // >1 sets IFF_MULTI_QUEUE
  bool vnetHdr = false; // IFF_VNET_HDR
};

/// One next hop. With no gateway the destination is on the link of `dev`.
struct Nexthop {
  std::optional<Ipv4Address> gateway;
  std::string dev;      // a link in the route's namespace
  bool onlink = false;  // RTNH_F_ONLINK: trust the gateway to be on `dev` without a covering route
  unsigned weight = 1;  // 1..256, relative share in a multipath route

  bool operator==(const Nexthop&) const = default;
};

/// A route in the main table. Two or more nexthops make an ECMP (RTA_MULTIPATH) route.
struct RouteSpec {
  std::string ns;
  Ipv4Prefix destination;  // host bits must be zero
  std::vector<Nexthop> nexthops;
  std::uint32_t metric = 0;
};

struct Topology {
  std::vector<NamespaceSpec> namespaces;
  std::vector<VethSpec> veths;
  std::vector<TunSpec> tuns;
  std::vector<RouteSpec> routes;
};

/// Checks what the kernel would otherwise reject half-way through realising: names (non-empty,
/// <= 15 chars, no '/' or whitespace), references to undeclared namespaces or links, duplicate
/// link names in one namespace, weights, route destinations with host bits set, sysctl keys.
/// The error (EINVAL) names the first offending object.
Result<void> validate(const Topology& topology);

}  // namespace azlb::netns_model
