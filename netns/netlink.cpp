#include "netns/netlink.h"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace azlb::netns {

struct Rtnl::State {
  nl_sock* sock = nullptr;
  int kernelErrno = 0;  // set by onKernelError for the request in flight
};

void Rtnl::StateDeleter::operator()(State* state) const {
  if (state->sock != nullptr) nl_socket_free(state->sock);
  delete state;
}

namespace {

// libnl folds kernel errnos into a few NLE_* codes (ENETUNREACH becomes NLE_FAILURE); this
// callback records the kernel's own errno first. NL_STOP keeps libnl's normal error return.
// Plain C-compatible code: nothing here can throw across libnl.
int onKernelError(sockaddr_nl* /*who*/, nlmsgerr* err, void* arg) noexcept {
  *static_cast<int*>(arg) = -err->error;
  return NL_STOP;
}

int errnoFromNle(int nle) {
  switch (nle < 0 ? -nle : nle) {
    case NLE_INTR: return EINTR;
    case NLE_BAD_SOCK: return EBADF;
    case NLE_AGAIN: return EAGAIN;
    case NLE_NOMEM: return ENOMEM;
    case NLE_EXIST: return EEXIST;
    case NLE_INVAL: return EINVAL;
    case NLE_RANGE: return ERANGE;
    case NLE_MSGSIZE: return EMSGSIZE;
    case NLE_OPNOTSUPP: return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_NOADDR: return EADDRNOTAVAIL;
    case NLE_BUSY: return EBUSY;
    case NLE_NOACCESS: return EACCES;
    case NLE_PERM: return EPERM;
    case NLE_NODEV: return ENODEV;
    default: return EIO;
  }
}

struct LinkPut {
  void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrPut {
  void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct RoutePut {
  void operator()(rtnl_route* r) const { rtnl_route_put(r); }
};
struct NlAddrPut {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct CachePut {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkPut>;
using AddrPtr = std::unique_ptr<rtnl_addr, AddrPut>;
using RoutePtr = std::unique_ptr<rtnl_route, RoutePut>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrPut>;
using CachePtr = std::unique_ptr<nl_cache, CachePut>;

NlAddrPtr makeNlAddr(Ipv4Address address, unsigned prefixLength) {
  const std::uint32_t be = netns_model::toNetworkOrder(address);
  NlAddrPtr a(nl_addr_build(AF_INET, &be, sizeof be));
  if (a) nl_addr_set_prefixlen(a.get(), static_cast<int>(prefixLength));
  return a;
}

std::optional<Ipv4Address> fromNlAddr(nl_addr* a) {
  if (a == nullptr || nl_addr_get_family(a) != AF_INET || nl_addr_get_len(a) != 4) {
    return std::nullopt;
  }
  std::uint32_t be = 0;
  std::memcpy(&be, nl_addr_get_binary_addr(a), sizeof be);
  return Ipv4Address{ntohl(be)};
}

std::string describe(const Ipv4Prefix& p) { return netns_model::toString(p); }

// A libnl failure as azlb::Error, preferring the kernel's own errno when the callback saw one.
Unexpected<Error> nlFail(int kernelErrno, int rc, std::string context) {
  const int code = kernelErrno != 0 ? kernelErrno : errnoFromNle(rc);
  if (kernelErrno == 0 && code == EIO) context += std::string(" (libnl: ") + nl_geterror(rc) + ")";
  return fail(std::move(context), code);
}

}  // namespace

Result<Rtnl> Rtnl::open() {
  std::unique_ptr<State, StateDeleter> state(new State);
  state->sock = nl_socket_alloc();
  if (state->sock == nullptr) return fail("nl_socket_alloc", ENOMEM);
  nl_cb* cb = nl_socket_get_cb(state->sock);
  if (cb == nullptr) return fail("nl_socket_get_cb", ENOMEM);
  nl_cb_err(cb, NL_CB_CUSTOM, &onKernelError, &state->kernelErrno);
  nl_cb_put(cb);
  if (int rc = nl_connect(state->sock, NETLINK_ROUTE); rc < 0) {
    return fail(std::string("connect NETLINK_ROUTE (libnl: ") + nl_geterror(rc) + ")",
                errno != 0 ? errno : errnoFromNle(rc));
  }
  return Rtnl(std::move(state));
}

Result<Rtnl> Rtnl::openIn(const NetNamespace& ns) {
  return runInNamespace(ns, [] { return Rtnl::open(); });
}

Result<int> Rtnl::linkIndex(std::string_view name) {
  const std::string n(name);
  state_->kernelErrno = 0;
  rtnl_link* raw = nullptr;
  if (int rc = rtnl_link_get_kernel(state_->sock, 0, n.c_str(), &raw); rc < 0) {
    if (!state_->kernelErrno && rc == -NLE_OBJ_NOTFOUND) state_->kernelErrno = ENODEV;
    return nlFail(state_->kernelErrno, rc, "RTM_GETLINK " + n);
  }
  LinkPtr link(raw);
  return rtnl_link_get_ifindex(link.get());
}

Result<std::vector<LinkInfo>> Rtnl::links() {
  state_->kernelErrno = 0;
  nl_cache* raw = nullptr;
  if (int rc = rtnl_link_alloc_cache(state_->sock, AF_UNSPEC, &raw); rc < 0) {
    return nlFail(state_->kernelErrno, rc, "RTM_GETLINK dump");
  }
  CachePtr cache(raw);
  std::vector<LinkInfo> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* link = reinterpret_cast<rtnl_link*>(o);
    LinkInfo info;
    if (const char* name = rtnl_link_get_name(link)) info.name = name;
    info.index = rtnl_link_get_ifindex(link);
    if (const char* kind = rtnl_link_get_type(link)) info.kind = kind;
    info.up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
    info.mtu = rtnl_link_get_mtu(link);
    out.push_back(std::move(info));
  }
  return out;
}

Result<void> Rtnl::addVeth(std::string_view name, std::string_view peerName,
                           const NetNamespace* peerNs) {
  const std::string n(name), p(peerName);
  const std::string context = "RTM_NEWLINK veth " + n + " peer " + p;
  if (n.empty() || n.size() >= IFNAMSIZ || p.empty() || p.size() >= IFNAMSIZ) {
    return fail(context + ": name length", EINVAL);
  }
  LinkPtr link(rtnl_link_veth_alloc());
  if (!link) return fail(context, ENOMEM);
  rtnl_link_set_name(link.get(), n.c_str());
  LinkPtr peer(rtnl_link_veth_get_peer(link.get()));  // takes a reference
  if (!peer) return fail(context, ENOMEM);
  rtnl_link_set_name(peer.get(), p.c_str());
  if (peerNs != nullptr) rtnl_link_set_ns_fd(peer.get(), peerNs->fd());
  state_->kernelErrno = 0;
  if (int rc = rtnl_link_add(state_->sock, link.get(), NLM_F_CREATE | NLM_F_EXCL); rc < 0) {
    return nlFail(state_->kernelErrno, rc, context);
  }
  return {};
}

Result<void> Rtnl::deleteLink(std::string_view name) {
  const std::string n(name);
  LinkPtr link(rtnl_link_alloc());
  if (!link) return fail("RTM_DELLINK " + n, ENOMEM);
  rtnl_link_set_name(link.get(), n.c_str());
  state_->kernelErrno = 0;
  if (int rc = rtnl_link_delete(state_->sock, link.get()); rc < 0) {
    return nlFail(state_->kernelErrno, rc, "RTM_DELLINK " + n);
  }
  return {};
}

namespace {

template <typename Change>
Result<void> changeLink(nl_sock* sock, int& kernelErrno, const std::string& name,
                        const std::string& what, Change&& change) {
  kernelErrno = 0;
  rtnl_link* raw = nullptr;
  int rc = rtnl_link_get_kernel(sock, 0, name.c_str(), &raw);
  const std::string context = "RTM_NEWLINK " + name + " " + what;
  if (rc < 0) {
    if (!kernelErrno && rc == -NLE_OBJ_NOTFOUND) kernelErrno = ENODEV;
    return nlFail(kernelErrno, rc, context);
  }
  LinkPtr orig(raw);
  LinkPtr delta(rtnl_link_alloc());
  if (!delta) return fail(context, ENOMEM);
  change(delta.get());
  kernelErrno = 0;
  if (rc = rtnl_link_change(sock, orig.get(), delta.get(), 0); rc < 0) {
    return nlFail(kernelErrno, rc, context);
  }
  return {};
}

}  // namespace

Result<void> Rtnl::setLinkUp(std::string_view name, bool up) {
  return changeLink(state_->sock, state_->kernelErrno, std::string(name), up ? "up" : "down",
                    [up](rtnl_link* delta) {
                      if (up) {
                        rtnl_link_set_flags(delta, IFF_UP);
                      } else {
                        rtnl_link_unset_flags(delta, IFF_UP);
                      }
                    });
}

Result<void> Rtnl::setMtu(std::string_view name, unsigned mtu) {
  return changeLink(state_->sock, state_->kernelErrno, std::string(name),
                    "mtu " + std::to_string(mtu),
                    [mtu](rtnl_link* delta) { rtnl_link_set_mtu(delta, mtu); });
}

Result<void> Rtnl::setMacAddress(std::string_view name, std::string_view mac) {
  const std::string text(mac);
  nl_addr* raw = nullptr;
  if (nl_addr_parse(text.c_str(), AF_LLC, &raw) < 0 || raw == nullptr || nl_addr_get_len(raw) != 6) {
    if (raw != nullptr) nl_addr_put(raw);
    return fail("RTM_NEWLINK " + std::string(name) + " address " + text + ": not a MAC address", EINVAL);
  }
  NlAddrPtr address(raw);
  return changeLink(state_->sock, state_->kernelErrno, std::string(name), "address " + text,
                    [&address](rtnl_link* delta) { rtnl_link_set_addr(delta, address.get()); });
}

Result<void> Rtnl::addAddress(std::string_view dev, const Ipv4Prefix& address) {
  const std::string d(dev);
  const std::string context = "RTM_NEWADDR " + describe(address) + " dev " + d;
  if (address.length > 32) return fail(context, EINVAL);
  auto index = linkIndex(d);
  if (!index) return fail(context, index.error().code.value());
  AddrPtr addr(rtnl_addr_alloc());
  NlAddrPtr local = makeNlAddr(address.address, address.length);
  if (!addr || !local) return fail(context, ENOMEM);
  rtnl_addr_set_ifindex(addr.get(), *index);
  rtnl_addr_set_family(addr.get(), AF_INET);
  if (int rc = rtnl_addr_set_local(addr.get(), local.get()); rc < 0) {
    return fail(context, errnoFromNle(rc));
  }
  rtnl_addr_set_prefixlen(addr.get(), address.length);
  state_->kernelErrno = 0;
  if (int rc = rtnl_addr_add(state_->sock, addr.get(), NLM_F_REPLACE); rc < 0) {
    return nlFail(state_->kernelErrno, rc, context);
  }
  return {};
}

Result<void> Rtnl::addRoute(const Ipv4Prefix& destination, std::span<const Nexthop> nexthops,
                            std::uint32_t metric, std::uint32_t table) {
  std::string context = "RTM_NEWROUTE " + describe(destination);
  if (nexthops.empty()) return fail(context + " without nexthop", EINVAL);
  if (destination.length > 32) return fail(context, EINVAL);

  RoutePtr route(rtnl_route_alloc());
  NlAddrPtr dst = makeNlAddr(destination.address, destination.length);
  if (!route || !dst) return fail(context, ENOMEM);
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), table == 0 ? RT_TABLE_MAIN : table);
  if (table != 0) context += " table " + std::to_string(table);
  rtnl_route_set_protocol(route.get(), RTPROT_STATIC);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  rtnl_route_set_priority(route.get(), metric);
  if (int rc = rtnl_route_set_dst(route.get(), dst.get()); rc < 0) {
    return fail(context, errnoFromNle(rc));
  }

