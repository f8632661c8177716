#include "arm-api/service/network_util.h"

namespace azlb::armservice::network {

using armapi::iequals;
using armapi::toLower;

std::string refKey(const std::string& id) {
  auto parsed = ResourceId::parse(id);
  return parsed ? parsed->key() : toLower(id);
}

const Resource* findTopLevel(const Txn& tx, const std::string& id) {
  auto parsed = ResourceId::parse(id);
  if (!parsed || parsed->segments.empty()) return nullptr;
  while (parsed->segments.size() > 1) *parsed = parsed->parent();
  return tx.find(parsed->key());
}

const json* childByName(const json& body, const char* collection, std::string_view name) {
  auto props = body.find("properties");
  if (props == body.end() || !props->is_object()) return nullptr;
  auto arr = props->find(collection);
  if (arr == props->end() || !arr->is_array()) return nullptr;
  for (const auto& item : *arr)
    if (item.is_object() && iequals(item.value("name", ""), name)) return &item;
  return nullptr;
}

const json* findChildById(const Txn& tx, const std::string& id, const char* collection) {
  auto parsed = ResourceId::parse(id);
  if (!parsed || parsed->segments.size() != 2 || !iequals(parsed->segments[1].first, collection))
    return nullptr;
  const Resource* parent = findTopLevel(tx, id);
  if (!parent) return nullptr;
  return childByName(parent->body, collection, parsed->segments[1].second);
}

std::optional<std::string> refOf(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) return std::nullopt;
  auto id = it->find("id");
  if (id == it->end() || !id->is_string()) return std::nullopt;
  return id->get<std::string>();
}
const json& propsOf(const json& item) {
  static const json kEmpty = json::object();
  auto it = item.find("properties");
  return it != item.end() && it->is_object() ? *it : kEmpty;
}
const json& itemsOf(const json& body, const char* collection) {
  static const json kEmpty = json::array();
  auto props = body.find("properties");
  if (props == body.end() || !props->is_object()) return kEmpty;
  auto arr = props->find(collection);
  return arr != props->end() && arr->is_array() ? *arr : kEmpty;
}

std::vector<std::string> publicIpUsers(const Txn& tx, const std::string& pipKey) {
  std::vector<std::string> users;
  auto scan = [&](const char* type, const char* collection) {
    tx.forEachOfType(type, [&](const std::string&, const Resource& r) {
      for (const auto& item : itemsOf(r.body, collection)) {
        auto ref = refOf(propsOf(item), "publicIPAddress");
        if (ref && refKey(*ref) == pipKey) users.push_back(item.value("id", ""));
      }
    });
  };
  scan("microsoft.network/loadbalancers", "frontendIPConfigurations");
  scan("microsoft.network/networkinterfaces", "ipConfigurations");
  // Cloud services:
  // networkProfile.loadBalancerConfigurations[].properties.frontendIpConfigurations[].
  tx.forEachOfType("microsoft.compute/cloudservices", [&](const std::string&, const Resource& r) {
    const json& profile = propsOf(r.body).value("networkProfile", json::object());
    for (const auto& lbc : profile.value("loadBalancerConfigurations", json::array()))
      for (const auto& fe : propsOf(lbc).value("frontendIpConfigurations", json::array())) {
        auto ref = refOf(propsOf(fe), "publicIPAddress");
        if (ref && refKey(*ref) == pipKey)
          users.push_back(r.id + "/loadBalancerConfigurations/" + lbc.value("name", "") +
                          "/frontendIpConfigurations/" + fe.value("name", ""));
      }
  });
  return users;
}

std::vector<SubnetUser> subnetUsers(const Txn& tx, const std::string& subnetKey) {
  std::vector<SubnetUser> users;
  auto scan = [&](const char* type, const char* collection) {
    tx.forEachOfType(type, [&](const std::string&, const Resource& r) {
      for (const auto& item : itemsOf(r.body, collection)) {
        const json& props = propsOf(item);
        auto ref = refOf(props, "subnet");
        if (ref && refKey(*ref) == subnetKey)
          users.push_back({item.value("id", ""), props.value("privateIPAddress", "")});
      }
    });
  };
  scan("microsoft.network/networkinterfaces", "ipConfigurations");
  scan("microsoft.network/loadbalancers", "frontendIPConfigurations");
  return users;
}

