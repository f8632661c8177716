// Load balancer checks that span child collections or other resources: sku of a frontend's
// public IP, HA ports, frontend ports shared by rules / NAT rules / NAT pools, backend ports
// shared by rules (floating IP variants), one outbound rule per frontend and protocol, and
// children still used by NICs.
#include <algorithm>
#include <tuple>

#include "arm-api/service/lb_validators.h"

namespace azlb::armservice::network {

using armapi::iequals;
using armapi::toLower;

ArmResult<bool> checkPublicIpSku(const LbDraft& lb, const Resource& pip) {
  std::string pipSku = pip.body.value("sku", json::object()).value("name", "Basic");
  if ((pipSku == "Standard") != lb.standard)
    return armFail(errors::publicIpAndLbSkuDoNotMatch(lb.sku, lb.lbId, pipSku, pip.id));
  return true;
}

ArmResult<bool> checkHaPorts(const LbDraft& lb, const LbItem& rule, const std::string& frontendId,
                             const std::string& protocol, int64_t frontendPort,
                             int64_t backendPort) {
  if ((frontendPort == 0 || backendPort == 0) &&
      !(protocol == "All" && frontendPort == 0 && backendPort == 0))
    return armFail(
        errors::invalidParameter("Load balancing rule " + rule.id +
                                     ": port 0 is only valid as HA ports, with protocol All "
                                     "and both frontendPort and backendPort 0.",
                                 rule.path + ".frontendPort"));
  if (frontendPort != 0) return true;
  const json* feItem = nullptr;
  for (const auto& f : lb.fes)
    if (iequals(f.value("id", ""), frontendId)) feItem = &f;
  bool internal = feItem && (*feItem)["properties"].contains("subnet");
  if (!lb.standard || !internal)
    return armFail(errors::invalidParameter("Load balancing rule " + rule.id +
                                                " uses HA ports (protocol All, port 0), which only "
                                                "internal Standard sku load balancers support.",
                                            rule.path + ".protocol"));
  return true;
}

void addPortUse(std::vector<PortUse>& uses, const std::string& frontendKey,
                const std::string& protocol, int64_t first, int64_t last,
                const std::string& owner) {
  if (protocol == "All") {
    uses.push_back({frontendKey, "Tcp", first, last, owner});
    uses.push_back({frontendKey, "Udp", first, last, owner});
  } else {
    uses.push_back({frontendKey, protocol, first, last, owner});
  }
}

namespace {

/// The id of a pool both rules (properties) send traffic to (the last one found), or "".
std::string sharedPool(const json& pa, const json& pb) {
  std::string shared;
  for (const auto& x : pa.value("backendAddressPools", json::array()))
    for (const auto& y : pb.value("backendAddressPools", json::array()))
      if (iequals(x.value("id", ""), y.value("id", ""))) shared = x.value("id", "");
  return shared;
}

ArmResult<bool> checkRulePair(const json& a, const json& b) {
  const auto& pa = a["properties"];
  const auto& pb = b["properties"];
  if (pa["backendPort"] != pb["backendPort"]) return true;
  bool protoClash =
      pa["protocol"] == pb["protocol"] || pa["protocol"] == "All" || pb["protocol"] == "All";
  if (!protoClash) return true;
  std::string shared = sharedPool(pa, pb);
  if (shared.empty()) return true;
  bool fa = pa["enableFloatingIP"], fb = pb["enableFloatingIP"];
  const std::string ra = a["id"], rb = b["id"];
  const std::string proto = pa["protocol"], port = std::to_string(pa["backendPort"].get<int64_t>());
  if (!fa && !fb)
    return armFail(errors::rulesUseSameBackendPortProtocolAndPool(ra, rb, proto, port, shared));
  if (fa && fb &&
      iequals(pa["frontendIPConfiguration"].value("id", ""),
              pb["frontendIPConfiguration"].value("id", "")))
    return armFail(errors::rulesUseSameBackendPortProtocolPoolAndFloatingIpFrontend(ra, rb, proto,
                                                                                    port, shared));
  return true;
}

}  // namespace

ArmResult<bool> checkRulesSharingBackendPort(LbDraft& lb) {
  for (size_t a = 0; a < lb.rules.size(); ++a)
    for (size_t b = a + 1; b < lb.rules.size(); ++b)
      if (auto r = checkRulePair(lb.rules[a], lb.rules[b]); !r) return r;
  return true;
}

namespace {

/// The collection an owner id is in ("loadBalancingRules", "inboundNatPools", ...).
std::string_view collectionOf(std::string_view ownerId) {
  const auto last = ownerId.rfind('/');
  const auto before = last == std::string_view::npos ? 0 : ownerId.rfind('/', last - 1);
  return before == std::string_view::npos ? ownerId : ownerId.substr(before + 1, last - before - 1);
}

/// An inbound NAT pool and a load-balancing rule may claim the same frontend port: real Azure
/// accepts that layout (Ansible's azure collection creates it in its integration tests against
/// Azure: a NAT pool 80-81 and a rule on 80, same frontend and protocol). A pool only maps ports
/// for the scale-set instances that join it, which azlb does not run.
bool mayShare(const PortUse& x, const PortUse& y) {
  const auto a = collectionOf(x.owner), b = collectionOf(y.owner);
  return (a == "inboundNatPools" && b == "loadBalancingRules") ||
         (a == "loadBalancingRules" && b == "inboundNatPools");
}

}  // namespace

ArmResult<bool> checkFrontendPortsUnique(LbDraft& lb) {
  const auto& ports = lb.ports;
  for (size_t a = 0; a < ports.size(); ++a)
    for (size_t b = a + 1; b < ports.size(); ++b) {
      const auto& x = ports[a];
      const auto& y = ports[b];
      if (x.owner == y.owner || x.frontendKey != y.frontendKey || x.protocol != y.protocol)
        continue;
      if (x.first == 0 || y.first == 0) continue;  // HA ports rules stand apart
      if (mayShare(x, y)) continue;
      if (x.first <= y.last && y.first <= x.last)
        return armFail(errors::rulesUseSameFrontendAndPort(x.owner, y.owner, x.protocol,
                                                           std::max(x.first, y.first)));
    }
  return true;
}

ArmResult<bool> checkOutboundFrontends(std::vector<OutboundUse>& uses, const json& frontendRefs,
                                       const std::string& protocol, const std::string& ruleId) {
  for (const auto& f : frontendRefs) {
    std::string fk = toLower(f["id"].get<std::string>());
    for (const auto& u : uses)
      if (u.frontendKey == fk &&
          (u.protocol == protocol || u.protocol == "All" || protocol == "All"))
        return armFail(errors::outboundRulesShareFrontendAndProtocol(u.rule, ruleId,
                                                                     f["id"].get<std::string>()));
    uses.push_back({fk, protocol, ruleId});
  }
  return true;
}

ArmResult<bool> checkRemovedChildrenNotInUse(LbDraft& lb) {
  if (!lb.existing) return true;
  for (const auto& [coll, field] :
       {std::pair{"backendAddressPools", "loadBalancerBackendAddressPools"},
        std::pair{"inboundNatRules", "loadBalancerInboundNatRules"}}) {
    const bool pools = std::string(coll) == "backendAddressPools";
    const auto nowKeys = keysOf(pools ? lb.pools : lb.nats);
    for (const auto& old : lb.existing->body["properties"].value(coll, json::array())) {
      std::string oldId = old.value("id", "");
      if (nowKeys.count(toLower(oldId))) continue;
      auto users = nicConfigsReferencing(lb.ctx->tx, field, toLower(oldId));
      if (users.empty()) continue;
      return armFail(pools ? errors::inUseBackendPoolCannotBeDeleted(oldId, users.front())
                           : errors::inUseInboundNatRuleCannotBeDeleted(oldId, users.front()));
    }
  }
  return true;
}

}  // namespace azlb::armservice::network