  bool anyGateway = false;
  const bool multipath = nexthops.size() > 1;
  for (const Nexthop& hop : nexthops) {
    context += hop.gateway ? " via " + netns_model::toString(*hop.gateway) : std::string();
    context += " dev " + hop.dev;
    if (hop.weight < 1 || hop.weight > 256) {
      return fail(context + " weight " + std::to_string(hop.weight), EINVAL);
    }
    auto index = linkIndex(hop.dev);
    if (!index) return fail(context, index.error().code.value());
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    if (nh == nullptr) return fail(context, ENOMEM);
    rtnl_route_nh_set_ifindex(nh, *index);
    if (hop.gateway) {
      anyGateway = true;
      NlAddrPtr gw = makeNlAddr(*hop.gateway, 32);
      if (!gw) {
        rtnl_route_nh_free(nh);
        return fail(context, ENOMEM);
      }
      rtnl_route_nh_set_gateway(nh, gw.get());  // takes its own reference
    }
    if (hop.onlink) rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
    // libnl copies the weight into rtnh_hops as is; the kernel reads rtnh_hops + 1.
    if (multipath) rtnl_route_nh_set_weight(nh, static_cast<std::uint8_t>(hop.weight - 1));
    rtnl_route_add_nexthop(route.get(), nh);  // the route owns nh now
  }
  rtnl_route_set_scope(route.get(), anyGateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);

