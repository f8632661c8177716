// The manager → MUX / host-agent contract: one complete, versioned configuration snapshot, sent
// as one JSON line over the process's Unix socket (ARCHITECTURE §1). A process keeps forwarding
// with its last snapshot while the manager is away. The JSON codec lives here and nowhere else.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "common/result.h"
#include "emulator/dataplane/forwarding_config.h"
#include "emulator/dataplane/nsg.h"

namespace azlb::runtime {

/// One VM (a backend namespace) as the data plane sees it.
struct VmEntry {
  std::string id;         // stable id (NIC ipConfiguration id or pool backend-address id)
  std::string vnet;       // lower-case VNet resource id: VMs talk only within one VNet
  dataplane::Ipv4Address ip;        // its private (VNet) address
  dataplane::Ipv4Address underlay;  // its own underlay address (PA), routed to its host
  std::uint32_t host = 0;           // index of the host it sits on
  std::string hostNamespace;        // the (host, VNet) namespace its link ends in
  std::string link;                 // that link's name there (empty: none to write frames to)
  std::string mac;                  // the VM end's Ethernet address (with `link`)
};

/// The per-(host, VNet) namespace a host agent serves: it puts a TUN named `tun` there and a
/// default route into it, so everything the VMs send off their own links reaches the agent.
struct VnetNamespace {
  std::string name;
  std::string vnet;
  std::string tun;
};

/// One health probe a host agent runs: ARM probe `probe` (its properties, as Azure renders
/// them) against VM address `ip`, from inside the (host, VNet) namespace `ns`. `key` names the
/// (probe, backend) pair in status reports and in the manager's health map.
struct ProbeEntry {
  std::string key;
  std::string ns;
  dataplane::Ipv4Address ip;
  nlohmann::json probe;
};

/// A VM address inside a VNet that takes new connections (TCP SYN, any UDP datagram) on these
/// ports only from the listed sources: a cloud service's NetworkTrafficRules. The host agent of
/// the sending VM drops the rest (HostDropReason::TrafficRuleDenied).
struct TrafficFilter {
  std::string vnet;  // lower-case VNet id
  dataplane::Ipv4Address ip;
  std::uint8_t protocol = 0;  // 6 TCP, 17 UDP, 0 both
  std::uint16_t portMin = 1, portMax = 65535;
  std::vector<dataplane::Ipv4Address> allowedSources;
};

/// What the host agents do with network security groups (serve --nsg): enforce drops what Azure
/// drops; warn lets it through and logs Azure's verdict once per flow; off does not look.
enum class NsgMode : std::uint8_t { Off, Warn, Enforce };

/// One VM's groups: indexes into HostSecurity::groups, -1 where its subnet or NIC has none.
struct VmGroups {
  std::string vm;  // VmEntry::id
  std::int32_t subnet = -1, nic = -1;
};

/// Network security groups, compiled by the controller (controller/passes/security.h), for every
/// VM of every host: a host agent checks its own VMs' flows, and a VM-to-VM flow's destination
/// groups at the sender.
struct HostSecurity {
  NsgMode mode = NsgMode::Warn;
  /// Each group once per VNet it is compiled for (its tags depend on the VNet's address space).
  std::vector<dataplane::NsgRules> inbound, outbound;  // [i]: group i's rules of each direction
  std::vector<VmGroups> vms;
};

struct HostPart {
  std::uint32_t index = 0;
  std::string underlayRange;  // CIDR of this host's VM underlay addresses, routed into its TUN
  std::vector<VnetNamespace> vnetNamespaces;
  std::vector<ProbeEntry> probes;  // the probes of this host's VMs
  std::vector<TrafficFilter> trafficFilters;  // every VNet's: the sender's agent enforces them
  HostSecurity security;
};

struct Snapshot {
  std::uint64_t version = 0;
  dataplane::ForwardingConfigSpec forwarding;        // every rule, backends' hostIp = their PA
  std::vector<dataplane::Ipv4Address> muxUnderlays;  // outer sources MUXes encapsulate with
  std::vector<VmEntry> vms;                          // every VM of every host
  HostPart host;                                     // meaningful for host agents only
  /// Probe intervals and timeouts are multiplied by this (serve --probe-time-scale; 1 = Azure's).
  double probeTimeScale = 1.0;
};

std::string_view nsgModeName(NsgMode mode);
std::optional<NsgMode> parseNsgMode(std::string_view name);

nlohmann::json toJson(const Snapshot& s);
/// Errors name the offending field; never throws.
Result<Snapshot> snapshotFromJson(const nlohmann::json& j);

}  // namespace azlb::runtime
