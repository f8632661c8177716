#include "emulator/controller/trace.h"

#include <algorithm>
#include <functional>

#include "emulator/dataplane/flow_key.h"
#include "emulator/dataplane/forwarding_config.h"
#include "emulator/dataplane/nsg.h"

namespace azlb::controller {

namespace {

using dataplane::Ipv4Address;
using json = nlohmann::json;

std::string protoName(std::uint8_t p) {
  return p == 17 ? "udp" : "tcp";
}
std::string endpoint(Ipv4Address a, std::uint16_t port) {
  return a.toString() + ":" + std::to_string(port);
}
std::string distributionName(dataplane::LoadDistribution d) {
  switch (d) {
    case dataplane::LoadDistribution::SourceIP:
      return "SourceIP (2-tuple: source IP, destination IP)";
    case dataplane::LoadDistribution::SourceIPProtocol:
      return "SourceIPProtocol (3-tuple: source IP, destination IP, protocol)";
    default:
      return "Default (5-tuple)";
  }
}

const VmPlan* vmWhere(const Plan& plan, const std::function<bool(const VmPlan&)>& pred) {
  auto it = std::find_if(plan.vms.begin(), plan.vms.end(), pred);
  return it == plan.vms.end() ? nullptr : &*it;
}

json vmJson(const VmPlan& vm) {
  return {{"name", vm.name}, {"id", vm.id},        {"ip", vm.ips.empty() ? "" : vm.ips[0]},
          {"host", vm.host}, {"namespace", vm.ns}, {"underlay", vm.underlay}};
}

class Tracer {
 public:
  Tracer(const Plan& plan, const TraceQuery& q, const TraceFacts& f) : plan_(plan), q_(q), f_(f) {}

  json run() {
    if (!q_.fromVm.empty()) return fromVm();
    if (!routerStep()) return finish("dropped");
    return inbound(q_.src, q_.srcPort, *f_.routerMux);
  }

 private:
  void step(const std::string& tier, const std::string& summary, json details = json::object()) {
    details["tier"] = tier;
    details["summary"] = summary;
    steps_.push_back(std::move(details));
  }
  json finish(const std::string& verdict) {
    json out = {{"query",
                 {{"protocol", protoName(q_.protocol)},
                  {"source", endpoint(q_.src, q_.srcPort)},
                  {"destination", endpoint(q_.dst, q_.dstPort)}}},
                {"steps", steps_},
                {"verdict", verdict}};
    if (!q_.fromVm.empty()) out["query"]["fromVm"] = q_.fromVm;
    if (!backend_.is_null()) out["backend"] = backend_;
    if (mux_) out["mux"] = *mux_;
    return out;
  }

  bool routerStep() {
    std::string hops;
    for (auto m : f_.muxesUp) hops += (hops.empty() ? "mux" : ", mux") + std::to_string(m);
    if (!f_.routerMux) {
      step("router", f_.routerError.empty()
                         ? "no route: no MUX announces " + q_.dst.toString() +
                               " (a public address without a rule, or every MUX down): dropped"
                         : "could not ask the router's kernel: " + f_.routerError);
      return false;
    }
    mux_ = *f_.routerMux;
    step("router",
         "ECMP over " + std::to_string(f_.muxesUp.size()) + " MUX(es) (" + hops +
             "): the kernel's per-flow (L4) hash of this 5-tuple picks mux" +
             std::to_string(*f_.routerMux),
         {{"mux", *f_.routerMux}, {"muxes", f_.muxesUp}});
    return true;
  }

  json skipped(const dataplane::Rule& rule) const {
    json out = json::array();
    const RuleHealthPlan* health = nullptr;
    for (const auto& h : plan_.ruleHealth)
      if (h.rule == rule.name) health = &h;
    for (const auto& b : rule.backends) {
      if (b.healthy) continue;
      std::string why = "not in rotation";
      if (health)
        for (const auto& hb : health->backends) {
          if (hb.backend != b.id) continue;
          if (hb.admin == "Down" || hb.admin == "Drain") {
            why = "admin state " + hb.admin;
          } else {
            auto o = f_.probeOutcome.find(hb.probeKey);
            why = "probe down" + (o != f_.probeOutcome.end() && !o->second.empty()
                                      ? " (last: " + o->second + ")"
                                      : std::string(" (no successful probe yet)"));
          }
        }
      const VmPlan* vm = vmWhere(plan_, [&](const VmPlan& v) { return v.id == b.id; });
      out.push_back({{"backend", vm ? vm->name : b.id}, {"ip", b.ip.toString()}, {"why", why}});
    }
    return out;
  }

