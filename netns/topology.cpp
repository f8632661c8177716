#include "netns/topology.h"

#include <cerrno>
#include <set>
#include <string_view>
#include <utility>

#include "netns/naming.h"

namespace azlb::netns_model {
namespace {

bool isValidObjectName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || name == "." || name == "..") return false;
  for (char c : name) {
    if (c == '/' || c == ' ' || c == '\t' || c == '\n' || c == ':' || c == '\0') return false;
  }
  return true;
}

bool isValidSysctlKey(std::string_view key) {
  if (key.empty() || key.front() == '/' || key.find("..") != std::string_view::npos) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '/';
    if (!ok) return false;
  }
  return true;
}

std::string where(std::string_view ns) {
  return ns.empty() ? std::string("root namespace") : "namespace " + std::string(ns);
}

}  // namespace

Result<void> validate(const Topology& topology) {
  std::set<std::string> namespaces;
  for (const auto& ns : topology.namespaces) {
    if (!isValidObjectName(ns.name)) return fail("topology namespace '" + ns.name + "'", EINVAL);
    if (!namespaces.insert(ns.name).second) {
      return fail("topology namespace " + ns.name + " declared twice", EINVAL);
    }
    for (const auto& s : ns.sysctls) {
      if (!isValidSysctlKey(s.key)) {
        return fail("topology sysctl '" + s.key + "' in namespace " + ns.name, EINVAL);
      }
    }
  }
  auto knownNs = [&](const std::string& ns) { return ns.empty() || namespaces.count(ns) != 0; };

  std::set<std::pair<std::string, std::string>> links;  // (namespace, link)
  auto addLink = [&](const std::string& ns, const std::string& name,
                     const char* what) -> Result<void> {
    if (!knownNs(ns)) return fail(std::string("topology ") + what + " " + name +
                                      ": undeclared namespace " + ns, EINVAL);
    if (!isValidObjectName(name)) {
      return fail(std::string("topology ") + what + " name '" + name + "'", EINVAL);
    }
    if (!links.emplace(ns, name).second) {
      return fail(std::string("topology ") + what + " " + name + " twice in " + where(ns),
                  EINVAL);
    }
    return {};
  };
  for (const auto& v : topology.veths) {
    if (auto r = addLink(v.a.ns, v.a.name, "veth"); !r) return r;
    if (auto r = addLink(v.b.ns, v.b.name, "veth"); !r) return r;
  }
  for (const auto& t : topology.tuns) {
    if (auto r = addLink(t.ns, t.name, "tun"); !r) return r;
    if (t.queues == 0) return fail("topology tun " + t.name + " with 0 queues", EINVAL);
  }

  for (const auto& route : topology.routes) {
    const std::string dst = toString(route.destination);
    if (!knownNs(route.ns)) {
      return fail("topology route " + dst + ": undeclared namespace " + route.ns, EINVAL);
    }
    if (route.destination.length > 32) return fail("topology route " + dst, EINVAL);
    const std::uint32_t hostMask =
        route.destination.length == 32 ? 0u : (0xffffffffu >> route.destination.length);
    if ((route.destination.address.value & hostMask) != 0) {
      return fail("topology route " + dst + " has host bits set", EINVAL);
    }
    if (route.nexthops.empty()) {
      return fail("topology route " + dst + " in " + where(route.ns) + " has no nexthop", EINVAL);
    }
    for (const auto& nh : route.nexthops) {
      if (links.count({route.ns, nh.dev}) == 0) {
        return fail("topology route " + dst + " via unknown link " + nh.dev + " in " +
                        where(route.ns), EINVAL);
      }
      if (nh.weight < 1 || nh.weight > 256) {
        return fail("topology route " + dst + " nexthop weight " + std::to_string(nh.weight),
                    EINVAL);
      }
      if (nh.onlink && !nh.gateway) {
        return fail("topology route " + dst + " onlink nexthop without gateway", EINVAL);
      }
    }
  }
  return {};
}

}  // namespace azlb::netns_model