  state_->kernelErrno = 0;
  if (int rc = rtnl_route_add(state_->sock, route.get(), NLM_F_REPLACE); rc < 0) {
    return nlFail(state_->kernelErrno, rc, context);
  }
  return {};
}

Result<void> Rtnl::addRule(std::uint32_t priority, std::string_view iif, std::uint32_t table) {
  const std::string context = "RTM_NEWRULE pref " + std::to_string(priority) +
                              (iif.empty() ? std::string() : " iif " + std::string(iif)) + " table " +
                              std::to_string(table);
  std::unique_ptr<rtnl_rule, void (*)(rtnl_rule*)> rule(rtnl_rule_alloc(), rtnl_rule_put);
  if (!rule) return fail(context, ENOMEM);
  rtnl_rule_set_family(rule.get(), AF_INET);
  rtnl_rule_set_prio(rule.get(), priority);
  rtnl_rule_set_table(rule.get(), table);
  rtnl_rule_set_action(rule.get(), FR_ACT_TO_TBL);
  if (!iif.empty()) {
    const std::string dev(iif);
    if (int rc = rtnl_rule_set_iif(rule.get(), dev.c_str()); rc < 0) return fail(context, errnoFromNle(rc));
  }
  state_->kernelErrno = 0;
  if (int rc = rtnl_rule_add(state_->sock, rule.get(), NLM_F_CREATE | NLM_F_EXCL); rc < 0) {
    if (state_->kernelErrno == EEXIST) return {};
    return nlFail(state_->kernelErrno, rc, context);
  }
  return {};
}

Result<void> Rtnl::deleteRoute(const Ipv4Prefix& destination, std::uint32_t metric) {
  const std::string context = "RTM_DELROUTE " + describe(destination);
  RoutePtr route(rtnl_route_alloc());
  NlAddrPtr dst = makeNlAddr(destination.address, destination.length);
  if (!route || !dst) return fail(context, ENOMEM);
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_priority(route.get(), metric);
  rtnl_route_set_scope(route.get(), RT_SCOPE_NOWHERE);
  if (int rc = rtnl_route_set_dst(route.get(), dst.get()); rc < 0) {
    return fail(context, errnoFromNle(rc));
  }
  state_->kernelErrno = 0;
  if (int rc = rtnl_route_delete(state_->sock, route.get(), 0); rc < 0) {
    return nlFail(state_->kernelErrno, rc, context);
  }
  return {};
}

namespace {

struct RouteGetReply {
  int oif = 0;
  std::optional<std::uint32_t> gateway;  // network order
};

int onRouteReply(nl_msg* msg, void* arg) noexcept {
  auto* out = static_cast<RouteGetReply*>(arg);
  nlattr* tb[RTA_MAX + 1];
  if (nlmsg_parse(nlmsg_hdr(msg), sizeof(rtmsg), tb, RTA_MAX, nullptr) < 0) return NL_SKIP;
  if (tb[RTA_OIF] != nullptr) out->oif = static_cast<int>(nla_get_u32(tb[RTA_OIF]));
  if (tb[RTA_GATEWAY] != nullptr) out->gateway = nla_get_u32(tb[RTA_GATEWAY]);
  return NL_OK;
}

}  // namespace

Result<RouteChoice> Rtnl::routeGet(const RouteLookup& q) {
  const std::string context = "RTM_GETROUTE " + toString(q.dst) + " from " + toString(q.src) +
                              " iif " + q.iif;
  auto linkList = links();  // first: the socket's next exchange is the lookup itself
  if (!linkList) return unexpected(linkList.error());
  int iif = 0;
  for (const auto& l : *linkList)
    if (l.name == q.iif) iif = l.index;
  if (iif == 0) return fail(context + ": no link " + q.iif, ENODEV);
  std::unique_ptr<nl_msg, void (*)(nl_msg*)> msg(nlmsg_alloc_simple(RTM_GETROUTE, 0), nlmsg_free);
  if (!msg) return fail(context, ENOMEM);
  rtmsg rtm{};
  rtm.rtm_family = AF_INET;
  rtm.rtm_dst_len = 32;
  rtm.rtm_src_len = 32;
  if (nlmsg_append(msg.get(), &rtm, sizeof rtm, NLMSG_ALIGNTO) < 0 ||
      nla_put_u32(msg.get(), RTA_DST, htonl(q.dst.value)) < 0 ||
      nla_put_u32(msg.get(), RTA_SRC, htonl(q.src.value)) < 0 ||
      nla_put_u32(msg.get(), RTA_IIF, static_cast<std::uint32_t>(iif)) < 0 ||
      nla_put_u8(msg.get(), RTA_IP_PROTO, q.protocol) < 0 ||
      nla_put_u16(msg.get(), RTA_SPORT, htons(q.srcPort)) < 0 ||
      nla_put_u16(msg.get(), RTA_DPORT, htons(q.dstPort)) < 0)
    return fail(context, ENOMEM);
  state_->kernelErrno = 0;
  nl_socket_disable_auto_ack(state_->sock);  // the reply is the answer; no ACK to read after it
  const int sent = nl_send_auto(state_->sock, msg.get());
  nl_socket_enable_auto_ack(state_->sock);
  if (sent < 0) return nlFail(state_->kernelErrno, sent, context);
  RouteGetReply reply;
  nl_cb* cb = nl_cb_clone(nl_socket_get_cb(state_->sock));
  if (cb == nullptr) return fail(context, ENOMEM);
  nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, &onRouteReply, &reply);
  const int rc = nl_recvmsgs(state_->sock, cb);
  nl_cb_put(cb);
  if (rc < 0) return nlFail(state_->kernelErrno, rc, context);
  if (reply.oif == 0) return fail(context + ": no outgoing link", ENETUNREACH);
  RouteChoice choice;
  for (const auto& l : *linkList)
    if (l.index == reply.oif) choice.dev = l.name;
  if (reply.gateway) choice.gateway = Ipv4Address{ntohl(*reply.gateway)};
  return choice;
}

