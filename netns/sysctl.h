// Per-namespace sysctls: reads and writes /proc/sys from a thread inside the namespace (net.*
// entries follow the reading thread's namespace), plus named helpers for the ones azlb sets.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "netns/namespace.h"

namespace azlb::netns {

/// `key` is dotted ("net.ipv4.ip_forward") or a path below /proc/sys
/// ("net/ipv4/conf/azlb0-mux3/rp_filter": the form to use when a part holds a dot). EINVAL for
/// keys with "..", ENOENT for unknown keys, EPERM/EACCES without privileges.
Result<void> writeSysctl(const NetNamespace& ns, std::string_view key, std::string_view value);
/// The value without its trailing newline.
Result<std::string> readSysctl(const NetNamespace& ns, std::string_view key);

/// net.ipv4.ip_forward.
Result<void> setIpForwarding(const NetNamespace& ns, bool on);
/// net.ipv4.conf.<iface>.rp_filter: 0 off, 1 strict, 2 loose. `iface` may be "all" or
/// "default". The kernel applies max(all, <iface>).
Result<void> setRpFilter(const NetNamespace& ns, std::string_view iface, int mode);
/// net.ipv4.conf.<iface>.accept_local (accept packets with a local source address).
Result<void> setAcceptLocal(const NetNamespace& ns, std::string_view iface, bool on);
/// net.ipv4.fib_multipath_hash_policy: 0 L3 (addresses), 1 L4 (5-tuple), 2 L3 inner,
/// 3 custom (net.ipv4.fib_multipath_hash_fields). azlb's router uses 3 with the 5-tuple's fields
/// so ECMP spreads flows, not hosts, over the MUXes, from the packet's own header.
Result<void> setMultipathHashPolicy(const NetNamespace& ns, int policy);

}  // namespace azlb::netns