  /// The rule's choice for (src, sport): Maglev over the healthy backends, unless a flow pins it.
  const dataplane::Backend* choose(const dataplane::Rule& rule, Ipv4Address src,
                                   std::uint16_t sport) {
    if (rule.kind == dataplane::RuleKind::InboundNatRule) {
      step("mux", "inbound NAT rule " + rule.name + ": one backend, no hash",
           {{"rule", rule.name}, {"kind", "InboundNatRule"}});
      return &rule.backends.front();
    }
    const dataplane::FlowKey key{src, q_.dst, sport, q_.dstPort, q_.protocol};
    const dataplane::FlowKey input = key.forDistribution(rule.loadDistribution);
    const std::uint64_t hash = dataplane::distributionHash(key, rule.loadDistribution);
    const std::uint32_t index = rule.maglev->lookup(hash);
    json d = {{"rule", rule.name},
              {"kind", "LoadBalancingRule"},
              {"distribution", distributionName(rule.loadDistribution)},
              {"hashInput", protoName(input.protocol == 0 ? q_.protocol : input.protocol) + " " +
                                endpoint(input.srcIp, input.srcPort) + " -> " +
                                endpoint(input.dstIp, input.dstPort)},
              {"hash", hash},
              {"slot", hash % rule.maglev->size()},
              {"tableSize", rule.maglev->size()},
              {"skipped", skipped(rule)}};
    const dataplane::Backend* chosen =
        index == dataplane::MaglevTable::kNoBackend ? nullptr : &rule.backends[index];
    std::string summary = "rule " + rule.name + ", " + distributionName(rule.loadDistribution) +
                          ": Maglev slot " + std::to_string(hash % rule.maglev->size()) + " of " +
                          std::to_string(rule.maglev->size());
    if (f_.pinnedBackend) {
      const std::uint32_t pinned = rule.findBackend(*f_.pinnedBackend);
      if (pinned != dataplane::MaglevTable::kNoBackend) {
        chosen = &rule.backends[pinned];
        d["pinned"] = true;
        summary += "; an existing flow-table entry pins it";
      }
    }
    if (chosen == nullptr) summary += ": no backend in rotation, dropped (NoHealthyBackend)";
    step("mux", summary, std::move(d));
    return chosen;
  }

  json inbound(Ipv4Address src, std::uint16_t sport, std::uint32_t mux) {
    if (mux >= plan_.muxSnapshots.size()) return finish("dropped");
    auto config = dataplane::ForwardingConfig::build(plan_.muxSnapshots[mux].forwarding);
    if (!config) return step("mux", config.error().message()), finish("dropped");
    const dataplane::Rule* rule = (*config)->findFrontend(q_.dst, q_.protocol, q_.dstPort);
    if (rule == nullptr) return snatReturn(**config);
    const dataplane::Backend* b = choose(*rule, src, sport);
    if (b == nullptr) return finish("dropped");
    return deliver(*rule, *b, "MUX mux" + std::to_string(mux));
  }

  json snatReturn(const dataplane::ForwardingConfig& config) {
    const auto owner = config.snat().ownerOf(q_.dst, q_.dstPort);
    if (!owner) {
      step("mux", "no rule for " + protoName(q_.protocol) + " " + endpoint(q_.dst, q_.dstPort) +
                      " and no VM's SNAT port: dropped (UnknownFrontend)");
      return finish("dropped");
    }
    const VmPlan* vm =
        vmWhere(plan_, [&](const VmPlan& v) { return v.underlay == owner->toString(); });
    step("mux",
         "no rule, but " + endpoint(q_.dst, q_.dstPort) + " is a SNAT port of " +
             (vm ? vm->name : owner->toString()) +
             ": return traffic of its outbound flow, sent to its host unchanged",
         {{"snatOwner", owner->toString()}});
    if (vm) {
      backend_ = vmJson(*vm);
      step("host", "host agent " + std::to_string(vm->host) +
                       " reverses the SNAT (destination back to the VM's address and port) and "
                       "delivers to " +
                       vm->name);
    }
    return finish(vm ? "delivered" : "dropped");
  }

