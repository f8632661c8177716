#include "netns/realize.h"

#include <cerrno>

#include "netns/cleanup.h"
#include "netns/netlink.h"
#include "netns/processes.h"
#include "netns/sysctl.h"

namespace azlb::netns {

using netns_model::Topology;

/// What one apply() created: removed again when it fails.
struct TopologyRealizer::Run {
  std::set<std::string> wanted;   // namespaces of the desired topology
  std::set<std::string> created;  // namespaces this call made
  std::vector<std::pair<std::string, std::string>> openedTuns;
};

namespace {

bool sameEnd(const netns_model::LinkEnd& x, const netns_model::LinkEnd& y) {
  return x.ns == y.ns && x.name == y.name && x.addresses == y.addresses && x.mac == y.mac;
}

bool sameVeth(const netns_model::VethSpec& a, const netns_model::VethSpec& b) {
  return sameEnd(a.a, b.a) && sameEnd(a.b, b.b) && a.mtu == b.mtu;
}

bool sameTun(const netns_model::TunSpec& a, const netns_model::TunSpec& b) {
  return a.ns == b.ns && a.name == b.name && a.addresses == b.addresses && a.mtu == b.mtu &&
         a.queues == b.queues && a.vnetHdr == b.vnetHdr;
}

bool sameRoute(const netns_model::RouteSpec& a, const netns_model::RouteSpec& b) {
  return a.ns == b.ns && a.destination == b.destination && a.nexthops == b.nexthops && a.metric == b.metric;
}

/// Namespace handles and rtnl sockets for one apply; they pin the namespaces, so they are
/// dropped before a failed apply removes what it made.
class Handles {
 public:
  Result<const NetNamespace*> ns(const std::string& name) {
    auto it = ns_.find(name);
    if (it != ns_.end()) return &it->second;
    auto opened = name.empty() ? NetNamespace::current() : NetNamespace::open(name);
    if (!opened) return unexpected(opened.error());
    return &ns_.emplace(name, std::move(opened.value())).first->second;
  }
  Result<Rtnl*> rtnl(const std::string& name) {
    auto it = rtnl_.find(name);
    if (it != rtnl_.end()) return &it->second;
    Result<Rtnl> opened = name.empty() ? Rtnl::open() : [&]() -> Result<Rtnl> {
      auto handle = ns(name);
      if (!handle) return unexpected(handle.error());
      return Rtnl::openIn(**handle);
    }();
    if (!opened) return unexpected(opened.error());
    return &rtnl_.emplace(name, std::move(opened.value())).first->second;
  }
  bool linkExists(const std::string& ns, const std::string& name) {
    auto r = rtnl(ns);
    return r && (*r)->linkIndex(name).has_value();
  }
  void deleteLinkIfPresent(const std::string& ns, const std::string& name) {
    if (linkExists(ns, name))
      if (auto r = rtnl(ns); r) (void)(*r)->deleteLink(name);
  }

