#include "emulator/manager/live_status.h"

#include <signal.h>

#include <chrono>
#include <map>
#include <tuple>

#include "emulator/routing/bird.h"
#include "emulator/runtime/control_client.h"
#include "netns/namespace.h"
#include "netns/netlink.h"

namespace azlb::manager {

namespace {

using json = nlohmann::json;

json liveCounters(const std::string& socket) {
  auto client = runtime::ControlClient::connect(socket);
  if (!client) return nullptr;
  auto report = client->status(std::chrono::seconds(1));
  if (!report) return nullptr;
  json paths = json::object(), drops = json::object(), snat = json::array();
  for (const auto& [name, n] : report->paths) paths[name] = n;
  for (const auto& [name, n] : report->drops)
    if (n != 0) drops[name] = n;
  for (const auto& u : report->snat)
    snat.push_back({{"vm", u.vm},
                    {"frontend", u.frontend},
                    {"used", u.used},
                    {"allocated", u.allocated},
                    {"succeeded", u.succeeded},
                    {"failed", u.failed}});
  json nsg = json::array();
  for (const auto& n : report->nsgRules)
    nsg.push_back(
        {{"group", n.group}, {"direction", n.direction}, {"rule", n.rule}, {"hits", n.hits}});
  return {{"rx", report->rxPackets},
          {"nsgRules", nsg},
          {"tx", report->txPackets},
          {"flows", report->flows},
          {"paths", paths},
          {"drops", drops},
          {"snat", snat},
          {"fastpath", report->fastpath},
          {"bgp", report->bgp}};
}

void addBgp(json& st) {
  json sessions = json::array();
  for (const auto& p : st.value("processes", json::array())) {
    if (p.value("kind", "") != "bird") continue;
    auto reply =
        routing::birdQuery(p.value("socket", ""), "show protocols", std::chrono::seconds(1));
    if (!reply) {
      st["bgpError"] = reply.error().message();
      continue;
    }
    for (const auto& s : routing::parseProtocols(*reply))
      sessions.push_back(
          {{"name", s.name}, {"state", s.state}, {"since", s.since}, {"info", s.info}});
  }
  st["bgpSessions"] = sessions;
}

void addRouterRoutes(json& st) {
  json routes = json::array();
  auto ns = netns::NetNamespace::open(st.value("router", ""));
  auto rtnl = ns ? netns::Rtnl::openIn(*ns) : Result<netns::Rtnl>(unexpected(ns.error()));
  auto all =
      rtnl ? rtnl->routes() : Result<std::vector<netns::RouteInfo>>(unexpected(rtnl.error()));
  const auto prefix = netns_model::parseIpv4Prefix(st.value("publicPrefix", ""));
  if (all && prefix) {
    const std::uint32_t mask = prefix->length == 0 ? 0 : ~0U << (32U - prefix->length);
    for (const auto& r : *all) {
      if ((r.destination.address.value & mask) != (prefix->address.value & mask)) continue;
      json hops = json::array();
      for (const auto& h : r.nexthops)
        hops.push_back(
            {{"via", h.gateway ? netns_model::toString(*h.gateway) : ""}, {"dev", h.dev}});
      routes.push_back({{"destination", netns_model::toString(r.destination)}, {"nexthops", hops}});
    }
  }
  st["routerRoutes"] = routes;
}

/// Every host agent's security rule hits summed per (group, direction, rule), in group order.
void addSecurityRules(json& st) {
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> hits;
  for (const auto& p : st.value("processes", json::array())) {
    if (!p.contains("live") || !p["live"].is_object()) continue;
    for (const auto& n : p["live"].value("nsgRules", json::array()))
      hits[{n.value("group", ""), n.value("direction", ""), n.value("rule", "")}] +=
          n.value("hits", std::uint64_t{0});
  }
  json rows = json::array();
  for (const auto& [key, n] : hits)
    rows.push_back({{"group", std::get<0>(key)},
                    {"direction", std::get<1>(key)},
                    {"rule", std::get<2>(key)},
                    {"hits", n}});
  st["securityRules"] = rows;
}

}  // namespace

void addLiveStatus(json& status) {
  if (!status.is_object()) return;
  for (auto& p : status["processes"]) {
    const int pid = p.value("pid", 0);
    p["up"] = pid > 0 && kill(pid, 0) == 0;
    if (p["up"] == true && p.value("kind", "") != "bird")
      p["live"] = liveCounters(p.value("socket", ""));
  }
  addBgp(status);
  addRouterRoutes(status);
  addSecurityRules(status);
}

}  // namespace azlb::manager