  /// What Azure's network security groups do with the flow as the VM receives it, and what azlb
  /// does with a denial (serve --nsg): the deciding rule, or Standard's secure-by-default.
  void nsg(const dataplane::Rule& rule, const VmPlan& vm, Ipv4Address dst, std::uint16_t port) {
    const auto it = plan_.security.find(vm.id);
    const VmSecurity* s = it == plan_.security.end() ? nullptr : &it->second;
    const dataplane::NsgRules* subnet = s && s->subnet ? &s->subnet->inbound : nullptr;
    const dataplane::NsgRules* nic = s && s->nic ? &s->nic->inbound : nullptr;
    const runtime::NsgMode mode = plan_.hostSnapshots.empty()
                                      ? runtime::NsgMode::Warn
                                      : plan_.hostSnapshots.front().host.security.mode;
    const std::string notYet =
        mode == runtime::NsgMode::Enforce ? "; azlb drops it too (serve --nsg enforce)"
        : mode == runtime::NsgMode::Off
            ? "; azlb lets it through (serve --nsg off)"
            : "; azlb lets it through and logs it in the host agent's log (serve --nsg warn)";
    if (subnet == nullptr && nic == nullptr) {
      // Secure by default: a Standard public frontend's backends (the host agent's check too).
      if (rule.standard && rule.vnet.empty())
        step("nsg",
             "no network security group on " + vm.name +
                 "'s subnet or NIC: Azure drops this flow (a Standard load balancer's backends "
                 "are closed until a group allows them)" +
                 notYet,
             {{"azure", "drop"}, {"reason", "NoNetworkSecurityGroup"}});
      else
        step("nsg",
             std::string("no network security group: open (") +
                 (rule.standard ? "an internal frontend" : "Basic load balancer") + ")",
             {{"azure", "allow"}});
      return;
    }
    const dataplane::FlowKey flow{q_.src, dst, q_.srcPort, port, q_.protocol};
    const dataplane::NsgVerdict v = dataplane::evaluateNsg(subnet, nic, flow);
    const std::string group = v.group ? v.group->group.substr(v.group->group.rfind('/') + 1) : "";
    const std::string who = v.rule ? group + "/" + v.rule->name : group + " (no rule matches)";
    step("nsg", v.allowed ? "allowed by " + who : "Azure drops it: denied by " + who + notYet,
         {{"azure", v.allowed ? "allow" : "drop"},
          {"group", v.group ? v.group->group : ""},
          {"rule", v.rule ? v.rule->name : ""}});
  }

  json deliver(const dataplane::Rule& rule, const dataplane::Backend& b, const std::string& from) {
    const VmPlan* vm = vmWhere(plan_, [&](const VmPlan& v) { return v.id == b.id; });
    if (vm) backend_ = vmJson(*vm);
    const std::uint16_t port = rule.backendPortFor(q_.dstPort);
    const std::string to = rule.floatingIp ? endpoint(q_.dst, port) : endpoint(b.ip, port);
    step("host",
         from + " encapsulates (IP-in-IP) to " + b.hostIp.toString() + "; host agent " +
             (vm ? std::to_string(vm->host) : "?") + " decapsulates, " +
             (rule.floatingIp ? "floating IP: keeps the frontend IP, " : "") + "DNAT " +
             endpoint(q_.dst, q_.dstPort) + " -> " + to + ", delivers to " +
             (vm ? vm->name + " (" + vm->ns + ")" : b.id),
         {{"underlay", b.hostIp.toString()}, {"nat", endpoint(q_.dst, q_.dstPort) + " -> " + to}});
    if (vm) nsg(rule, *vm, rule.floatingIp ? q_.dst : b.ip, port);
    step("return", "replies: host agent rewrites the source back to " +
                       endpoint(q_.dst, q_.dstPort) +
                       " and sends them straight to the router (direct server return): no MUX "
                       "sees them");
    return finish("delivered");
  }

