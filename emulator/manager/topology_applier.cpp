#include "emulator/manager/topology_applier.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <map>
#include <memory>
#include <set>

#include "netns/cleanup.h"
#include "netns/namespace.h"
#include "netns/netlink.h"
#include "netns/sysctl.h"

namespace azlb::manager {

using netns::NetNamespace;
using netns::Rtnl;

namespace {

bool sameVeth(const netns_model::VethSpec& a, const netns_model::VethSpec& b) {
  auto end = [](const netns_model::LinkEnd& x, const netns_model::LinkEnd& y) {
    return x.ns == y.ns && x.name == y.name && x.addresses == y.addresses && x.mac == y.mac;
  };
  return end(a.a, b.a) && end(a.b, b.b) && a.mtu == b.mtu;
}

bool sameRoute(const netns_model::RouteSpec& a, const netns_model::RouteSpec& b) {
  return a.ns == b.ns && a.destination == b.destination && a.nexthops == b.nexthops && a.metric == b.metric;
}

/// Namespace handles and rtnl sockets for one apply.
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
  void forget(const std::string& name) {
    rtnl_.erase(name);
    ns_.erase(name);
  }

 private:
  std::map<std::string, NetNamespace> ns_;
  std::map<std::string, Rtnl> rtnl_;
};

Result<void> configureEnd(Handles& h, const netns_model::LinkEnd& end, unsigned mtu) {
  auto r = h.rtnl(end.ns);
  if (!r) return unexpected(r.error());
  if (mtu != 0)
    if (auto ok = (*r)->setMtu(end.name, mtu); !ok) return ok;
  if (!end.mac.empty())
    if (auto ok = (*r)->setMacAddress(end.name, end.mac); !ok) return ok;
  for (const auto& a : end.addresses) {
    auto ok = (*r)->addAddress(end.name, a);
    if (!ok && ok.error().code.value() != EEXIST) return ok;
  }
  return (*r)->setLinkUp(end.name, true);
}

}  // namespace

std::size_t killProcessesInNamespace(const std::string& nsName) {
  struct stat target {};
  if (stat((std::string(netns::kNetnsRunDir) + "/" + nsName).c_str(), &target) != 0) return 0;
  std::size_t killed = 0;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), closedir);
  if (!proc) return 0;
  while (dirent* e = readdir(proc.get())) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (!end || *end != '\0' || pid <= 1 || pid == getpid()) continue;
    struct stat st {};
    if (stat(("/proc/" + std::string(e->d_name) + "/ns/net").c_str(), &st) != 0) continue;
    if (st.st_ino == target.st_ino && st.st_dev == target.st_dev) {
      if (kill(static_cast<pid_t>(pid), SIGKILL) == 0) ++killed;
    }
  }
  return killed;
}

