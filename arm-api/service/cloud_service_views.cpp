// The read-only views of a stored cloud service: roles, role instances and their instance views,
// the VIP swap slot (and the swap itself), and azlb's summary document.
#include "arm-api/service/cloud_services.h"
#include "arm-api/service/network_util.h"
#include "emulator/cloudservice/ports.h"

namespace azlb::armservice::cloudsvc {

using armapi::iequals;
using armapi::toLower;
namespace errors = armapi::errors;
using cloudservice::Deployment;
using cloudservice::EndpointKind;

namespace {

struct Instance {
  std::string name;
  std::string role;
  int index = 0;
  std::string vmsize;
  int capacity = 0;
};

std::vector<Instance> instancesOf(const Deployment& d) {
  std::vector<Instance> out;
  for (const auto& r : d.roles) {
    const auto& role = d.definition.roles[r.role];
    for (int i = 0; i < r.instanceCount; ++i)
      out.push_back(
          {cloudservice::instanceName(role.name, i), role.name, i, role.vmsize, r.instanceCount});
  }
  return out;
}

/// The guest agent's status of an instance ({"ip","status","reason"}) or null.
json statusOf(const json& statuses, const std::string& csId, const std::string& instance) {
  const std::string key = toLower(csId + "/roleInstances/" + instance);
  if (statuses.is_object() && statuses.contains(key)) return statuses[key];
  return nullptr;
}

json roleStatus(const json& st) {
  const std::string s = st.is_object() ? st.value("status", "") : "";
  std::string code = "RoleStateUnknown";
  if (s == "Ready")
    code = "RoleStateStarted";
  else if (s == "Busy")
    code = "RoleStateBusy";
  else if (s == "Starting")
    code = "RoleStateStarting";
  else if (s == "Stopping")
    code = "RoleStateStopping";
  json out = {{"code", "RoleState/" + code},
              {"level", s == "Busy" ? "Warning" : "Info"},
              {"displayStatus", code}};
  if (st.is_object() && !st.value("reason", "").empty()) out["message"] = st["reason"];
  return out;
}

json roleResource(const json& stored, const Deployment& d, const cloudservice::DeployedRole& r) {
  const auto& role = d.definition.roles[r.role];
  return {{"id", stored.value("id", "") + "/roles/" + role.name},
          {"name", role.name},
          {"type", std::string(kType) + "/roles"},
          {"location", stored.value("location", "")},
          {"sku", {{"name", role.vmsize}, {"tier", "Standard"}, {"capacity", r.instanceCount}}},
          {"properties",
           {{"uniqueId", network::propsOf(stored).value("uniqueId", "") + ":" + role.name}}}};
}

/// RoleInstanceView of a known instance.
json viewOf(const json& stored, const Instance& in, const json& statuses) {
  const json st = statusOf(statuses, stored.value("id", ""), in.name);
  return {{"platformUpdateDomain", in.index % 5},
          {"platformFaultDomain", in.index % 2},
          {"privateId", network::propsOf(stored).value("uniqueId", "") + ":" + in.name},
          {"statuses",
           {{{"code", "ProvisioningState/succeeded"},
             {"level", "Info"},
             {"displayStatus", "Provisioning succeeded"}},
            roleStatus(st)}}};
}

json instanceResource(const json& stored, const Instance& in, const json& statuses, bool withView) {
  const std::string csId = stored.value("id", "");
  const std::string id = csId + "/roleInstances/" + in.name;
  json r = {
      {"id", id},
      {"name", in.name},
      {"type", std::string(kType) + "/roleInstances"},
      {"location", stored.value("location", "")},
      {"sku", {{"name", in.vmsize}, {"tier", "Standard"}, {"capacity", in.capacity}}},
      {"properties",
       {{"networkProfile", {{"networkInterfaces", {{{"id", id + "/networkInterfaces/nic1"}}}}}}}}};
  if (withView) r["properties"]["instanceView"] = viewOf(stored, in, statuses);
  return r;
}

std::optional<Instance> findInstance(const json& stored, const std::string& name) {
  auto d = deploymentOf(stored);
  if (!d) return std::nullopt;
  for (auto& in : instancesOf(*d))
    if (iequals(in.name, name)) return in;
  return std::nullopt;
}

/// The networkProfile public IP ids of a stored service, in order.
std::vector<std::string> publicIpsOf(const json& stored) {
  std::vector<std::string> out;
  const json profile = network::propsOf(stored).value("networkProfile", json::object());
  for (const auto& lbc : profile.value("loadBalancerConfigurations", json::array()))
    for (const auto& fe : network::propsOf(lbc).value("frontendIpConfigurations", json::array()))
      if (auto ref = network::refOf(network::propsOf(fe), "publicIPAddress")) out.push_back(*ref);
  return out;
}

json ipOf(const Txn& tx, const std::vector<std::string>& pips) {
  if (pips.empty()) return nullptr;
  const Resource* pip = network::findTopLevel(tx, pips.front());
  if (!pip) return nullptr;
  const std::string ip = network::propsOf(pip->body).value("ipAddress", "");
  return ip.empty() ? json(nullptr) : json(ip);
}

std::string slotName(const json& stored) {
  return network::propsOf(stored).value("azlb", json::object()).value("slot", "Production");
}

json endpointsOf(const Deployment& d) {
  json out = json::array();
  for (std::size_t r = 0; r < d.roles.size(); ++r) {
    const auto& role = d.definition.roles[d.roles[r].role];
    for (std::size_t e = 0; e < role.endpoints.size(); ++e) {
      const auto& ep = role.endpoints[e];
      json one = {{"name", ep.name},
                  {"role", role.name},
                  {"kind", cloudservice::toString(ep.kind)},
                  {"protocol", cloudservice::toString(ep.protocol)},
                  {"publicPort", ep.kind == EndpointKind::Input ? json(ep.port) : json(nullptr)},
                  {"localPort", cloudservice::localPortOf(d, d.roles[r].role, e)}};
      if (ep.kind != EndpointKind::InstanceInput) {
        out.push_back(one);
        continue;
      }
      for (int i = 0; i < d.roles[r].instanceCount; ++i) {
        one["instance"] = cloudservice::instanceName(role.name, i);
        one["publicPort"] = cloudservice::instancePublicPort(ep, i);
        out.push_back(one);
      }
    }
  }
  return out;
}

}  // namespace

json roles(const json& stored) {
  json value = json::array();
  if (auto d = deploymentOf(stored))
    for (const auto& r : d->roles) value.push_back(roleResource(stored, *d, r));
  return {{"value", value}};
}

std::optional<json> role(const json& stored, const std::string& name) {
  auto d = deploymentOf(stored);
  if (!d) return std::nullopt;
  for (const auto& r : d->roles)
    if (iequals(d->definition.roles[r.role].name, name)) return roleResource(stored, *d, r);
  return std::nullopt;
}

json roleInstances(const json& stored, const json& statuses, bool withInstanceView) {
  json value = json::array();
  if (auto d = deploymentOf(stored))
    for (const auto& in : instancesOf(*d))
      value.push_back(instanceResource(stored, in, statuses, withInstanceView));
  return {{"value", value}};
}

std::optional<json> roleInstance(const json& stored, const std::string& name, const json& statuses,
                                 bool withInstanceView) {
  auto in = findInstance(stored, name);
  if (!in) return std::nullopt;
  return instanceResource(stored, *in, statuses, withInstanceView);
}

json instanceView(const json& stored, const std::string& instanceName, const json& statuses) {
  auto in = findInstance(stored, instanceName);
  return viewOf(stored, in ? *in : Instance{instanceName, "", 0, "", 0}, statuses);
}

json serviceInstanceView(const json& stored, const json& statuses) {
  std::map<std::string, int> counts;
  auto d = deploymentOf(stored);
  if (d)
    for (const auto& in : instancesOf(*d))
      ++counts[roleStatus(statusOf(statuses, stored.value("id", ""), in.name))["code"]
                   .get<std::string>()];
  json summary = json::array();
  for (const auto& [code, n] : counts) summary.push_back({{"code", code}, {"count", n}});
  return {{"roleInstance", {{"statusesSummary", summary}}},
          {"sdkVersion", "azlb"},
          {"privateIds", json::array({network::propsOf(stored).value("uniqueId", "")})},
          {"statuses",
           {{{"code", "ProvisioningState/succeeded"},
             {"level", "Info"},
             {"displayStatus", "Provisioning succeeded"}}}}};
}

std::string partnerKey(const Txn& tx, const Resource& cs) {
  const json profile = network::propsOf(cs.body).value("networkProfile", json::object());
  if (auto ref = network::refOf(profile, "swappableCloudService"))
    if (network::findTopLevel(tx, *ref)) return network::refKey(*ref);
  std::string out;
  tx.forEachOfType(kTypeLower, [&](const std::string& key, const Resource& other) {
    const json p = network::propsOf(other.body).value("networkProfile", json::object());
    auto ref = network::refOf(p, "swappableCloudService");
    if (ref && iequals(*ref, cs.id)) out = key;
  });
  return out;
}

ArmResult<bool> swap(Txn& tx, const Resource& cs) {
  const std::string other = partnerKey(tx, cs);
  const Resource* partner = other.empty() ? nullptr : tx.find(other);
  if (!partner)
    return armapi::armFail(errors::badRequest("CloudServiceSwapPartnerNotFound",
                                              "Cloud service '" + cs.id +
                                                  "' has no swappable cloud service to swap with "
                                                  "(set networkProfile.swappableCloudService)."));
  Resource a = cs, b = *partner;
  json& pa = a.body["properties"]["networkProfile"];
  json& pb = b.body["properties"]["networkProfile"];
  std::swap(pa["loadBalancerConfigurations"], pb["loadBalancerConfigurations"]);
  std::swap(a.body["properties"]["azlb"]["slot"], b.body["properties"]["azlb"]["slot"]);
  pa["slotType"] = a.body["properties"]["azlb"]["slot"];
  pb["slotType"] = b.body["properties"]["azlb"]["slot"];
  a.body["etag"] = armapi::newEtag();
  b.body["etag"] = armapi::newEtag();
  tx.put(toLower(a.id), a);
  tx.put(other, b);
  return true;
}

json slotResource(const Resource& cs) {
  return {{"id", cs.id + "/providers/Microsoft.Network/cloudServiceSlots/swap"},
          {"name", "swap"},
          {"type", "Microsoft.Network/cloudServiceSlots"},
          {"properties", {{"slotType", slotName(cs.body)}}}};
}

json summary(const Txn& tx, const Resource& cs, const json& statuses) {
  const std::string other = partnerKey(tx, cs);
  const Resource* partner = other.empty() ? nullptr : tx.find(other);
  const bool production = slotName(cs.body) == "Production";
  const json mine = ipOf(tx, publicIpsOf(cs.body));
  const json theirs = partner ? ipOf(tx, publicIpsOf(partner->body)) : json(nullptr);
  auto id = ResourceId::parse(cs.id);
  json out = {{"name", cs.body.value("name", "")},
              {"id", cs.id},
              {"resourceGroup", id ? id->resourceGroup : ""},
              {"slot", slotName(cs.body)},
              {"vip", production ? mine : theirs},
              {"stagingVip", production ? theirs : mine},
              {"swappableCloudService", partner ? json(partner->id) : json(nullptr)},
              {"provisioningState", network::propsOf(cs.body).value("provisioningState", "")},
              {"roles", json::array()},
              {"instances", json::array()},
              {"endpoints", json::array()},
              {"notRun", json::array()},
              {"unknownElements", json::array()}};
  auto d = deploymentOf(cs.body);
  if (!d) return out;
  for (const auto& r : d->roles) {
    const auto& role = d->definition.roles[r.role];
    out["roles"].push_back(
        {{"name", role.name}, {"instanceCount", r.instanceCount}, {"vmsize", role.vmsize}});
    for (const auto& what : role.notRun) out["notRun"].push_back(role.name + ": " + what);
  }
  for (const auto& in : instancesOf(*d)) {
    const json st = statusOf(statuses, cs.id, in.name);
    out["instances"].push_back(
        {{"name", in.name},
         {"role", in.role},
         {"ip", st.is_object() ? st["ip"] : json(nullptr)},
         {"status", st.is_object() ? st.value("status", "Unknown") : "Unknown"},
         {"reason", st.is_object() ? st.value("reason", "") : ""}});
  }
  out["endpoints"] = endpointsOf(*d);
  out["unknownElements"] = d->definition.unknownElements;
  return out;
}

}  // namespace azlb::armservice::cloudsvc
