#include "emulator/cloudservice/validate.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "common/strings.h"
#include "emulator/cloudservice/parse.h"

namespace azlb::cloudservice {
namespace {

// Azure's limits (MS docs: cloud services limits; csdef schema).
constexpr int kMaxRoles = 25;
constexpr int kMaxInputEndpoints = 150;    // per service, input + instance input
constexpr int kMaxInternalEndpoints = 25;  // per service
constexpr int kMaxInternalEndpointsPerRole = 5;

struct Invalid : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void invalid(const SourcePos& at, const std::string& subject,
                          const std::string& what) {
  throw Invalid(toString(at) + ": " + subject + ": " + what);
}

std::string subjectOf(const Endpoint& ep) {
  return std::string(toString(ep.kind)) + " '" + ep.name + "'";
}
std::string subjectOf(const Role& r) {
  return std::string(r.webRole ? "WebRole" : "WorkerRole") + " '" + r.name + "'";
}

const Role* findRole(const ServiceDefinition& d, const std::string& name) {
  for (const auto& r : d.roles)
    if (r.name == name) return &r;
  return nullptr;
}

const Endpoint* findEndpoint(const Role& r, const std::string& name) {
  for (const auto& e : r.endpoints)
    if (e.name == name) return &e;
  return nullptr;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void checkEndpoint(const ServiceDefinition& d, const Role& role, const Endpoint& ep,
                   int instances) {
  const auto p = ep.protocol;
  switch (ep.kind) {
    case EndpointKind::Input:
      if (p == EndpointProtocol::Any)
        invalid(ep.pos, subjectOf(ep), "protocol must be http, https, tcp or udp");
      if (p == EndpointProtocol::Https && ep.certificate.empty())
        invalid(ep.pos, subjectOf(ep), "an https endpoint needs a 'certificate'");
      if (!ep.certificate.empty() && !contains(role.certificateNames, ep.certificate))
        invalid(ep.pos, subjectOf(ep),
                "certificate '" + ep.certificate + "' is not declared in the role's Certificates");
      break;
    case EndpointKind::Internal:
      if (p == EndpointProtocol::Https)
        invalid(ep.pos, subjectOf(ep), "protocol must be http, tcp, udp or any");
      if (p == EndpointProtocol::Any && (ep.port != 0 || ep.fixedPortRange))
        invalid(ep.pos, subjectOf(ep), "protocol 'any' opens every port and takes no port");
      break;
    case EndpointKind::InstanceInput:
      if (p != EndpointProtocol::Tcp && p != EndpointProtocol::Udp)
        invalid(ep.pos, subjectOf(ep), "protocol must be tcp or udp");
      if (const int size = ep.fixedPortRange->max - ep.fixedPortRange->min + 1; size < instances)
        invalid(ep.pos, subjectOf(ep),
                "FixedPortRange " + std::to_string(ep.fixedPortRange->min) + "-" +
                    std::to_string(ep.fixedPortRange->max) + " holds " + std::to_string(size) +
                    " ports but the role has " + std::to_string(instances) + " instances");
      break;
  }
  if (!ep.loadBalancerProbe.empty()) {
    if (ep.kind != EndpointKind::Input)
      invalid(ep.pos, subjectOf(ep), "only an InputEndpoint takes a loadBalancerProbe");
    const bool known = std::any_of(d.probes.begin(), d.probes.end(),
                                   [&](const auto& pr) { return pr.name == ep.loadBalancerProbe; });
    if (!known)
      invalid(ep.pos, subjectOf(ep),
              "loadBalancerProbe '" + ep.loadBalancerProbe +
                  "' is not a LoadBalancerProbe of the service");
  }
}

/// Public ports (input ports and every instance input range) are unique in the service.
void checkPublicPorts(const ServiceDefinition& d) {
  std::map<int, std::string> taken;  // port -> who
  int inputs = 0, internals = 0;
  for (const auto& role : d.roles)
    for (const auto& ep : role.endpoints) {
      if (ep.kind == EndpointKind::Internal) {
        if (++internals > kMaxInternalEndpoints)
          invalid(ep.pos, subjectOf(ep),
                  "a service has at most " + std::to_string(kMaxInternalEndpoints) +
                      " internal endpoints");
        continue;
      }
      if (++inputs > kMaxInputEndpoints)
        invalid(ep.pos, subjectOf(ep),
                "a service has at most " + std::to_string(kMaxInputEndpoints) + " input endpoints");
      const PortRange r =
          ep.kind == EndpointKind::Input ? PortRange{ep.port, ep.port} : *ep.fixedPortRange;
      for (int port = r.min; port <= r.max; ++port) {
        const auto [it, fresh] = taken.emplace(port, role.name + "/" + ep.name);
        if (!fresh)
          invalid(ep.pos, subjectOf(ep),
                  "public port " + std::to_string(port) + " is already taken by " + it->second);
      }
    }
}

void checkRole(const ServiceDefinition& d, const Role& role, int instances) {
  std::set<std::string> names;
  int internals = 0;
  bool http = false;
  for (const auto& ep : role.endpoints) {
    if (!names.insert(ep.name).second)
      invalid(ep.pos, subjectOf(ep), "the role already has an endpoint of this name");
    if (ep.kind == EndpointKind::Internal && ++internals > kMaxInternalEndpointsPerRole)
      invalid(ep.pos, subjectOf(ep),
              "a role has at most " + std::to_string(kMaxInternalEndpointsPerRole) +
                  " internal endpoints");
    http = http || (ep.kind == EndpointKind::Input && (ep.protocol == EndpointProtocol::Http ||
                                                       ep.protocol == EndpointProtocol::Https));
    checkEndpoint(d, role, ep, instances);
  }
  if (role.webRole && !http)
    invalid(role.pos, subjectOf(role), "a web role needs an http or https InputEndpoint");
}

void checkTrafficRules(const ServiceDefinition& d) {
  for (const auto& t : d.trafficRules) {
    for (const auto& [roleName, endpointName] : t.destinations) {
      const Role* role = findRole(d, roleName);
      if (!role)
        invalid(t.pos, "OnlyAllowTrafficTo",
                "RoleEndpoint roleName '" + roleName + "' is not a role of the service");
      const Endpoint* ep = findEndpoint(*role, endpointName);
      if (!ep || ep->kind != EndpointKind::Internal)
        invalid(t.pos, "OnlyAllowTrafficTo",
                "RoleEndpoint '" + roleName + "/" + endpointName + "' is not an InternalEndpoint");
    }
    for (const auto& from : t.fromRoles)
      if (!findRole(d, from))
        invalid(t.pos, "OnlyAllowTrafficTo",
                "FromRole roleName '" + from + "' is not a role of the service");
    if (!t.allowAllTraffic && t.fromRoles.empty())
      invalid(t.pos, "OnlyAllowTrafficTo", "needs WhenSource/FromRole or AllowAllTraffic");
  }
}

void checkDefinition(const ServiceDefinition& d) {
  if (d.roles.size() > static_cast<std::size_t>(kMaxRoles))
    invalid(d.roles[kMaxRoles].pos, subjectOf(d.roles[kMaxRoles]),
            "a service has at most 25 roles");
  std::set<std::string> roles, probes;
  for (const auto& r : d.roles)
    if (!roles.insert(r.name).second)
      invalid(r.pos, subjectOf(r), "the service already has a role of this name");
  for (const auto& p : d.probes)
    if (!probes.insert(p.name).second)
      invalid(p.pos, "LoadBalancerProbe '" + p.name + "'",
              "the service already has a probe of this name");
  checkPublicPorts(d);
  checkTrafficRules(d);
}

/// The cscfg Role for `role`, checked against the csdef's declared settings.
DeployedRole configuredRole(const ServiceConfiguration& cfg, std::size_t index, const Role& role) {
  const auto it = std::find_if(cfg.roles.begin(), cfg.roles.end(),
                               [&](const auto& r) { return r.name == role.name; });
  if (it == cfg.roles.end())
    invalid(cfg.pos, "ServiceConfiguration",
            "has no Role '" + role.name + "' (defined at " + toString(role.pos) + ")");
  if (!it->instances) invalid(it->pos, "Role '" + role.name + "'", "Instances count is required");
  DeployedRole out{index, *it->instances, {}, {}};
  for (const auto& [name, value] : it->settings)
    if (!contains(role.settingNames, name))
      invalid(it->pos, "Role '" + role.name + "'",
              "Setting '" + name +
                  "' is not declared in the ServiceDefinition's ConfigurationSettings");
  for (const auto& name : role.settingNames) {
    const auto s = std::find_if(it->settings.begin(), it->settings.end(),
                                [&](const auto& kv) { return kv.first == name; });
    if (s == it->settings.end())
      invalid(it->pos, "Role '" + role.name + "'",
              "Setting '" + name + "' (declared in the ServiceDefinition) has no value");
    out.settings.push_back(*s);
  }
  return out;
}

void checkConfigurationRoles(const ServiceDefinition& d, const ServiceConfiguration& cfg) {
  if (cfg.serviceName != d.name)
    invalid(cfg.pos, "ServiceConfiguration",
            "serviceName '" + cfg.serviceName + "' does not match the ServiceDefinition name '" +
                d.name + "'");
  std::set<std::string> seen;
  for (const auto& r : cfg.roles) {
    if (!findRole(d, r.name))
      invalid(r.pos, "Role '" + r.name + "'",
              "is not a role of ServiceDefinition '" + d.name + "'");
    if (!seen.insert(r.name).second) invalid(r.pos, "Role '" + r.name + "'", "is configured twice");
  }
  if (cfg.network)
    for (const auto& [role, subnet] : cfg.network->roleSubnets)
      if (!findRole(d, role))
        invalid(cfg.network->pos, "InstanceAddress '" + role + "'", "is not a role of the service");
}

Deployment join(ServiceDefinition definition, std::optional<ServiceConfiguration> configuration) {
  checkDefinition(definition);
  Deployment out;
  if (configuration) checkConfigurationRoles(definition, *configuration);
  for (std::size_t i = 0; i < definition.roles.size(); ++i) {
    const Role& role = definition.roles[i];
    DeployedRole dr{i, 1, {}, {}};
    if (configuration)
      dr = configuredRole(*configuration, i, role);
    else
      for (const auto& name : role.settingNames) dr.settings.emplace_back(name, "");
    if (configuration && configuration->network)
      for (const auto& [r, subnet] : configuration->network->roleSubnets)
        if (r == role.name) dr.subnetName = subnet;
    checkRole(definition, role, dr.instanceCount);
    out.roles.push_back(std::move(dr));
  }
  if (configuration && configuration->network)
    out.virtualNetworkSite = configuration->network->virtualNetworkSite;
  out.definition = std::move(definition);
  out.configuration = std::move(configuration);
  return out;
}

std::string xmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

Result<Deployment> deploy(ServiceDefinition definition,
                          std::optional<ServiceConfiguration> configuration) {
  try {
    return join(std::move(definition), std::move(configuration));
  } catch (const Invalid& e) {
    return fail(e.what());
  }
}

Result<Deployment> deployTexts(const ServiceTexts& texts) {
  auto def = parseServiceDefinition(texts.definition, texts.definitionFile);
  if (!def) return unexpected(def.error());
  const std::string fallback = texts.configuration.empty() ? defaultConfiguration(*def) : "";
  auto cfg = parseServiceConfiguration(texts.configuration.empty() ? fallback : texts.configuration,
                                       texts.configurationFile);
  if (!cfg) return unexpected(cfg.error());
  for (const auto& [role, count] : texts.capacities) {
    bool known = false;
    for (auto& r : cfg->roles)
      if (iequals(r.name, role)) {
        r.instances = count;
        known = true;
      }
    if (!known)
      return fail("roleProfile: role '" + role + "' is not a role of ServiceDefinition '" +
                  def->name + "'");
  }
  return deploy(std::move(*def), std::move(*cfg));
}

std::string defaultConfiguration(const ServiceDefinition& definition) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ServiceConfiguration serviceName=\"" +
      xmlEscape(definition.name) +
      "\" xmlns=\"http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration\">\n";
  for (const auto& role : definition.roles) {
    out += "  <Role name=\"" + xmlEscape(role.name) + "\">\n    <Instances count=\"1\" />\n";
    if (!role.settingNames.empty()) {
      out += "    <ConfigurationSettings>\n";
      for (const auto& s : role.settingNames)
        out += "      <Setting name=\"" + xmlEscape(s) + "\" value=\"\" />\n";
      out += "    </ConfigurationSettings>\n";
    }
    out += "  </Role>\n";
  }
  return out + "</ServiceConfiguration>\n";
}

}  // namespace azlb::cloudservice
