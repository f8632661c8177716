// Which ports a cloud service's endpoints take: the public port of each instance of an
// InstanceInputEndpoint (its FixedPortRange, one port per instance in instance order) and the
// local port an endpoint listens on inside each instance, including the dynamic ports azlb
// assigns where the csdef leaves them open (InternalEndpoint without a port, localPort="*").
// Pure.
#pragma once

#include <cstddef>

#include "emulator/cloudservice/definition.h"

namespace azlb::cloudservice {

/// The first dynamic port; dynamic endpoints take kFirstDynamicPort, +1, ... in definition order,
/// skipping the role's fixed local ports.
inline constexpr int kFirstDynamicPort = 20000;

/// Instance `instanceIndex`'s public port: fixedPortRange.min + instanceIndex (validate.h has
/// checked the range holds every instance).
int instancePublicPort(const Endpoint& instanceInput, int instanceIndex);

/// The port endpoint `endpoint` of role `role` listens on inside each instance: InputEndpoint
/// localPort (default its port), InstanceInputEndpoint localPort, InternalEndpoint port /
/// FixedPort / FixedPortRange's first port, else a dynamic port.
int localPortOf(const Deployment& d, std::size_t role, std::size_t endpoint);

}  // namespace azlb::cloudservice
