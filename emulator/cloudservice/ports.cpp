#include "emulator/cloudservice/ports.h"

#include <set>

namespace azlb::cloudservice {
namespace {

/// The local port the csdef fixes for `ep`, or 0 when azlb assigns one.
int fixedLocalPort(const Endpoint& ep) {
  switch (ep.kind) {
    case EndpointKind::Input:
      return ep.localPortAuto ? 0 : (ep.localPort != 0 ? ep.localPort : ep.port);
    case EndpointKind::InstanceInput:
      return ep.localPort;
    case EndpointKind::Internal:
      if (ep.port != 0) return ep.port;
      return ep.fixedPortRange ? ep.fixedPortRange->min : 0;
  }
  return 0;
}

}  // namespace

int instancePublicPort(const Endpoint& instanceInput, int instanceIndex) {
  return instanceInput.fixedPortRange ? instanceInput.fixedPortRange->min + instanceIndex : 0;
}

int localPortOf(const Deployment& d, std::size_t role, std::size_t endpoint) {
  const auto& eps = d.definition.roles.at(role).endpoints;
  if (const int fixed = fixedLocalPort(eps.at(endpoint)); fixed != 0) return fixed;
  std::set<int> taken;
  for (const auto& ep : eps) {
    if (ep.kind == EndpointKind::Internal && ep.fixedPortRange)
      for (int p = ep.fixedPortRange->min; p <= ep.fixedPortRange->max; ++p) taken.insert(p);
    else if (const int f = fixedLocalPort(ep); f != 0)
      taken.insert(f);
  }
  int next = kFirstDynamicPort;
  for (std::size_t i = 0;; ++i) {
    while (taken.count(next) != 0) ++next;
    if (i == endpoint) return next;
    if (fixedLocalPort(eps[i]) == 0) ++next;
  }
}

}  // namespace azlb::cloudservice