std::vector<std::string> nicConfigsReferencing(const Txn& tx, const char* refField,
                                               const std::string& targetKey) {
  std::vector<std::string> out;
  tx.forEachOfType("microsoft.network/networkinterfaces",
                   [&](const std::string&, const Resource& r) {
                     for (const auto& cfg : itemsOf(r.body, "ipConfigurations")) {
                       const json& p = propsOf(cfg);
                       auto refs = p.find(refField);
                       if (refs == p.end() || !refs->is_array()) continue;
                       for (const auto& ref : *refs)
                         if (ref.is_object() && ref.value("id", "") != "" &&
                             refKey(ref.value("id", "")) == targetKey)
                           out.push_back(cfg.value("id", ""));
                     }
                   });
  return out;
}

std::optional<armapi::Ipv4Prefix> subnetPrefix(const json& subnet) {
  const json& props = propsOf(subnet);
  if (props.contains("addressPrefix") && props["addressPrefix"].is_string())
    return armapi::parseIpv4Prefix(props["addressPrefix"].get<std::string>());
  // A dual-stack subnet lists its IPv4 prefix among IPv6 ones, in any order.
  for (const auto& p : props.value("addressPrefixes", json::array()))
    if (p.is_string())
      if (auto pre = armapi::parseIpv4Prefix(p.get<std::string>())) return pre;
  return std::nullopt;
}

std::optional<uint32_t> allocatePrivateIp(const Txn& tx, const std::string& subnetId,
                                          const armapi::Ipv4Prefix& prefix,
                                          const std::string& exceptOwnerPrefix,
                                          const std::set<uint32_t>& taken) {
  std::set<uint32_t> used = taken;
  std::string ownerKey = toLower(exceptOwnerPrefix);
  for (const auto& u : subnetUsers(tx, refKey(subnetId))) {
    if (!ownerKey.empty() && refKey(u.id).rfind(ownerKey, 0) == 0) continue;
    if (auto a = armapi::parseIpv4(u.ip)) used.insert(*a);
  }
  if (prefix.size() < 8) return std::nullopt;
  for (uint32_t a = prefix.first() + 4; a < prefix.last(); ++a)
    if (!used.count(a)) return a;
  return std::nullopt;
}

namespace {

std::set<uint32_t> usedPublicIps(const Txn& tx) {
  std::set<uint32_t> used;
  tx.forEachOfType("microsoft.network/publicipaddresses", [&](const std::string&,
                                                              const Resource& r) {
    if (auto a =
            armapi::parseIpv4(r.body.value("properties", json::object()).value("ipAddress", "")))
      used.insert(*a);
  });
  return used;
}

std::vector<armapi::Ipv4Prefix> publicIpPrefixBlocks(const Txn& tx) {
  std::vector<armapi::Ipv4Prefix> blocks;
  tx.forEachOfType("microsoft.network/publicipprefixes",
                   [&](const std::string&, const Resource& r) {
                     if (auto b = armapi::parseIpv4Prefix(propsOf(r.body).value("ipPrefix", "")))
                       blocks.push_back(*b);
                   });
  return blocks;
}

}  // namespace

std::optional<uint32_t> freePublicIp(const Txn& tx, const std::string& publicPrefix,
                                     std::optional<armapi::Ipv4Prefix> within) {
  auto pre = armapi::parseIpv4Prefix(publicPrefix);
  if (!pre) return std::nullopt;
  const std::set<uint32_t> used = usedPublicIps(tx);
  if (within) {
    for (uint64_t a = within->first(); a <= within->last(); ++a)
      if (!used.count(static_cast<uint32_t>(a))) return static_cast<uint32_t>(a);
    return std::nullopt;
  }
  const auto blocks = publicIpPrefixBlocks(tx);
  auto inBlock = [&](uint32_t a) {
    for (const auto& b : blocks)
      if (b.contains(a)) return true;
    return false;
  };
  // The last address before the broadcast is azlb's own: the source of default outbound access
  // (the data plane's outbound pass, emulator/controller/passes/outbound.h).
  for (uint32_t a = pre->first() + 1; a + 1 < pre->last(); ++a)
    if (!used.count(a) && !inBlock(a)) return a;
  return std::nullopt;
}

std::optional<armapi::Ipv4Prefix> freePublicBlock(const Txn& tx, const std::string& publicPrefix,
                                                  int length) {
  auto pre = armapi::parseIpv4Prefix(publicPrefix);
  if (!pre || length < pre->length) return std::nullopt;
  const std::set<uint32_t> used = usedPublicIps(tx);
  const auto blocks = publicIpPrefixBlocks(tx);
  const uint64_t size = uint64_t{1} << (32 - length);
  for (uint64_t start = pre->first(); start + size - 1 <= pre->last(); start += size) {
    const armapi::Ipv4Prefix candidate{static_cast<uint32_t>(start), length};
    bool free = !candidate.contains(pre->first()) && !candidate.contains(pre->last()) &&
                !candidate.contains(pre->last() - 1);
    for (const auto& b : blocks) free = free && !b.overlaps(candidate);
    auto u = used.lower_bound(candidate.first());
    free = free && (u == used.end() || *u > candidate.last());
    if (free) return candidate;
  }
  return std::nullopt;
}