  json fromVm() {
    const VmPlan* vm = vmWhere(plan_, [&](const VmPlan& v) { return v.id == q_.fromVm; });
    if (vm == nullptr) return step("vm", "no such VM: " + q_.fromVm), finish("dropped");
    step("vm", vm->name + " sends " + protoName(q_.protocol) + " " + endpoint(q_.src, q_.srcPort) +
                   " -> " + endpoint(q_.dst, q_.dstPort) + " to its gateway: host agent " +
                   std::to_string(vm->host) + " takes it");
    if (vm->host < plan_.hostSnapshots.size()) {
      auto config = dataplane::ForwardingConfig::build(plan_.hostSnapshots[vm->host].forwarding);
      if (config)
        if (const auto* rule = (*config)->findFrontend(q_.dst, q_.protocol, q_.dstPort);
            rule != nullptr && rule->vnet == vm->vnet) {
          const dataplane::Backend* b = choose(*rule, q_.src, q_.srcPort);
          if (b == nullptr) return finish("dropped");
          return deliver(*rule, *b,
                         "internal load balancer: host agent " + std::to_string(vm->host) +
                             " balances like a MUX and");
        }
    }
    const VmPlan* peer = vmWhere(plan_, [&](const VmPlan& v) {
      return v.vnet == vm->vnet &&
             std::find(v.ips.begin(), v.ips.end(), q_.dst.toString()) != v.ips.end();
    });
    if (peer != nullptr) {
      backend_ = vmJson(*peer);
      step("host", "same VNet: IP-in-IP from " + vm->underlay + " to " + peer->underlay +
                       " (host " + std::to_string(peer->host) + "), delivered to " + peer->name);
      return finish("delivered");
    }
    return outbound(*vm);
  }

  json outbound(const VmPlan& vm) {
    auto o = std::find_if(plan_.outbound.begin(), plan_.outbound.end(),
                          [&](const OutboundPlan& p) { return p.vm == vm.id; });
    if (o == plan_.outbound.end() || o->kind == "None") {
      step("snat", "no outbound connectivity (" +
                       (o == plan_.outbound.end() ? std::string("no plan") : o->reason) +
                       "): dropped (noOutbound)");
      return finish("dropped");
    }
    std::string from;
    for (const auto& p : o->publicIps) from += (from.empty() ? "" : ", ") + p;
    step("snat",
         o->kind + ": source becomes " + from +
             (o->ports ? " and a port of the VM's " + std::to_string(o->ports) +
                             " (a free one for this destination)"
                       : std::string(", port kept (1:1)")) +
             "; " + o->reason,
         {{"kind", o->kind}, {"publicIps", o->publicIps}, {"portRanges", o->portRanges}});
    if (!isOurFrontend()) {
      step("router", "to the router and on to " + q_.dst.toString() + " (the internet)");
      return finish("delivered");
    }
    const bool fastpath = !plan_.muxSnapshots.empty() &&
                          plan_.muxSnapshots[0].forwarding.fastpath && q_.protocol == 6;
    step("router", q_.dst.toString() +
                       " is one of azlb's frontends: the router sends the SNATed packet to a MUX "
                       "(ECMP on the SNATed 5-tuple), which balances it like any client's" +
                       (fastpath ? "; Fastpath: once the TCP handshake is done that MUX redirects "
                                   "both hosts, which then exchange the flow directly"
                                 : std::string()));
    return finish("delivered");
  }

  bool isOurFrontend() const {
    if (plan_.muxSnapshots.empty()) return false;
    for (const auto& r : plan_.muxSnapshots[0].forwarding.rules)
      if (r.frontendIp == q_.dst) return true;
    return false;
  }

  const Plan& plan_;
  const TraceQuery& q_;
  const TraceFacts& f_;
  json steps_ = json::array();
  json backend_;
  std::optional<std::uint32_t> mux_;
};

}  // namespace

json tracePath(const Plan& plan, const TraceQuery& query, const TraceFacts& facts) {
  return Tracer(plan, query, facts).run();
}

}  // namespace azlb::controller
