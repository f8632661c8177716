#include "emulator/controller/passes/role_environment.h"

#include <regex>
#include <utility>

#include "emulator/cloudservice/guest_agent.h"
#include "emulator/cloudservice/ports.h"

namespace azlb::controller::passes {

namespace {

using cloudservice::EndpointKind;

json endpointsOf(const model::CloudService& cs, std::size_t r, int i, const std::string& ip,
                 const std::string& vip) {
  const auto& d = cs.deployment;
  const auto& role = d.definition.roles[d.roles[r].role];
  json out = json::object();
  for (std::size_t e = 0; e < role.endpoints.size(); ++e) {
    const auto& ep = role.endpoints[e];
    json one = {{"kind", cloudservice::toString(ep.kind)},
                {"protocol", cloudservice::toString(ep.protocol)},
                {"ip", ip},
                {"port", cloudservice::localPortOf(d, r, e)},
                {"publicPort", nullptr}};
    if (ep.kind == EndpointKind::Input && !vip.empty()) one["publicPort"] = ep.port;
    if (ep.kind == EndpointKind::InstanceInput && !vip.empty())
      one["publicPort"] = cloudservice::instancePublicPort(ep, i);
    if (ep.fixedPortRange && ep.kind == EndpointKind::Internal)
      one["portRange"] = {ep.fixedPortRange->min, ep.fixedPortRange->max};
    out[ep.name] = std::move(one);
  }
  return out;
}

/// {"<Role>": {"instances": [{"id", "ip", "endpoints"}]}}: what every instance may discover.
json rolesDocument(const model::CloudService& cs, const std::vector<std::vector<std::string>>& ips,
                   const std::string& vip) {
  const auto& d = cs.deployment;
  json roles = json::object();
  for (std::size_t r = 0; r < d.roles.size(); ++r) {
    const auto& name = d.definition.roles[d.roles[r].role].name;
    json list = json::array();
    for (std::size_t i = 0; i < ips[r].size(); ++i) {
      const int idx = static_cast<int>(i);
      list.push_back({{"id", cloudservice::instanceName(name, idx)},
                      {"ip", ips[r][i]},
                      {"endpoints", endpointsOf(cs, r, idx, ips[r][i], vip)}});
    }
    roles[name] = {{"instances", std::move(list)}};
  }
  return roles;
}

std::vector<std::pair<std::string, std::string>> environmentOf(const RoleInstancePlan& p,
                                                               const cloudservice::Role& role) {
  const json& cur = p.roleEnvironment["currentInstance"];
  std::vector<std::pair<std::string, std::string>> env = {
      {"AZLB_SERVICE_NAME", p.service},
      {"AZLB_ROLE_NAME", p.role},
      {"AZLB_ROLE_INSTANCE_ID", p.name},
      {"AZLB_ROLE_INSTANCE_INDEX", std::to_string(p.index)},
      {"AZLB_INSTANCE_IP", p.ip},
      {"AZLB_GUEST_AGENT", "http://127.0.0.1:" + std::to_string(cloudservice::kGuestAgentPort)}};
  for (const auto& [name, ep] : cur["endpoints"].items())
    env.emplace_back("AZLB_ENDPOINT_" + name + "_PORT", std::to_string(ep["port"].get<int>()));
  for (const auto& [name, value] : p.roleEnvironment["settings"].items())
    env.emplace_back("AZLB_SETTING_" + name, value.get<std::string>());
  for (const auto& v : role.environment)
    env.emplace_back(v.name, v.roleInstanceValueXpath.empty()
                                 ? v.value
                                 : roleInstanceValue(p.roleEnvironment, v.roleInstanceValueXpath));
  return env;
}

}  // namespace

std::string roleInstanceValue(const json& doc, const std::string& xpath) {
  static const std::regex endpoint(
      R"(^/RoleEnvironment/CurrentInstance/Endpoints/Endpoint\[@name='([^']+)'\]/@(address|port)$)");
  static const std::regex setting(
      R"(^/RoleEnvironment/CurrentInstance/ConfigurationSettings/ConfigurationSetting\[@name='([^']+)'\]/@value$)");
  const json& cur = doc["currentInstance"];
  std::smatch m;
  if (xpath == "/RoleEnvironment/@emulated") return "false";
  if (xpath == "/RoleEnvironment/Deployment/@id") return doc.value("deploymentId", "");
  if (xpath == "/RoleEnvironment/CurrentInstance/@id") return cur.value("id", "");
  if (xpath == "/RoleEnvironment/CurrentInstance/@roleName") return cur.value("role", "");
  if (xpath == "/RoleEnvironment/CurrentInstance/@faultDomain" ||
      xpath == "/RoleEnvironment/CurrentInstance/@updateDomain")
    return std::to_string(cur.value("index", 0) % 5);
  if (std::regex_match(xpath, m, endpoint) && cur["endpoints"].contains(m[1].str())) {
    const json& ep = cur["endpoints"][m[1].str()];
    return m[2] == "address" ? ep.value("ip", "") : std::to_string(ep.value("port", 0));
  }
  if (std::regex_match(xpath, m, setting) && doc["settings"].contains(m[1].str()))
    return doc["settings"][m[1].str()].get<std::string>();
  return {};
}

std::vector<RoleInstancePlan> roleInstancePlans(const model::CloudService& cs,
                                                const std::vector<std::vector<std::string>>& ips,
                                                const std::string& vip) {
  const auto& d = cs.deployment;
  const json roles = rolesDocument(cs, ips, vip);
  std::vector<RoleInstancePlan> out;
  for (std::size_t r = 0; r < d.roles.size(); ++r) {
    const auto& role = d.definition.roles[d.roles[r].role];
    json settings = json::object();
    for (const auto& [k, v] : d.roles[r].settings) settings[k] = v;
    for (std::size_t i = 0; i < ips[r].size(); ++i) {
      RoleInstancePlan p;
      p.index = static_cast<int>(i);
      p.name = cloudservice::instanceName(role.name, p.index);
      p.id = cs.id + "/roleInstances/" + p.name;
      p.service = cs.name;
      p.serviceId = cs.id;
      p.slot = cs.slot;
      p.role = role.name;
      p.ip = ips[r][i];
      p.roleDir = cs.appRoot.empty() ? role.name : cs.appRoot + "/" + role.name;
      p.entryPoint = role.programEntryPoint;
      p.setReadyOnProcessStart = role.setReadyOnProcessStart;
      p.startupTasks = role.startupTasks;
      p.notRun = role.notRun;
      p.roleEnvironment = {{"service", cs.name},
                           {"deploymentId", cs.id},
                           {"slot", cs.slot},
                           {"vip", vip},
                           {"currentInstance",
                            {{"id", p.name},
                             {"role", role.name},
                             {"index", p.index},
                             {"ip", p.ip},
                             {"endpoints", endpointsOf(cs, r, p.index, p.ip, vip)}}},
                           {"settings", settings},
                           {"roles", roles}};
      p.environment = environmentOf(p, role);
      out.push_back(std::move(p));
    }
  }
  return out;
}

}  // namespace azlb::controller::passes
