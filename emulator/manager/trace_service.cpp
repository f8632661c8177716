#include "emulator/manager/trace_service.h"

#include <cerrno>
#include <charconv>

#include "emulator/controller/trace.h"
#include "netns/namespace.h"
#include "netns/netlink.h"

namespace azlb::manager {

namespace {

using json = nlohmann::json;
using dataplane::Ipv4Address;

struct Endpoint {
  std::string host;  // address or VM name
  std::uint16_t port = 0;
};

std::optional<Endpoint> splitEndpoint(const std::string& text, bool portRequired) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    if (portRequired || text.empty()) return std::nullopt;
    return Endpoint{text, 0};
  }
  unsigned port = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data() + colon + 1, end, port);
  if (ec != std::errc() || p != end || port == 0 || port > 65535) return std::nullopt;
  return Endpoint{text.substr(0, colon), static_cast<std::uint16_t>(port)};
}

std::string value(const std::map<std::string, std::string>& q, const std::string& k,
                  const std::string& fallback) {
  auto it = q.find(k);
  return it == q.end() || it->second.empty() ? fallback : it->second;
}

/// The router's view: the MUX its kernel picks for this packet (from your shell's link) and the
/// MUXes its route to the destination holds.
void routerFacts(const controller::PlanOptions& o, const controller::TraceQuery& q,
                 controller::TraceFacts& f) {
  auto ns = netns::NetNamespace::open(controller::routerNamespace(o));
  if (!ns) return void(f.routerError = ns.error().message());
  auto rtnl = netns::Rtnl::openIn(*ns);
  if (!rtnl) return void(f.routerError = rtnl.error().message());
  auto muxOf = [](const std::string& dev) -> std::optional<std::uint32_t> {
    if (dev.rfind("mux", 0) != 0) return std::nullopt;
    return static_cast<std::uint32_t>(std::stoul(dev.substr(3)));
  };
  auto routes = rtnl->routes();
  if (!routes) return void(f.routerError = routes.error().message());
  std::uint8_t best = 0;
  for (const auto& r : *routes) {
    const std::uint32_t mask = r.destination.length == 0 ? 0 : ~0U << (32U - r.destination.length);
    if ((q.dst.value & mask) != (r.destination.address.value & mask) || r.destination.length < best)
      continue;
    best = r.destination.length;
    f.muxesUp.clear();
    for (const auto& h : r.nexthops)
      if (auto m = muxOf(h.dev)) f.muxesUp.push_back(*m);
  }
  // Last: a lookup leaves nothing for this socket to read after it.
  auto choice = rtnl->routeGet({.src = {q.src.value},
                                .dst = {q.dst.value},
                                .iif = "root",
                                .protocol = q.protocol,
                                .srcPort = q.srcPort,
                                .dstPort = q.dstPort});
  if (choice) f.routerMux = muxOf(choice->dev);
  // No route (the blackhole) is an answer; anything else is the kernel refusing the question.
  const int code = choice ? 0 : choice.error().code.value();
  if (!choice && code != EINVAL && code != ENETUNREACH && code != EHOSTUNREACH)
    f.routerError = choice.error().message();
}

}  // namespace

json traceRequest(const controller::Plan& plan, const controller::PlanOptions& options,
                  const std::map<std::string, std::string>& query, const json& probes,
                  const MuxFlowLookup& askMux) {
  controller::TraceQuery q;
  const std::string protocol = value(query, "protocol", "tcp");
  if (protocol != "tcp" && protocol != "udp") return {{"error", "protocol must be tcp or udp"}};
  q.protocol = protocol == "udp" ? 17 : 6;
  auto dst = splitEndpoint(value(query, "destination", ""), true);
  auto dstIp = dst ? Ipv4Address::parse(dst->host) : std::nullopt;
  if (!dstIp) return {{"error", "destination must be IPv4:PORT, e.g. 198.18.0.1:80"}};
  q.dst = *dstIp;
  q.dstPort = dst->port;
  auto from = splitEndpoint(value(query, "from", plan.rootAddress + ":40000"), false);
  if (!from) return {{"error", "from must be IPv4:PORT, or a VM's name or address [:PORT]"}};
  q.srcPort = from->port != 0 ? from->port : 40000;
  for (const auto& vm : plan.vms)
    if (vm.name == from->host || (!vm.ips.empty() && vm.ips[0] == from->host)) {
      q.fromVm = vm.id;
      q.src = *Ipv4Address::parse(vm.ips[0]);
    }
  if (q.fromVm.empty()) {
    auto src = Ipv4Address::parse(from->host);
    if (!src) return {{"error", "from: no VM is called '" + from->host + "' (see azlb status)"}};
    q.src = *src;
  }
  controller::TraceFacts facts;
  if (q.fromVm.empty()) routerFacts(options, q, facts);
  if (facts.routerMux && askMux)
    facts.pinnedBackend =
        askMux(*facts.routerMux, {q.src, q.dst, q.srcPort, q.dstPort, q.protocol});
  for (const auto& p : probes.value("probes", json::array()))
    facts.probeOutcome[p.value("key", "")] = p.value("outcome", "");
  return controller::tracePath(plan, q, facts);
}

}  // namespace azlb::manager
