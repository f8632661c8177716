// Typed model of a LoadBalancer and its children as the controller reads them: frontend IP
// configurations, backend pools (NIC ipConfiguration references and IP-based addresses with their
// adminState), load-balancing rules, probes, inbound NAT rules, inbound NAT pools and outbound
// rules. Plain values named as in ARM; references are resource ids as stored ("" = absent).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace azlb::model {

enum class Sku { Basic, Standard, Gateway };
enum class TransportProtocol { Tcp, Udp, All };
enum class LoadDistribution { Default, SourceIP, SourceIPProtocol };
enum class ProbeProtocol { Tcp, Http, Https };
enum class AdminState { None, Up, Down, Drain };
enum class NoHealthyBackendsBehavior { AllProbedDown, AllProbedUp };

/// ARM's spelling of the value ("Tcp", "Drain", ...).
const char* toString(ProbeProtocol p);
const char* toString(AdminState a);

struct FrontendIpConfiguration {
  std::string id;
  std::string name;
  std::optional<std::string> publicIpAddressId;  // set: a public frontend
  std::string privateIpAddress;
  std::string subnetId;  // internal frontends: the subnet (and so the VNet) it lives in
};

/// An IP-based pool member. ARM gives it no id of its own; `id` is the pool id +
/// "/loadBalancerBackendAddresses/" + name, which is how the emulator names it everywhere.
struct BackendAddress {
  std::string id;
  std::string name;
  std::string ipAddress;
  std::string virtualNetworkId;
  std::string subnetId;
  AdminState adminState = AdminState::None;
};

struct BackendAddressPool {
  std::string id;
  std::string name;
  std::vector<BackendAddress> loadBalancerBackendAddresses;  // as listed
  std::vector<std::string> backendIpConfigurationIds;        // NIC ipConfigurations, as listed
};

struct Probe {
  std::string id;
  std::string name;
  ProbeProtocol protocol = ProbeProtocol::Tcp;
  int port = 0;
  std::string requestPath;
  int intervalInSeconds = 15;
  NoHealthyBackendsBehavior noHealthyBackendsBehavior = NoHealthyBackendsBehavior::AllProbedDown;
  /// The probe's "properties" object as compact JSON text: handed unchanged to the host agent,
  /// whose probe policy reads it (the snapshot contract carries ARM probes as they are).
  std::string armProperties;
};

struct LoadBalancingRule {
  std::string id;
  std::string name;
  std::string frontendIpConfigurationId;
  std::vector<std::string> backendAddressPoolIds;
  std::string probeId;  // "" = no probe
  TransportProtocol protocol = TransportProtocol::Tcp;
  int frontendPort = 0;
  int backendPort = 0;
  LoadDistribution loadDistribution = LoadDistribution::Default;
  int idleTimeoutInMinutes = 4;
  bool enableFloatingIp = false;
  bool enableTcpReset = false;
  bool disableOutboundSnat = false;
  /// Not ARM: pools whose members keep the flows they already have but get no new ones (a cloud
  /// service's former deployment after a VIP swap). Set by the cloud services pass only.
  std::vector<std::string> drainingPoolIds;
};

struct InboundNatRule {
  std::string id;
  std::string name;
  std::string frontendIpConfigurationId;
  TransportProtocol protocol = TransportProtocol::Tcp;
  int frontendPort = 0;
  int backendPort = 0;
  /// A port-range rule maps ports start..end to the pool's members in order.
  std::optional<int> frontendPortRangeStart, frontendPortRangeEnd;
  std::string backendAddressPoolId;      // range rules
  std::string backendIpConfigurationId;  // single-port rules
  int idleTimeoutInMinutes = 4;
  bool enableFloatingIp = false;
  bool enableTcpReset = false;
};

/// Stored, not yet compiled (Basic VM scale sets); here so a later pass can read it.
struct InboundNatPool {
  std::string id;
  std::string name;
  std::string frontendIpConfigurationId;
  TransportProtocol protocol = TransportProtocol::Tcp;
  int frontendPortRangeStart = 0, frontendPortRangeEnd = 0;
  int backendPort = 0;
};

/// SNAT for a pool's VMs (the outbound pass).
struct OutboundRule {
  std::string id;
  std::string name;
  std::vector<std::string> frontendIpConfigurationIds;
  std::string backendAddressPoolId;
  TransportProtocol protocol = TransportProtocol::All;
  int allocatedOutboundPorts = 0;
  int idleTimeoutInMinutes = 4;
  bool enableTcpReset = false;
};

struct LoadBalancer {
  std::string id;
  std::string name;
  Sku sku = Sku::Standard;  // absent sku: Standard's data-plane behaviour
  std::vector<FrontendIpConfiguration> frontendIpConfigurations;
  std::vector<BackendAddressPool> backendAddressPools;
  std::vector<LoadBalancingRule> loadBalancingRules;
  std::vector<Probe> probes;
  std::vector<InboundNatRule> inboundNatRules;
  std::vector<InboundNatPool> inboundNatPools;
  std::vector<OutboundRule> outboundRules;
};

}  // namespace azlb::model