 private:
  std::map<std::string, NetNamespace> ns_;
  std::map<std::string, Rtnl> rtnl_;
};

// MTU, MAC, addresses (an existing one is fine) and up, on one link.
Result<void> configureLink(Handles& h, const std::string& ns, const std::string& name, unsigned mtu,
                           const std::vector<netns_model::Ipv4Prefix>& addresses, const std::string& mac) {
  auto r = h.rtnl(ns);
  if (!r) return unexpected(r.error());
  if (mtu != 0)
    if (auto ok = (*r)->setMtu(name, mtu); !ok) return ok;
  if (!mac.empty())
    if (auto ok = (*r)->setMacAddress(name, mac); !ok) return ok;
  for (const auto& a : addresses) {
    auto ok = (*r)->addAddress(name, a);
    if (!ok && ok.error().code.value() != EEXIST) return ok;
  }
  return (*r)->setLinkUp(name, true);
}

// Veths: keep identical ones, (re)create the rest, delete the ones no longer wanted.
Result<void> syncVeths(Handles& h, const Topology& desired, const std::optional<Topology>& applied,
                       const std::set<std::string>& wanted) {
  if (applied)
    for (const auto& old : applied->veths) {
      bool keep = false;
      for (const auto& v : desired.veths) keep = keep || sameVeth(old, v);
      if (keep || !wanted.count(old.a.ns.empty() ? old.b.ns : old.a.ns)) continue;
      h.deleteLinkIfPresent(old.a.ns, old.a.name);
    }
  for (const auto& v : desired.veths) {
    bool wasApplied = false;
    if (applied)
      for (const auto& old : applied->veths) wasApplied = wasApplied || sameVeth(old, v);
    const bool aExists = h.linkExists(v.a.ns, v.a.name), bExists = h.linkExists(v.b.ns, v.b.name);
    // Adopt a pair that exists from an earlier run (or apply) when both ends are there (an
    // earlier version may have left the kernel's random MAC: set ours, idempotent).
    if (aExists && bExists && (wasApplied || !applied)) {
      if (!wasApplied)
        for (const auto* end : {&v.a, &v.b})
          if (!end->mac.empty())
            if (auto r = h.rtnl(end->ns); r)
              if (auto ok = (*r)->setMacAddress(end->name, end->mac); !ok) return ok;
      continue;
    }
    if (aExists) h.deleteLinkIfPresent(v.a.ns, v.a.name);
    if (bExists) h.deleteLinkIfPresent(v.b.ns, v.b.name);
    auto ra = h.rtnl(v.a.ns);
    if (!ra) return unexpected(ra.error());
    auto peer = h.ns(v.b.ns);
    if (!peer) return unexpected(peer.error());
    if (auto ok = (*ra)->addVeth(v.a.name, v.b.name, v.b.ns.empty() ? nullptr : *peer); !ok) return ok;
    for (const auto* end : {&v.a, &v.b})
      if (auto ok = configureLink(h, end->ns, end->name, v.mtu, end->addresses, end->mac); !ok) return ok;
  }
  return {};
}

// Sysctls: cheap and idempotent, so every time.
Result<void> writeSysctls(Handles& h, const Topology& desired) {
  for (const auto& n : desired.namespaces) {
    auto ns = h.ns(n.name);
    if (!ns) return unexpected(ns.error());
    for (const auto& s : n.sysctls)
      if (auto ok = writeSysctl(**ns, s.key, s.value); !ok) return ok;
  }
  return {};
}

// Routes: add new ones, replace changed ones, delete ones an earlier apply made.
Result<void> syncRoutes(Handles& h, const Topology& desired, const std::optional<Topology>& applied,
                        const std::set<std::string>& wanted, const std::set<std::string>& created) {
  if (applied)
    for (const auto& old : applied->routes) {
      bool keep = false, replaced = false;
      for (const auto& r : desired.routes) {
        keep = keep || sameRoute(old, r);
        replaced = replaced || (r.ns == old.ns && r.destination == old.destination);
      }
      if (keep || replaced || (!old.ns.empty() && !wanted.count(old.ns))) continue;
      if (auto r = h.rtnl(old.ns); r) (void)(*r)->deleteRoute(old.destination, old.metric);
    }
  for (const auto& route : desired.routes) {
    bool wasApplied = false;
    if (applied)
      for (const auto& old : applied->routes) wasApplied = wasApplied || sameRoute(old, route);
    if (wasApplied && !created.count(route.ns)) continue;
    auto r = h.rtnl(route.ns);
    if (!r) return unexpected(r.error());
    auto added = (*r)->addRoute(route.destination, route.nexthops, route.metric);
    if (!added && added.error().code.value() == EEXIST) {
      (void)(*r)->deleteRoute(route.destination, route.metric);
      added = (*r)->addRoute(route.destination, route.nexthops, route.metric);
    }
    if (!added) return added;
  }
  return {};
}

}  // namespace

Result<void> TopologyRealizer::apply(const Topology& desired) {
  if (auto ok = netns_model::validate(desired); !ok) return ok;
  Run run;
  for (const auto& n : desired.namespaces) run.wanted.insert(n.name);
  auto ok = applySteps(desired, run);
  if (!ok) {
    rollBack(run);
    return ok;
  }
  applied_ = desired;
  return {};
}

Result<void> TopologyRealizer::applySteps(const Topology& desired, Run& run) {
  if (auto ok = syncNamespaces(desired, run); !ok) return ok;
  Handles h;  // closed when this returns, before a rollback removes namespaces
  if (auto ok = syncVeths(h, desired, applied_, run.wanted); !ok) return ok;
  if (auto ok = syncTuns(desired, run); !ok) return ok;
  for (const auto& t : desired.tuns)
    if (auto ok = configureLink(h, t.ns, t.name, t.mtu, t.addresses, {}); !ok) return ok;
  if (auto ok = writeSysctls(h, desired); !ok) return ok;
  return syncRoutes(h, desired, applied_, run.wanted, run.created);
}

// Namespaces: remove ours that are not wanted, create the missing ones (loopback up).
Result<void> TopologyRealizer::syncNamespaces(const Topology& desired, Run& run) {
  auto existing = NetNamespace::list();
  if (!existing) return unexpected(existing.error());
  std::set<std::string> present;
  for (const auto& name : *existing) {
    auto parsed = naming_.parse(name);
    if (!parsed || parsed->instance != naming_.instance()) continue;
    if (run.wanted.count(name)) {
      present.insert(name);
      continue;
    }
    forget(name);
    killProcessesInNamespace(name);
    if (auto ok = NetNamespace::remove(name); !ok && ok.error().code.value() != ENOENT) return ok;
  }
  for (const auto& n : desired.namespaces) {
    if (present.count(n.name)) continue;
    auto ns = NetNamespace::create(n.name);
    if (!ns) return unexpected(ns.error());
    ns->release();  // outlives this object: teardown() or `azlb cleanup` removes it
    run.created.insert(n.name);
    auto rtnl = Rtnl::openIn(*ns);
    if (!rtnl) return unexpected(rtnl.error());
    if (auto ok = rtnl->setLinkUp("lo", true); !ok) return ok;
    for (const auto& a : n.loopbackAddresses)
      if (auto ok = rtnl->addAddress("lo", a); !ok) return ok;
  }
  return {};
}

// TUN devices: keep identical ones open, (re)open the rest, close the ones no longer wanted.
Result<void> TopologyRealizer::syncTuns(const Topology& desired, Run& run) {
  for (auto it = tuns_.begin(); it != tuns_.end();) {
    bool keep = false;
    if (applied_)
      for (const auto& old : applied_->tuns)
        for (const auto& t : desired.tuns)
          keep = keep || (old.ns == it->first.first && old.name == it->first.second && sameTun(old, t));
    it = keep ? std::next(it) : tuns_.erase(it);
  }
  for (const auto& t : desired.tuns) {
    if (tuns_.count({t.ns, t.name})) continue;
    auto ns = t.ns.empty() ? NetNamespace::current() : NetNamespace::open(t.ns);
    if (!ns) return unexpected(ns.error());
    auto tun = TunDevice::open(*ns, TunOptions{.name = t.name, .queues = t.queues, .vnetHdr = t.vnetHdr});
    if (!tun) return unexpected(tun.error());
    tuns_.emplace(std::make_pair(t.ns, t.name), std::move(*tun));
    run.openedTuns.emplace_back(t.ns, t.name);
  }
  return {};
}

void TopologyRealizer::rollBack(Run& run) {
  for (const auto& key : run.openedTuns) tuns_.erase(key);
  for (const auto& name : run.created) {
    forget(name);
    (void)NetNamespace::remove(name);
  }
}

void TopologyRealizer::forget(const std::string& ns) {
  opened_.erase(ns);
  for (auto it = tuns_.begin(); it != tuns_.end();) it = it->first.first == ns ? tuns_.erase(it) : std::next(it);
}

Result<void> TopologyRealizer::teardown() {
  killProcessesInNamespaces(naming_.prefix(), naming_.instance());
  opened_.clear();
  tuns_.clear();
  applied_.reset();
  auto report = cleanup(naming_);
  if (!report) return unexpected(report.error());
  if (!report->failures.empty()) return unexpected(report->failures.front());
  return {};
}

const NetNamespace* TopologyRealizer::findNamespace(const std::string& name) const {
  if (!applied_) return nullptr;
  bool known = false;
  for (const auto& n : applied_->namespaces) known = known || n.name == name;
  if (!known) return nullptr;
  if (auto it = opened_.find(name); it != opened_.end()) return &it->second;
  auto ns = NetNamespace::open(name);
  if (!ns) return nullptr;
  return &opened_.emplace(name, std::move(*ns)).first->second;
}

TunDevice* TopologyRealizer::findTun(const std::string& ns, const std::string& name) {
  auto it = tuns_.find({ns, name});
  return it == tuns_.end() ? nullptr : &it->second;
}

}  // namespace azlb::netns