ArmResult<bool> checkPublicIpFree(const Txn& tx, const Resource& pip, const std::string& parentId,
                                  const std::string& ownerId,
                                  std::map<std::string, std::string>& usedHere) {
  std::string user;
  for (const auto& u : publicIpUsers(tx, toLower(pip.id)))
    if (!armapi::istartsWith(u, parentId + "/")) user = u;
  if (auto [it, fresh] = usedHere.emplace(toLower(pip.id), ownerId); !fresh) user = it->second;
  if (!user.empty()) return armFail(errors::publicIpAddressInUse(ownerId, pip.id, user));
  return true;
}

ArmResult<uint32_t> checkStaticPrivateIp(const Txn& tx, const StaticIpRequest& req) {
  auto a = armapi::parseIpv4(req.ipText);
  if (!a)
    return armFail(
        errors::privateIpAddressInvalid(req.ownerKind, req.ownerId, req.ipText, req.target));
  const auto& pre = req.prefix;
  if (!pre || !pre->contains(*a))
    return armFail(errors::privateIpAddressNotInSubnet(req.ownerId, req.ipText, req.subnetId));
  if (*a < pre->first() + 4 || *a == pre->last())
    return armFail(errors::privateIpAddressIsReserved(req.ipText, req.subnetId, req.reservedNote));
  // Owner prefix ends with '/': nic1 must not treat nic10's addresses as its own.
  for (const auto& u : subnetUsers(tx, refKey(req.subnetId)))
    if (u.ip == req.ipText && refKey(u.id).rfind(toLower(req.parentId) + "/", 0) != 0)
      return armFail(errors::privateIpAddressInUse(req.ownerId, req.ipText, u.id));
  return *a;
}

ArmResult<DynamicIp> dynamicPrivateIp(const Txn& tx, const Resource* existing,
                                      const char* collection, const std::string& itemName,
                                      const std::string& subnetId,
                                      const std::optional<armapi::Ipv4Prefix>& prefix,
                                      const std::string& parentId,
                                      const std::set<uint32_t>& taken) {
  std::string old;
  if (existing)
    if (const json* prev = childByName(existing->body, collection, itemName))
      old = prev->value("properties", json::object()).value("privateIPAddress", "");
  auto oldA = armapi::parseIpv4(old);
  if (oldA && prefix && prefix->contains(*oldA) && !taken.count(*oldA))
    return DynamicIp{*oldA, old};
  auto a = prefix ? allocatePrivateIp(tx, subnetId, *prefix, parentId + "/", taken) : std::nullopt;
  if (!a) return armFail(errors::subnetIsFull(subnetId));
  return DynamicIp{*a, armapi::formatIpv4(*a)};
}

ArmResult<json> normalizeChildren(const json& props, const char* collection,
                                  const std::string& parentId, const std::string& parentType,
                                  std::initializer_list<const char*> readOnly) {
  auto arr = armapi::arrayAt(props, collection, std::string("properties"));
  if (!arr) return armFail(arr.error());
  json out = json::array();
  std::set<std::string> names;
  size_t index = 0;
  for (auto item : *arr) {
    std::string path =
        std::string("properties.") + collection + "[" + std::to_string(index++) + "]";
    if (!item.is_object()) return armFail(errors::childItemNotObject(path));
    auto name = item.find("name");
    if (name == item.end() || !name->is_string() || name->get<std::string>().empty())
      return armFail(errors::childItemWithoutName(path));
    std::string n = name->get<std::string>();
    if (!names.insert(toLower(n)).second)
      return armFail(errors::duplicateChildName(collection, n, path));
    auto p = armapi::objectAt(item, "properties", path);
    if (!p) return armFail(p.error());
    json cleaned = *p;
    for (const char* ro : readOnly) cleaned.erase(ro);
    cleaned.erase("provisioningState");
    item["properties"] = cleaned;
    item["id"] = parentId + "/" + collection + "/" + n;
    item["type"] = parentType + "/" + collection;
    item.erase("etag");
    out.push_back(std::move(item));
  }
  return out;
}

json subRef(const std::string& id) {
  return json{{"id", id}};
}

}  // namespace azlb::armservice::network
