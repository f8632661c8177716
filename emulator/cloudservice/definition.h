// Typed model of a cloud service as its two XML files describe it: the ServiceDefinition (.csdef:
// roles, endpoints, probes, traffic rules, start-up tasks, entry points) and the
// ServiceConfiguration (.cscfg: instance counts, settings, network configuration), and the
// validated Deployment that joins them. Plain values named as in the schemas; parse.h builds them
// from XML and validate.h joins and checks them. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace azlb::cloudservice {

/// Where an element starts: every error about it names this ("file:line:column").
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
};
/// "ServiceDefinition.csdef:12:9"
std::string toString(const SourcePos& pos);

enum class EndpointKind { Input, Internal, InstanceInput };
enum class EndpointProtocol { Http, Https, Tcp, Udp, Any };
/// The schema's spelling: "http", "https", "tcp", "udp", "any"; "InputEndpoint", ...
const char* toString(EndpointProtocol p);
const char* toString(EndpointKind k);

struct PortRange {
  int min = 0;
  int max = 0;
};

struct Endpoint {
  std::string name;
  EndpointKind kind = EndpointKind::Input;
  EndpointProtocol protocol = EndpointProtocol::Tcp;
  /// Input: the public port. Internal: `port` or FixedPort's port (0 = none given: dynamic, or a
  /// FixedPortRange). InstanceInput: 0 (the public port comes from fixedPortRange).
  int port = 0;
  /// Input: defaults to port ("*" = localPortAuto). InstanceInput: required.
  int localPort = 0;
  bool localPortAuto = false;
  /// Internal: FixedPortRange (every port open). InstanceInput: AllocatePublicPortFrom's range
  /// (one public port per instance).
  std::optional<PortRange> fixedPortRange;
  std::string certificate;  // https input endpoints
  bool ignoreRoleInstanceStatus = false;
  std::string loadBalancerProbe;  // "" = none: the guest agent's view of the instance
  SourcePos pos;
};

enum class TaskType { Simple, Background, Foreground };

struct StartupTask {
  std::string commandLine;
  TaskType taskType = TaskType::Simple;
  bool elevated = false;  // executionContext="elevated" (runs as the instance's only user)
  SourcePos pos;
};

struct EnvironmentVariable {
  std::string name;
  std::string value;  // value="..."
  /// RoleInstanceValue xpath="..." (set: value is resolved at run time; "" = a plain value).
  std::string roleInstanceValueXpath;
};

struct Role {
  std::string name;
  bool webRole = false;  // WebRole, else WorkerRole
  std::string vmsize = "Small";
  std::vector<Endpoint> endpoints;  // document order
  std::vector<StartupTask> startupTasks;
  std::vector<EnvironmentVariable> environment;  // Runtime/Environment
  /// Runtime/EntryPoint/ProgramEntryPoint commandLine ("" = none).
  std::string programEntryPoint;
  bool setReadyOnProcessStart = false;
  std::vector<std::string> settingNames;      // ConfigurationSettings/Setting name= (declared here)
  std::vector<std::string> certificateNames;  // Certificates/Certificate name=
  /// Windows-only parts azlb does not run, each "what (file:line:col)": "Sites",
  /// "NetFxEntryPoint", "Runtime executionContext=elevated", ... Reported, never silently dropped.
  std::vector<std::string> notRun;
  SourcePos pos;
};

enum class ProbeProtocol { Http, Tcp };

struct LoadBalancerProbe {
  std::string name;
  ProbeProtocol protocol = ProbeProtocol::Http;
  std::string path;  // http only, as written ("Probe.aspx" or "/Probe.aspx")
  int port = 0;      // 0 = the endpoint's port
  int intervalInSeconds = 15;
  int timeoutInSeconds = 31;
  SourcePos pos;
};

/// NetworkTrafficRules/OnlyAllowTrafficTo: these destinations accept connections only from the
/// listed roles (or from any role with AllowAllTraffic).
struct TrafficRule {
  std::vector<std::pair<std::string, std::string>> destinations;  // (roleName, endpointName)
  bool allowAllTraffic = false;
  std::vector<std::string> fromRoles;  // WhenSource/FromRole roleName=
  SourcePos pos;
};

struct ServiceDefinition {
  std::string name;
  int upgradeDomainCount = 5;
  std::vector<Role> roles;  // document order
  std::vector<LoadBalancerProbe> probes;
  std::vector<TrafficRule> trafficRules;
  std::vector<std::string> unknownElements;  // kept, not fatal: "Name (file:line:col)"
  SourcePos pos;
};

struct RoleConfiguration {
  std::string name;
  std::optional<int> instances;  // Instances count= (required when a cscfg is given)
  std::vector<std::pair<std::string, std::string>> settings;  // ConfigurationSettings, in order
  std::vector<std::string> certificateNames;
  SourcePos pos;
};

/// cscfg NetworkConfiguration: the VNet (by name) and which subnet each role's instances take.
struct NetworkConfiguration {
  std::string virtualNetworkSite;                                // "" = none
  std::vector<std::pair<std::string, std::string>> roleSubnets;  // (roleName, subnet name)
  SourcePos pos;
};

struct ServiceConfiguration {
  std::string serviceName;
  std::vector<RoleConfiguration> roles;
  std::optional<NetworkConfiguration> network;
  std::vector<std::string> unknownElements;
  SourcePos pos;
};

/// A definition joined with its configuration, validated: what azlb runs.
struct DeployedRole {
  std::size_t role = 0;  // index into Deployment::definition.roles
  int instanceCount = 1;
  std::vector<std::pair<std::string, std::string>> settings;
  std::string subnetName;  // from NetworkConfiguration ("" = the implicit network)
};

struct Deployment {
  ServiceDefinition definition;
  std::optional<ServiceConfiguration> configuration;
  std::vector<DeployedRole> roles;  // definition order
  std::string virtualNetworkSite;   // "" = the implicit network
};

/// Azure's instance name: "<Role>_IN_<i>", i from 0.
std::string instanceName(const std::string& role, int index);

}  // namespace azlb::cloudservice