Result<std::vector<RouteInfo>> Rtnl::routes() {
  auto linkList = links();
  if (!linkList) return unexpected(linkList.error());
  std::map<int, std::string> names;
  for (const auto& l : *linkList) names[l.index] = l.name;

  state_->kernelErrno = 0;
  nl_cache* raw = nullptr;
  if (int rc = rtnl_route_alloc_cache(state_->sock, AF_INET, 0, &raw); rc < 0) {
    return nlFail(state_->kernelErrno, rc, "RTM_GETROUTE dump");
  }
  CachePtr cache(raw);
  std::vector<RouteInfo> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o != nullptr; o = nl_cache_get_next(o)) {
    auto* route = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_table(route) != RT_TABLE_MAIN || rtnl_route_get_type(route) != RTN_UNICAST) {
      continue;
    }
    RouteInfo info;
    nl_addr* dst = rtnl_route_get_dst(route);
    info.destination.length = static_cast<std::uint8_t>(dst ? nl_addr_get_prefixlen(dst) : 0);
    if (auto a = fromNlAddr(dst)) info.destination.address = *a;
    info.metric = rtnl_route_get_priority(route);
    const int count = rtnl_route_get_nnexthops(route);
    const bool routeOnlink = (rtnl_route_get_flags(route) & RTNH_F_ONLINK) != 0;
    for (int i = 0; i < count; ++i) {
      rtnl_nexthop* nh = rtnl_route_nexthop_n(route, i);
      Nexthop hop;
      hop.gateway = fromNlAddr(rtnl_route_nh_get_gateway(nh));
      auto it = names.find(rtnl_route_nh_get_ifindex(nh));
      if (it != names.end()) hop.dev = it->second;
      hop.onlink = routeOnlink || (rtnl_route_nh_get_flags(nh) & RTNH_F_ONLINK) != 0;
      hop.weight = count > 1 ? rtnl_route_nh_get_weight(nh) + 1u : 1u;
      info.nexthops.push_back(std::move(hop));
    }
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace azlb::netns
