// Public IP prefixes: an aligned block of the public range (--public-prefix) held for one user.
// Public IPs created with `publicIPPrefix` take their address from it; load balancer frontends
// may reference one (stored: outbound rules over a prefix are not on the wire yet). Refused
// delete while in use.
#include "arm-api/service/network_util.h"

namespace azlb::armservice::network {

using armapi::canonicalEnum;
using armapi::checkKinds;
using armapi::iequals;
using armapi::JsonKind;
using armapi::toLower;

namespace {

/// Ids of the public IPs and LB frontends that reference the prefix (by key).
struct PrefixUsers {
  std::vector<std::string> publicIps, frontends;
};

PrefixUsers prefixUsers(const Txn& tx, const std::string& prefixKey) {
  PrefixUsers u;
  tx.forEachOfType("microsoft.network/publicipaddresses",
                   [&](const std::string&, const Resource& r) {
                     auto ref = refOf(propsOf(r.body), "publicIPPrefix");
                     if (ref && refKey(*ref) == prefixKey) u.publicIps.push_back(r.id);
                   });
  tx.forEachOfType("microsoft.network/loadbalancers", [&](const std::string&, const Resource& r) {
    for (const auto& fe : itemsOf(r.body, "frontendIPConfigurations")) {
      auto ref = refOf(propsOf(fe), "publicIPPrefix");
      if (ref && refKey(*ref) == prefixKey) u.frontends.push_back(fe.value("id", ""));
    }
  });
  return u;
}

/// sku.name Standard (the only SKU of prefixes), sku.tier Regional or Global.
ArmResult<json> prefixSku(const json& request) {
  auto sku = armapi::objectAt(request, "sku", "");
  if (!sku) return armFail(sku.error());
  if (auto k = checkKinds(*sku, "sku", {{"name", JsonKind::String}, {"tier", JsonKind::String}});
      !k)
    return armFail(k.error());
  auto name = canonicalEnum(armapi::stringOr(*sku, "name", "Standard"), {"Standard"}, "sku.name");
  if (!name) return armFail(name.error());
  auto tier =
      canonicalEnum(armapi::stringOr(*sku, "tier", "Regional"), {"Regional", "Global"}, "sku.tier");
  if (!tier) return armFail(tier.error());
  return json{{"name", *name}, {"tier", *tier}};
}

}  // namespace

ArmResult<json> normalizePublicIpPrefix(Ctx& ctx, const ResourceId& id, const json& request,
                                        const Resource* existing) {
  auto propsR = armapi::objectAt(request, "properties", "");
  if (!propsR) return armFail(propsR.error());
  json props = *propsR;
  if (auto k = checkKinds(props, "properties",
                          {{"prefixLength", JsonKind::Integer},
                           {"publicIPAddressVersion", JsonKind::String},
                           {"ipTags", JsonKind::Array}});
      !k)
    return armFail(k.error());
  auto sku = prefixSku(request);
  if (!sku) return armFail(sku.error());
  auto version = canonicalEnum(armapi::stringOr(props, "publicIPAddressVersion", "IPv4"), {"IPv4"},
                               "properties.publicIPAddressVersion");
  if (!version) return armFail(version.error());
  auto length =
      armapi::intInRange(props, "prefixLength", 28, 21, 31, "properties", "Prefix length");
  if (!length) return armFail(length.error());
  const json old = existing ? existing->body.value("properties", json::object()) : json::object();
  if (existing && old.value("prefixLength", *length) != *length)
    return armFail(errors::invalidParameter(
        "The prefixLength of public IP prefix " + id.str() + " cannot change.",
        "properties.prefixLength"));
  for (const char* ro : {"ipPrefix", "publicIPAddresses", "loadBalancerFrontendIpConfiguration",
                         "provisioningState", "resourceGuid"})
    props.erase(ro);
  props["publicIPAddressVersion"] = *version;
  props["prefixLength"] = *length;
  if (!props.contains("ipTags")) props["ipTags"] = json::array();
  std::string kept = old.value("ipPrefix", "");
  if (kept.empty()) {
    auto block = freePublicBlock(ctx.tx, ctx.cfg.publicPrefix, static_cast<int>(*length));
    if (!block) return armFail(errors::publicIpCountLimitReached(ctx.cfg.publicPrefix));
    kept = block->str();
  }
  props["ipPrefix"] = kept;
  return json{{"sku", *sku}, {"properties", props}};
}

json renderPublicIpPrefix(const Txn& tx, const Resource& r) {
  json body = r.body;
  const PrefixUsers u = prefixUsers(tx, toLower(r.id));
  if (!u.publicIps.empty()) {
    json refs = json::array();
    for (const auto& id : u.publicIps) refs.push_back(subRef(id));
    body["properties"]["publicIPAddresses"] = refs;
  }
  if (!u.frontends.empty())
    body["properties"]["loadBalancerFrontendIpConfiguration"] = subRef(u.frontends[0]);
  return body;
}

ArmResult<bool> checkDeletePublicIpPrefix(const Txn& tx, const Resource& r) {
  const PrefixUsers u = prefixUsers(tx, toLower(r.id));
  std::string users;
  for (const auto* list : {&u.publicIps, &u.frontends})
    for (const auto& id : *list) users += (users.empty() ? "" : ", ") + id;
  if (!users.empty()) return armFail(errors::inUsePublicIpPrefixCannotBeDeleted(r.id, users));
  return true;
}

ArmResult<const Resource*> referencedPublicIpPrefix(const Txn& tx, const json& props,
                                                    const std::string& path,
                                                    const std::string& owner) {
  auto ref = armapi::refAt(props, "publicIPPrefix", path);
  if (!ref) return armFail(ref.error());
  if (!*ref) return static_cast<const Resource*>(nullptr);
  const Resource* prefix = tx.find(refKey(**ref));
  if (!prefix || !iequals(prefix->type, "Microsoft.Network/publicIPPrefixes"))
    return armFail(errors::invalidResourceReference(**ref, owner));
  return prefix;
}

}  // namespace azlb::armservice::network
