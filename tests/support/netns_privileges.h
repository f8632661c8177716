// The netns test tier's gate (STYLE.md §8): a functional probe of what the tier needs, run in a
// forked child so the test process itself never changes namespace. Probe, don't check uid 0:
// a container can be uid 0 without CAP_SYS_ADMIN/CAP_NET_ADMIN.
#pragma once

#include <optional>
#include <string>

namespace azlb::testsupport {

/// In a forked child: unshare(CLONE_NEWNET), create a veth pair there (raw rtnetlink, on
/// purpose independent of azlb::netns so a bug there cannot turn into a skip), open
/// /dev/net/tun and attach a TUN device. Everything lives in the child's private namespace and
/// vanishes with it. nullopt when all steps work, else "<step>: <errno text>".
std::optional<std::string> probeNetnsPrivileges();

/// Runs the probe; when a step fails prints
/// `netns tier needs root (<step>: <errno text>); run: sudo ctest -L netns`
/// to stderr and exits with AZLB_SKIP_CODE (ctest's SKIP_RETURN_CODE). Call first in main().
void requireNetnsPrivileges();

}  // namespace azlb::testsupport
