#include "emulator/cloudservice/parse.h"

#include "common/strings.h"
#include "emulator/cloudservice/xml_reader.h"

namespace azlb::cloudservice {
namespace {

using detail::XmlDocument;
using detail::XmlError;
using Node = pugi::xml_node;

constexpr const char* kDefinitionNs =
    "http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceDefinition";
constexpr const char* kConfigurationNs =
    "http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration";
constexpr int kMaxPort = 65535;

bool is(Node n, std::string_view name) {
  return XmlDocument::localName(n) == name;
}

EndpointProtocol protocolOf(const XmlDocument& x, Node n) {
  const std::string p = toLower(x.required(n, "protocol"));
  if (p == "http") return EndpointProtocol::Http;
  if (p == "https") return EndpointProtocol::Https;
  if (p == "tcp") return EndpointProtocol::Tcp;
  if (p == "udp") return EndpointProtocol::Udp;
  if (p == "any") return EndpointProtocol::Any;
  x.fail(n, "protocol must be http, https, tcp, udp or any, not '" + p + "'");
}

PortRange rangeOf(const XmlDocument& x, Node n) {
  PortRange r{x.integer(n, "min", 1, kMaxPort).value_or(0),
              x.integer(n, "max", 1, kMaxPort).value_or(0)};
  if (r.min == 0 || r.max == 0) x.fail(n, "attributes 'min' and 'max' are required");
  if (r.max < r.min) x.fail(n, "max must not be below min");
  return r;
}

/// InternalEndpoint's FixedPort / FixedPortRange, InstanceInputEndpoint's AllocatePublicPortFrom.
void endpointChildren(const XmlDocument& x, Node n, Endpoint& ep,
                      std::vector<std::string>& unknown) {
  for (Node c : XmlDocument::children(n)) {
    if (ep.kind == EndpointKind::Internal && is(c, "FixedPort")) {
      ep.port = x.integer(c, "port", 1, kMaxPort).value_or(0);
      if (ep.port == 0) x.fail(c, "attribute 'port' is required");
    } else if (ep.kind == EndpointKind::Internal && is(c, "FixedPortRange")) {
      ep.fixedPortRange = rangeOf(x, c);
    } else if (ep.kind == EndpointKind::InstanceInput && is(c, "AllocatePublicPortFrom")) {
      for (Node r : XmlDocument::children(c))
        if (is(r, "FixedPortRange"))
          ep.fixedPortRange = rangeOf(x, r);
        else
          unknown.push_back(x.describe(r));
    } else {
      unknown.push_back(x.describe(c));
    }
  }
}

Endpoint endpointOf(const XmlDocument& x, Node n, EndpointKind kind,
                    std::vector<std::string>& unknown) {
  Endpoint ep;
  ep.kind = kind;
  ep.name = x.required(n, "name");
  ep.protocol = protocolOf(x, n);
  ep.pos = x.pos(n);
  const bool input = kind == EndpointKind::Input;
  if (input && !n.attribute("port")) x.fail(n, "attribute 'port' is required");
  ep.port = x.integer(n, "port", 1, kMaxPort).value_or(0);
  if (x.optional(n, "localPort") == "*") {
    if (!input) x.fail(n, "localPort=\"*\" is only allowed on an InputEndpoint");
    ep.localPortAuto = true;
  } else {
    ep.localPort = x.integer(n, "localPort", 1, kMaxPort).value_or(0);
  }
  if (kind == EndpointKind::InstanceInput && ep.localPort == 0)
    x.fail(n, "attribute 'localPort' is required");
  ep.certificate = x.optional(n, "certificate");
  ep.ignoreRoleInstanceStatus = x.boolean(n, "ignoreRoleInstanceStatus", false);
  ep.loadBalancerProbe = x.optional(n, "loadBalancerProbe");
  endpointChildren(x, n, ep, unknown);
  if (kind == EndpointKind::InstanceInput && !ep.fixedPortRange)
    x.fail(n, "AllocatePublicPortFrom/FixedPortRange is required");
  return ep;
}

void endpointsOf(const XmlDocument& x, Node n, Role& role, std::vector<std::string>& unknown) {
  for (Node c : XmlDocument::children(n)) {
    if (is(c, "InputEndpoint"))
      role.endpoints.push_back(endpointOf(x, c, EndpointKind::Input, unknown));
    else if (is(c, "InternalEndpoint"))
      role.endpoints.push_back(endpointOf(x, c, EndpointKind::Internal, unknown));
    else if (is(c, "InstanceInputEndpoint"))
      role.endpoints.push_back(endpointOf(x, c, EndpointKind::InstanceInput, unknown));
    else
      unknown.push_back(x.describe(c));
  }
}

void startupOf(const XmlDocument& x, Node n, Role& role, std::vector<std::string>& unknown) {
  for (Node c : XmlDocument::children(n)) {
    if (!is(c, "Task")) {
      unknown.push_back(x.describe(c));
      continue;
    }
    StartupTask t;
    t.commandLine = x.required(c, "commandLine");
    t.pos = x.pos(c);
    const std::string type = toLower(x.optional(c, "taskType", "simple"));
    if (type == "simple")
      t.taskType = TaskType::Simple;
    else if (type == "background")
      t.taskType = TaskType::Background;
    else if (type == "foreground")
      t.taskType = TaskType::Foreground;
    else
      x.fail(c, "taskType must be simple, background or foreground, not '" + type + "'");
    t.elevated = iequals(x.optional(c, "executionContext", "limited"), "elevated");
    if (t.elevated)
      role.notRun.push_back(x.describe(
          c, "Startup Task executionContext=elevated (every process of an instance runs as root)"));
    if (!XmlDocument::children(c).empty())
      role.notRun.push_back(
          x.describe(c, "Startup Task Environment (the task gets the Runtime environment)"));
    role.startupTasks.push_back(std::move(t));
  }
}

void environmentOf(const XmlDocument& x, Node n, Role& role, std::vector<std::string>& unknown) {
  for (Node v : XmlDocument::children(n)) {
    if (!is(v, "Variable")) {
      unknown.push_back(x.describe(v));
      continue;
    }
    EnvironmentVariable e{x.required(v, "name"), x.optional(v, "value"), {}};
    for (Node c : XmlDocument::children(v))
      if (is(c, "RoleInstanceValue"))
        e.roleInstanceValueXpath = x.required(c, "xpath");
      else
        unknown.push_back(x.describe(c));
    role.environment.push_back(std::move(e));
  }
}

void runtimeOf(const XmlDocument& x, Node n, Role& role, std::vector<std::string>& unknown) {
  if (iequals(x.optional(n, "executionContext", "limited"), "elevated"))
    role.notRun.push_back(x.describe(
        n, "Runtime executionContext=elevated (every process of an instance runs as root)"));
  for (Node c : XmlDocument::children(n)) {
    if (is(c, "Environment")) {
      environmentOf(x, c, role, unknown);
    } else if (is(c, "EntryPoint")) {
      for (Node e : XmlDocument::children(c)) {
        if (is(e, "ProgramEntryPoint")) {
          role.programEntryPoint = x.required(e, "commandLine");
          role.setReadyOnProcessStart = x.boolean(e, "setReadyOnProcessStart", false);
        } else if (is(e, "NetFxEntryPoint")) {
          role.notRun.push_back(x.describe(e, "NetFxEntryPoint " + x.optional(e, "assemblyName") +
                                                  " (.NET role entry points are Windows-only)"));
        } else {
          unknown.push_back(x.describe(e));
        }
      }
    } else {
      unknown.push_back(x.describe(c));
    }
  }
}

/// ConfigurationSettings/Setting or Certificates/Certificate names.
std::vector<std::string> namesOf(const XmlDocument& x, Node n, const char* child,
                                 std::vector<std::string>& unknown) {
  std::vector<std::string> out;
  for (Node c : XmlDocument::children(n))
    if (is(c, child))
      out.push_back(x.required(c, "name"));
    else
      unknown.push_back(x.describe(c));
  return out;
}

Role roleOf(const XmlDocument& x, Node n, std::vector<std::string>& unknown) {
  Role role;
  role.name = x.required(n, "name");
  role.webRole = is(n, "WebRole");
  role.vmsize = x.optional(n, "vmsize", "Small");
  role.pos = x.pos(n);
  for (Node c : XmlDocument::children(n)) {
    if (is(c, "Endpoints"))
      endpointsOf(x, c, role, unknown);
    else if (is(c, "Startup"))
      startupOf(x, c, role, unknown);
    else if (is(c, "Runtime"))
      runtimeOf(x, c, role, unknown);
    else if (is(c, "ConfigurationSettings"))
      role.settingNames = namesOf(x, c, "Setting", unknown);
    else if (is(c, "Certificates"))
      role.certificateNames = namesOf(x, c, "Certificate", unknown);
    else if (is(c, "Sites") && role.webRole)
      role.notRun.push_back(x.describe(c, "Sites (IIS web sites are Windows-only)"));
    else if (is(c, "Imports") || is(c, "LocalResources") || is(c, "Contents") ||
             is(c, "LocalStorage"))
      role.notRun.push_back(
          x.describe(c, std::string(XmlDocument::localName(c)) + " (not emulated)"));
    else
      unknown.push_back(x.describe(c));
  }
  return role;
}

LoadBalancerProbe probeOf(const XmlDocument& x, Node n) {
  LoadBalancerProbe p;
  p.name = x.required(n, "name");
  p.pos = x.pos(n);
  const std::string proto = toLower(x.required(n, "protocol"));
  if (proto == "http")
    p.protocol = ProbeProtocol::Http;
  else if (proto == "tcp")
    p.protocol = ProbeProtocol::Tcp;
  else
    x.fail(n, "protocol must be http or tcp, not '" + proto + "'");
  p.path = x.optional(n, "path");
  if (p.protocol == ProbeProtocol::Http && p.path.empty())
    x.fail(n, "an http probe needs a 'path'");
  if (p.protocol == ProbeProtocol::Tcp && !p.path.empty()) x.fail(n, "a tcp probe takes no 'path'");
  p.port = x.integer(n, "port", 1, kMaxPort).value_or(0);
  p.intervalInSeconds = x.integer(n, "intervalInSeconds", 5, 86400).value_or(15);
  p.timeoutInSeconds = x.integer(n, "timeoutInSeconds", 11, 86400).value_or(31);
  return p;
}

TrafficRule trafficRuleOf(const XmlDocument& x, Node n, std::vector<std::string>& unknown) {
  TrafficRule t;
  t.pos = x.pos(n);
  for (Node c : XmlDocument::children(n)) {
    if (is(c, "Destinations")) {
      for (Node d : XmlDocument::children(c))
        if (is(d, "RoleEndpoint"))
          t.destinations.emplace_back(x.required(d, "roleName"), x.required(d, "endpointName"));
        else
          unknown.push_back(x.describe(d));
    } else if (is(c, "AllowAllTraffic")) {
      t.allowAllTraffic = true;
    } else if (is(c, "WhenSource")) {
      for (Node f : XmlDocument::children(c))
        if (is(f, "FromRole"))
          t.fromRoles.push_back(x.required(f, "roleName"));
        else
          unknown.push_back(x.describe(f));
    } else {
      unknown.push_back(x.describe(c));
    }
  }
  if (t.destinations.empty()) x.fail(n, "Destinations/RoleEndpoint is required");
  return t;
}

ServiceDefinition definitionOf(const XmlDocument& x) {
  const Node root = x.root("ServiceDefinition", kDefinitionNs);
  ServiceDefinition d;
  d.name = x.required(root, "name");
  d.upgradeDomainCount = x.integer(root, "upgradeDomainCount", 1, 20).value_or(5);
  d.pos = x.pos(root);
  for (Node c : XmlDocument::children(root)) {
    if (is(c, "WebRole") || is(c, "WorkerRole")) {
      d.roles.push_back(roleOf(x, c, d.unknownElements));
    } else if (is(c, "LoadBalancerProbes")) {
      for (Node p : XmlDocument::children(c))
        if (is(p, "LoadBalancerProbe"))
          d.probes.push_back(probeOf(x, p));
        else
          d.unknownElements.push_back(x.describe(p));
    } else if (is(c, "NetworkTrafficRules")) {
      for (Node t : XmlDocument::children(c))
        if (is(t, "OnlyAllowTrafficTo"))
          d.trafficRules.push_back(trafficRuleOf(x, t, d.unknownElements));
        else
          d.unknownElements.push_back(x.describe(t));
    } else {
      d.unknownElements.push_back(x.describe(c));
    }
  }
  if (d.roles.empty()) x.fail(root, "a service needs at least one WebRole or WorkerRole");
  return d;
}

RoleConfiguration roleConfigurationOf(const XmlDocument& x, Node n,
                                      std::vector<std::string>& unknown) {
  RoleConfiguration r;
  r.name = x.required(n, "name");
  r.pos = x.pos(n);
  for (Node c : XmlDocument::children(n)) {
    if (is(c, "Instances")) {
      r.instances = x.integer(c, "count", 1, 1000);
      if (!r.instances) x.fail(c, "attribute 'count' is required");
    } else if (is(c, "ConfigurationSettings")) {
      for (Node s : XmlDocument::children(c))
        if (is(s, "Setting"))
          r.settings.emplace_back(x.required(s, "name"), x.optional(s, "value"));
        else
          unknown.push_back(x.describe(s));
    } else if (is(c, "Certificates")) {
      r.certificateNames = namesOf(x, c, "Certificate", unknown);
    } else {
      unknown.push_back(x.describe(c));
    }
  }
  return r;
}

NetworkConfiguration networkOf(const XmlDocument& x, Node n, std::vector<std::string>& unknown) {
  NetworkConfiguration net;
  net.pos = x.pos(n);
  for (Node c : XmlDocument::children(n)) {
    if (is(c, "VirtualNetworkSite")) {
      net.virtualNetworkSite = x.required(c, "name");
    } else if (is(c, "AddressAssignments")) {
      for (Node a : XmlDocument::children(c)) {
        if (!is(a, "InstanceAddress")) {
          unknown.push_back(x.describe(a));
          continue;
        }
        const std::string role = x.required(a, "roleName");
        for (Node subnets : XmlDocument::children(a))
          for (Node s : XmlDocument::children(subnets))
            if (is(s, "Subnet")) net.roleSubnets.emplace_back(role, x.required(s, "name"));
      }
    } else {
      unknown.push_back(x.describe(c));
    }
  }
  return net;
}

ServiceConfiguration configurationOf(const XmlDocument& x) {
  const Node root = x.root("ServiceConfiguration", kConfigurationNs);
  ServiceConfiguration cfg;
  cfg.serviceName = x.required(root, "serviceName");
  cfg.pos = x.pos(root);
  for (Node c : XmlDocument::children(root)) {
    if (is(c, "Role"))
      cfg.roles.push_back(roleConfigurationOf(x, c, cfg.unknownElements));
    else if (is(c, "NetworkConfiguration"))
      cfg.network = networkOf(x, c, cfg.unknownElements);
    else
      cfg.unknownElements.push_back(x.describe(c));
  }
  return cfg;
}

template <typename T, typename Read>
Result<T> read(std::string_view xml, const std::string& file, Read readDocument) {
  auto doc = XmlDocument::load(xml, file);
  if (!doc) return unexpected(doc.error());
  try {
    return readDocument(*doc);
  } catch (const XmlError& e) {
    return fail(e.what());
  }
}

}  // namespace

Result<ServiceDefinition> parseServiceDefinition(std::string_view xml, const std::string& file) {
  return read<ServiceDefinition>(xml, file, definitionOf);
}

Result<ServiceConfiguration> parseServiceConfiguration(std::string_view xml,
                                                       const std::string& file) {
  return read<ServiceConfiguration>(xml, file, configurationOf);
}

}  // namespace azlb::cloudservice
