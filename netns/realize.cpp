#include "netns/realize.h"

#include <cerrno>
#include <optional>

#include "netns/netlink.h"
#include "netns/sysctl.h"

namespace azlb::netns {

RealizedTopology& RealizedTopology::operator=(RealizedTopology&& other) noexcept {
  if (this != &other) {
    (void)destroy();
    rootLinks_ = std::move(other.rootLinks_);
    tuns_ = std::move(other.tuns_);
    namespaces_ = std::move(other.namespaces_);
  }
  return *this;
}

RealizedTopology::~RealizedTopology() { (void)destroy(); }

const NetNamespace* RealizedTopology::findNamespace(const std::string& name) const {
  for (const auto& ns : namespaces_) {
    if (ns.name() == name) return &ns;
  }
  return nullptr;
}

TunDevice* RealizedTopology::findTun(const std::string& ns, const std::string& name) {
  auto it = tuns_.find(ns);
  if (it == tuns_.end()) return nullptr;
  for (auto& tun : it->second) {
    if (tun.name() == name) return &tun;
  }
  return nullptr;
}

Result<void> RealizedTopology::destroy() {
  std::optional<Error> first;
  if (!rootLinks_.empty()) {
    auto rtnl = Rtnl::open();
    if (!rtnl) {
      first = rtnl.error();
    } else {
      for (const auto& link : rootLinks_) {
        auto removed = rtnl->deleteLink(link);
        if (!removed && removed.error().code.value() != ENODEV && !first) first = removed.error();
      }
    }
    rootLinks_.clear();
  }
  tuns_.clear();
  for (auto& ns : namespaces_) {
    if (auto removed = ns.destroy(); !removed && !first) first = removed.error();
  }
  namespaces_.clear();
  if (first) return unexpected(*first);
  return {};
}

void RealizedTopology::release() {
  rootLinks_.clear();
  tuns_.clear();
  for (auto& ns : namespaces_) ns.release();
  namespaces_.clear();
}

namespace {

// Sets MTU, MAC, addresses and up on one link through the namespace's socket.
Result<void> configureLink(Rtnl& rtnl, const std::string& name, unsigned mtu,
                           const std::vector<netns_model::Ipv4Prefix>& addresses,
                           const std::string& mac = {}) {
  if (mtu != 0) {
    if (auto ok = rtnl.setMtu(name, mtu); !ok) return ok;
  }
  if (!mac.empty()) {
    if (auto ok = rtnl.setMacAddress(name, mac); !ok) return ok;
  }
  for (const auto& address : addresses) {
    if (auto ok = rtnl.addAddress(name, address); !ok) return ok;
  }
  return rtnl.setLinkUp(name, true);
}

}  // namespace

Result<RealizedTopology> realize(const netns_model::Topology& topology) {
  if (auto ok = netns_model::validate(topology); !ok) return unexpected(ok.error());

  RealizedTopology out;  // removes whatever was made if we return early
  auto root = NetNamespace::current();
  if (!root) return unexpected(root.error());
  std::map<std::string, Rtnl> sockets;

  auto rootRtnl = Rtnl::open();
  if (!rootRtnl) return unexpected(rootRtnl.error());
  sockets.emplace(netns_model::kRootNamespace, std::move(*rootRtnl));

  for (const auto& spec : topology.namespaces) {
    auto ns = NetNamespace::create(spec.name);
    if (!ns) return unexpected(ns.error());
    out.namespaces_.push_back(std::move(*ns));
    auto rtnl = Rtnl::openIn(out.namespaces_.back());
    if (!rtnl) return unexpected(rtnl.error());
    if (auto ok = rtnl->setLinkUp("lo", true); !ok) return unexpected(ok.error());
    sockets.emplace(spec.name, std::move(*rtnl));
  }
  auto nsOf = [&](const std::string& name) -> const NetNamespace* {
    return name.empty() ? &*root : out.findNamespace(name);
  };

  for (const auto& veth : topology.veths) {
    Rtnl& a = sockets.at(veth.a.ns);
    if (auto ok = a.addVeth(veth.a.name, veth.b.name, nsOf(veth.b.ns)); !ok) {
      return unexpected(ok.error());
    }
    // Record root ends at once so a later failure still removes them.
    if (veth.a.ns.empty()) out.rootLinks_.push_back(veth.a.name);
    if (veth.b.ns.empty()) out.rootLinks_.push_back(veth.b.name);
    for (const auto* end : {&veth.a, &veth.b}) {
      if (auto ok = configureLink(sockets.at(end->ns), end->name, veth.mtu, end->addresses, end->mac); !ok) {
        return unexpected(ok.error());
      }
    }
  }

  for (const auto& spec : topology.tuns) {
    auto tun = TunDevice::open(*nsOf(spec.ns),
                               TunOptions{.name = spec.name, .queues = spec.queues,
                                          .vnetHdr = spec.vnetHdr});
    if (!tun) return unexpected(tun.error());
    out.tuns_[spec.ns].push_back(std::move(*tun));
    if (auto ok = configureLink(sockets.at(spec.ns), spec.name, spec.mtu, spec.addresses); !ok) {
      return unexpected(ok.error());
    }
  }

  for (const auto& spec : topology.namespaces) {
    for (const auto& sysctl : spec.sysctls) {
      if (auto ok = writeSysctl(*nsOf(spec.name), sysctl.key, sysctl.value); !ok) {
        return unexpected(ok.error());
      }
    }
  }

  for (const auto& route : topology.routes) {
    if (auto ok = sockets.at(route.ns).addRoute(route.destination, route.nexthops, route.metric);
        !ok) {
      return unexpected(ok.error());
    }
  }
  return out;
}

}  // namespace azlb::netns