Result<void> TopologyApplier::apply(const netns_model::Topology& desired) {
  Handles h;
  // 1. Namespaces: remove ours that are not wanted, create the missing ones.
  std::set<std::string> wanted;
  for (const auto& n : desired.namespaces) wanted.insert(n.name);
  auto existing = NetNamespace::list();
  if (!existing) return unexpected(existing.error());
  std::set<std::string> present;
  for (const auto& name : *existing) {
    auto parsed = naming_.parse(name);
    if (!parsed || parsed->instance != naming_.instance()) continue;
    if (wanted.count(name)) {
      present.insert(name);
      continue;
    }
    killProcessesInNamespace(name);
    if (auto ok = NetNamespace::remove(name); !ok && ok.error().code.value() != ENOENT) return ok;
  }
  std::set<std::string> created;
  for (const auto& n : desired.namespaces) {
    if (present.count(n.name)) continue;
    auto ns = NetNamespace::create(n.name);
    if (!ns) return unexpected(ns.error());
    ns->release();  // lives on after this process; TopologyApplier::teardown or cleanup removes it
    created.insert(n.name);
    auto r = h.rtnl(n.name);
    if (!r) return unexpected(r.error());
    if (auto ok = (*r)->setLinkUp("lo", true); !ok) return ok;
  }

  // 2. Veths: keep identical ones, (re)create the rest, delete the ones no longer wanted.
  auto linkExists = [&](const std::string& ns, const std::string& name) {
    auto r = h.rtnl(ns);
    return r && (*r)->linkIndex(name).has_value();
  };
  if (applied_)
    for (const auto& old : applied_->veths) {
      bool keep = false;
      for (const auto& v : desired.veths) keep = keep || sameVeth(old, v);
      if (keep || !wanted.count(old.a.ns.empty() ? old.b.ns : old.a.ns)) continue;
      if (linkExists(old.a.ns, old.a.name))
        if (auto r = h.rtnl(old.a.ns); r) (void)(*r)->deleteLink(old.a.name);
    }
  for (const auto& v : desired.veths) {
    bool wasApplied = false;
    if (applied_)
      for (const auto& old : applied_->veths) wasApplied = wasApplied || sameVeth(old, v);
    bool aExists = linkExists(v.a.ns, v.a.name), bExists = linkExists(v.b.ns, v.b.name);
    // Adopt a pair that exists from an earlier run (or apply) when both ends are there (an
    // earlier version may have left the kernel's random MAC: set ours, idempotent).
    if (aExists && bExists && (wasApplied || !applied_)) {
      if (!wasApplied)
        for (const auto* end : {&v.a, &v.b})
          if (!end->mac.empty())
            if (auto r = h.rtnl(end->ns); r)
              if (auto ok = (*r)->setMacAddress(end->name, end->mac); !ok) return ok;
      continue;
    }
    if (aExists)
      if (auto r = h.rtnl(v.a.ns); r) (void)(*r)->deleteLink(v.a.name);
    if (bExists)
      if (auto r = h.rtnl(v.b.ns); r) (void)(*r)->deleteLink(v.b.name);
    auto ra = h.rtnl(v.a.ns);
    if (!ra) return unexpected(ra.error());
    auto peer = h.ns(v.b.ns);
    if (!peer) return unexpected(peer.error());
    if (auto ok = (*ra)->addVeth(v.a.name, v.b.name, v.b.ns.empty() ? nullptr : *peer); !ok) return ok;
    if (auto ok = configureEnd(h, v.a, v.mtu); !ok) return ok;
    if (auto ok = configureEnd(h, v.b, v.mtu); !ok) return ok;
  }

  // 3. Sysctls (cheap and idempotent: every time).
  for (const auto& n : desired.namespaces) {
    auto ns = h.ns(n.name);
    if (!ns) return unexpected(ns.error());
    for (const auto& s : n.sysctls)
      if (auto ok = netns::writeSysctl(**ns, s.key, s.value); !ok) return ok;
  }

  // 4. Routes: add new ones, replace changed ones, delete ones an earlier apply made.
  if (applied_)
    for (const auto& old : applied_->routes) {
      bool keep = false;
      for (const auto& r : desired.routes) keep = keep || sameRoute(old, r);
      if (keep || (!old.ns.empty() && !wanted.count(old.ns))) continue;
      bool replaced = false;
      for (const auto& r : desired.routes) replaced = replaced || (r.ns == old.ns && r.destination == old.destination);
      if (replaced) continue;
      if (auto r = h.rtnl(old.ns); r) (void)(*r)->deleteRoute(old.destination, old.metric);
    }
  for (const auto& route : desired.routes) {
    bool wasApplied = false;
    if (applied_)
      for (const auto& old : applied_->routes) wasApplied = wasApplied || sameRoute(old, route);
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
  applied_ = desired;
  return {};
}

Result<void> TopologyApplier::teardown() {
  auto list = NetNamespace::list();
  if (list)
    for (const auto& name : *list) {
      auto parsed = naming_.parse(name);
      if (parsed && parsed->instance == naming_.instance()) killProcessesInNamespace(name);
    }
  applied_.reset();
  auto report = netns::cleanup(naming_);
  if (!report) return unexpected(report.error());
  if (!report->failures.empty()) return unexpected(report->failures.front());
  return {};
}

}  // namespace azlb::manager
