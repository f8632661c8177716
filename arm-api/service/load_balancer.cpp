// Microsoft.Network/loadBalancers: normalizeLoadBalancer runs the validators of lb_validators.h in
// order; this file also owns the computed back-references and inbound NAT port-range mappings.
#include <map>
#include <set>

#include "arm-api/service/lb_validators.h"

namespace azlb::armservice::network {

using armapi::iequals;
using armapi::JsonKind;
using armapi::toLower;

namespace {

const char* const kCollections[] = {
    "frontendIPConfigurations", "backendAddressPools", "loadBalancingRules", "probes",
    "inboundNatRules",          "inboundNatPools",     "outboundRules"};

}  // namespace

ArmResult<json> normalizeLoadBalancer(Ctx& ctx, const ResourceId& id, const json& request,
                                      const Resource* existing) {
  auto lb = prepareLoadBalancer(ctx, id, request, existing);
  if (!lb) return armFail(lb.error());
  // The order is part of the behaviour: the first refusal found is the one returned.
  for (auto* step : {validateFrontends, validateBackendPools, validateProbes, validateRules,
                     checkRulesSharingBackendPort, validateInboundNatRules, validateInboundNatPools,
                     checkFrontendPortsUnique, validateOutboundRules, checkRemovedChildrenNotInUse})
    if (auto r = step(*lb); !r) return armFail(r.error());
  json props = lb->props;
  props["frontendIPConfigurations"] = lb->fes;
  props["backendAddressPools"] = lb->pools;
  props["loadBalancingRules"] = lb->rules;
  props["probes"] = lb->probes;
  props["inboundNatRules"] = lb->nats;
  props["inboundNatPools"] = lb->natPools;
  props["outboundRules"] = lb->outbound;
  props.erase("provisioningState");
  props.erase("resourceGuid");
  json out = json::object();
  out["sku"] = json{{"name", lb->sku}, {"tier", lb->tier}};
  out["properties"] = props;
  return out;
}

namespace {

struct NatMapping {
  std::string rule, protocol, backendName, backendIp;
  int64_t frontendPort, backendPort;
};

/// Azure's port-range NAT rules: the i-th backend of the pool gets frontendPortRangeStart + i.
std::vector<NatMapping> natRangeMappings(const Txn& tx, const json& lb, const std::string& poolId) {
  std::vector<NatMapping> out;
  const json* pool = nullptr;
  const json& props = lb["properties"];
  if (props.contains("backendAddressPools") && props["backendAddressPools"].is_array())
    for (const auto& p : props["backendAddressPools"])
      if (iequals(p.value("id", ""), poolId)) pool = &p;
  if (!pool) return out;
  struct Backend {
    std::string name, ip;
  };
  std::vector<Backend> backends;
  for (const auto& a : (*pool)["properties"].value("loadBalancerBackendAddresses", json::array()))
    backends.push_back({a.value("name", ""), armapi::stringOr(a["properties"], "ipAddress", "")});
  auto nicCfgs = nicConfigsReferencing(tx, "loadBalancerBackendAddressPools", toLower(poolId));
  std::sort(nicCfgs.begin(), nicCfgs.end());
  for (const auto& cfgId : nicCfgs) {
    std::string ip;
    auto parsed = ResourceId::parse(cfgId);
    if (parsed)
      if (const Resource* nic = tx.find(parsed->parent().key()))
        if (const json* c = childByName(nic->body, "ipConfigurations", parsed->name()))
          ip = (*c)["properties"].value("privateIPAddress", "");
    backends.push_back({cfgId, ip});
  }
  for (const auto& nat : lb["properties"].value("inboundNatRules", json::array())) {
    const auto& p = nat["properties"];
    if (!p.contains("frontendPortRangeStart") || !p.contains("backendAddressPool")) continue;
    if (!iequals(p["backendAddressPool"].value("id", ""), poolId)) continue;
    int64_t start = p["frontendPortRangeStart"], end = p["frontendPortRangeEnd"];
    for (size_t i = 0; i < backends.size() && start + static_cast<int64_t>(i) <= end; ++i)
      out.push_back({nat.value("name", ""), p.value("protocol", "Tcp"), backends[i].name,
                     backends[i].ip, start + static_cast<int64_t>(i),
                     p.value("backendPort", int64_t{0})});
  }
  return out;
}

void appendRef(json& obj, const char* key, const std::string& id) {
  if (!obj.contains(key)) obj[key] = json::array();
  obj[key].push_back(subRef(id));
}

}  // namespace

json renderLoadBalancer(const Txn& tx, const Resource& r) {
  json body = r.body;
  json& props = body["properties"];
  const std::string state = props.value("provisioningState", "Succeeded");
  const std::string etag = body.value("etag", "");
  std::map<std::string, json*> byKey;
  for (const char* coll : kCollections) {
    if (!props.contains(coll)) props[coll] = json::array();
    for (auto& item : props[coll]) {
      item["etag"] = etag;
      item["properties"]["provisioningState"] = state;
      byKey[toLower(item.value("id", ""))] = &item;
    }
  }
  auto target = [&](const json& ref) -> json* {
    auto it = byKey.find(toLower(ref.value("id", "")));
    return it == byKey.end() ? nullptr : &(*it->second)["properties"];
  };
  for (const auto& rule : props["loadBalancingRules"]) {
    const auto& p = rule["properties"];
    const std::string id = rule.value("id", "");
    if (json* fe =
            p.contains("frontendIPConfiguration") ? target(p["frontendIPConfiguration"]) : nullptr)
      appendRef(*fe, "loadBalancingRules", id);
    for (const auto& pool : p.value("backendAddressPools", json::array()))
      if (json* t = target(pool)) appendRef(*t, "loadBalancingRules", id);
    if (json* pr = p.contains("probe") ? target(p["probe"]) : nullptr)
      appendRef(*pr, "loadBalancingRules", id);
  }
  for (const auto& nat : props["inboundNatRules"]) {
    const auto& p = nat["properties"];
    if (json* fe =
            p.contains("frontendIPConfiguration") ? target(p["frontendIPConfiguration"]) : nullptr)
      appendRef(*fe, "inboundNatRules", nat.value("id", ""));
    if (p.contains("backendAddressPool") && p.contains("frontendPortRangeStart"))
      if (json* pool = target(p["backendAddressPool"]))
        appendRef(*pool, "inboundNatRules", nat.value("id", ""));
  }
  for (const auto& np : props["inboundNatPools"])
    if (json* fe = target(np["properties"].value("frontendIPConfiguration", json::object())))
      appendRef(*fe, "inboundNatPools", np.value("id", ""));
  for (const auto& ob : props["outboundRules"]) {
    const auto& p = ob["properties"];
    for (const auto& f : p.value("frontendIPConfigurations", json::array()))
      if (json* fe = target(f)) appendRef(*fe, "outboundRules", ob.value("id", ""));
    if (json* pool = target(p.value("backendAddressPool", json::object()))) {
      appendRef(*pool, "outboundRules", ob.value("id", ""));
      if (!pool->contains("outboundRule")) (*pool)["outboundRule"] = subRef(ob.value("id", ""));
    }
  }
  for (auto& pool : props["backendAddressPools"]) {
    const std::string poolId = pool.value("id", "");
    auto cfgs = nicConfigsReferencing(tx, "loadBalancerBackendAddressPools", toLower(poolId));
    if (!cfgs.empty()) {
      json refs = json::array();
      for (const auto& c : cfgs) refs.push_back(subRef(c));
      pool["properties"]["backendIPConfigurations"] = refs;
    }
    auto mappings = natRangeMappings(tx, body, poolId);
    if (pool["properties"].contains("loadBalancerBackendAddresses"))
      for (auto& a : pool["properties"]["loadBalancerBackendAddresses"]) {
        json list = json::array();
        for (const auto& m : mappings)
          if (m.backendName == a.value("name", ""))
            list.push_back({{"inboundNatRuleName", m.rule},
                            {"frontendPort", m.frontendPort},
                            {"backendPort", m.backendPort}});
        if (!list.empty()) a["properties"]["inboundNatRulesPortMapping"] = list;
      }
  }
  for (auto& nat : props["inboundNatRules"]) {
    auto cfgs =
        nicConfigsReferencing(tx, "loadBalancerInboundNatRules", toLower(nat.value("id", "")));
    if (!cfgs.empty()) nat["properties"]["backendIPConfiguration"] = subRef(cfgs.front());
  }
  return body;
}

ArmResult<bool> checkDeleteLoadBalancer(const Txn& tx, const Resource& r) {
  for (const auto& [coll, field] :
       {std::pair{"backendAddressPools", "loadBalancerBackendAddressPools"},
        std::pair{"inboundNatRules", "loadBalancerInboundNatRules"}})
    for (const auto& item : r.body["properties"].value(coll, json::array())) {
      auto users = nicConfigsReferencing(tx, field, toLower(item.value("id", "")));
      if (!users.empty())
        return armFail(errors::loadBalancerInUseByNic(r.id, item.value("id", ""), users.front()));
    }
  return true;
}

ArmResult<json> queryInboundNatRulePortMapping(const Txn& tx, const Resource& lb,
                                               std::string_view poolName, const json& request) {
  const json* pool = childByName(lb.body, "backendAddressPools", poolName);
  if (!pool)
    return armFail(errors::childNotFound(lb.id + "/backendAddressPools/" + std::string(poolName)));
  if (auto k = armapi::checkKinds(request, "", {{"ipAddress", JsonKind::String}}); !k)
    return armFail(k.error());
  std::string ip = request.is_object() ? armapi::stringOr(request, "ipAddress", "") : "";
  std::string cfg;
  if (request.is_object() && request.contains("ipConfiguration") &&
      request["ipConfiguration"].is_object())
    cfg = request["ipConfiguration"].value("id", "");
  if (ip.empty() && cfg.empty())
    return armFail(errors::invalidParameter(
        "Specify ipAddress or ipConfiguration.id of the backend.", "ipAddress"));
  json list = json::array();
  for (const auto& m : natRangeMappings(tx, lb.body, pool->value("id", "")))
    if ((!ip.empty() && m.backendIp == ip) || (!cfg.empty() && iequals(m.backendName, cfg)))
      list.push_back({{"inboundNatRuleName", m.rule},
                      {"protocol", m.protocol},
                      {"frontendPort", m.frontendPort},
                      {"backendPort", m.backendPort}});
  return json{{"inboundNatRulePortMappings", list}};
}

}  // namespace azlb::armservice::network
