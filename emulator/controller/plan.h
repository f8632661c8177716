// The manager's compile step (Ananta Manager): the ARM resources (as the service renders them)
// become a data-plane plan — which VMs exist and where they sit, the namespaces, links, addresses
// and routes that carry traffic, and the snapshot each MUX and host agent forwards with.
// Pure: no syscalls. compile() parses the inputs once into azlb::model and runs the passes in
// passes/ (cloud services -> inventory -> placement -> topology -> forwarding -> outbound ->
// snapshots);
// see plan.cpp.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emulator/cloudservice/definition.h"
#include "emulator/dataplane/nsg.h"
#include "emulator/runtime/snapshot.h"
#include "netns/naming.h"
#include "netns/topology.h"

namespace azlb::controller {

using json = nlohmann::json;

/// Rendered GET bodies of the resources the data plane depends on.
struct Inputs {
  std::vector<json> virtualNetworks;
  std::vector<json> networkInterfaces;
  std::vector<json> loadBalancers;
  std::vector<json> publicIpAddresses;
  /// Microsoft.Compute/cloudServices as the manager reads them (with properties.azlb).
  std::vector<json> cloudServices;
  std::vector<json> networkSecurityGroups;
  /// Health reported by the host agents: probe key (see ProbePlan) -> in rotation. A key not
  /// here has no result yet and counts as down (Azure sends no new flows before a probe passes).
  std::map<std::string, bool> probeUp;
};

/// MTU of the underlay links (router <-> MUX, router <-> host): the largest IPv4 packet, so a
/// TCP superpacket (TSO, up to 64 KiB) crosses the fabric as one IP-in-IP frame: Linux cannot
/// segment an IP-in-IP superpacket written from user space, and one frame per 64 KiB is what makes
/// bulk TCP fast. It also means a full-size (1500) VM packet fits once the MUX adds its 20-byte
/// header; with 1500 here every full-size client -> VM segment was dropped.
inline constexpr unsigned kUnderlayMtu = 65535;

struct PlanOptions {
  std::string prefix = "azlb";
  std::string instance = "0";
  std::uint32_t muxes = 2;
  std::uint32_t hosts = 2;
  std::string publicPrefix = "198.18.0.0/16";
  /// "The internet" (serve --internet-prefix): a namespace behind the router where every address
  /// of this prefix is a host, the destination of the VMs' outbound traffic (ARCHITECTURE §2).
  std::string internetPrefix = "198.19.0.0/16";
  std::uint8_t underlayHigh = 100, underlayLow = 64;  // the underlay /16: 100.64.0.0/16
  /// MUXes left out of the router's ECMP route (dead, being restarted): Ananta's BGP withdrawal.
  std::set<std::uint32_t> muxesDown;
  /// Multiplies probe intervals and timeouts (serve --probe-time-scale): 0.1 turns Azure's 15 s
  /// into 1.5 s for CI. Semantics (thresholds, immediate failures) do not change.
  double probeTimeScale = 1.0;
  /// Multiplies rules' idle timeouts (serve --idle-timeout-scale): 0.01 turns Azure's 4-minute
  /// minimum into 2.4 s, so a test can watch a flow time out (and enableTcpReset's RSTs).
  double idleTimeoutScale = 1.0;
  /// Fastpath (serve --fastpath): established VIP-to-VIP TCP flows go host to host.
  bool fastpath = true;
  /// Routing (serve --routing): true: the MUXes announce their frontends over BGP to BIRD in the
  /// router, which installs the ECMP routes (ARCHITECTURE §10); false: the plan's topology holds
  /// one static ECMP route for the public prefix over the MUXes not in muxesDown.
  bool bgp = false;
  /// Network security groups on the wire (serve --nsg): enforce, warn (log Azure's verdict, let
  /// the flow through) or off.
  runtime::NsgMode nsgMode = runtime::NsgMode::Warn;
};

/// One (probe, backend) pair a host agent probes; key = lower(probe id) + "|" + lower(backend id).
struct ProbePlan {
  std::string key;
  std::string loadBalancer;  // id
  std::string probe;         // id
  std::string backend;       // BackendSpec id (NIC ipConfiguration or pool address)
  std::string ip;            // the address probed
  std::uint32_t host = 0;
  bool up = false;  // as compiled into this plan's snapshots
};

/// The health of one load-balancing rule's backends, as the ARM health-status API
/// (POST .../loadBalancingRules/{rule}/health) reports it. Only rules with a probe have one.
struct RuleHealthPlan {
  struct Backend {
    std::string probeKey;  // ProbePlan::key
    std::string backend;   // BackendSpec id (NIC ipConfiguration or pool address)
    std::string ip;
    bool nic = false;   // backend is a NIC ipConfiguration (its id goes in the answer)
    std::string admin;  // pool address adminState: "None", "Up", "Down" or "Drain"
    bool inRotation =
        false;  // new flows go to it (probe, admin state and noHealthyBackendsBehavior)
  };
  std::string rule;              // id
  std::string probe;             // id
  std::string protocol = "Tcp";  // the probe's: Tcp, Http or Https
  bool allDownIsUp =
      false;  // noHealthyBackendsBehavior AllProbedUp is in effect (every probe down)
  std::vector<Backend> backends;  // the rule's pools' members in Azure's order
};

struct VmPlan {
  std::string id;    // NIC id, or the pool backend-address id for IP-based backends
  std::string name;  // NIC name or backend-address name (for `azlb exec`)
  std::string vnet;  // lower-case VNet id
  std::string vnetName;
  std::vector<std::string> ips;  // primary first
  std::uint8_t prefixLength = 24;
  std::string gateway;  // the subnet's .1
  std::uint32_t host = 0;
  std::uint32_t index = 0;  // stable small number: names its namespace and link
  std::string underlay;     // its PA
  std::string ns;           // its namespace
  std::string hostNs;       // the (host, VNet) namespace its link ends in
  std::string hostLink;     // the link's name there
  std::string mac;          // its eth0's Ethernet address: 02:00 + its PA (unique, stable)
};

/// One cloud-service role instance: a VM (vmId = its id) whose namespace runs `azlb role-host`,
/// azlb's guest agent, with what it needs to run the role's code and answer RoleEnvironment.
struct RoleInstancePlan {
  std::string id;  // <cloud service id>/roleInstances/<Role>_IN_<i>: also its VM's id
  std::string service, serviceId, slot;
  std::string role;
  std::string name;  // "FERole_IN_0"
  int index = 0;
  std::string ip;
  std::string ns;       // its VM's namespace (from placement)
  std::string roleDir;  // <appRoot>/<Role>: the working directory of its programs
  std::string entryPoint;
  bool setReadyOnProcessStart = false;
  std::vector<cloudservice::StartupTask> startupTasks;
  std::vector<std::pair<std::string, std::string>> environment;  // the AZLB_* variables first
  std::vector<std::string> notRun;  // Windows-only parts, reported by the agent
  json roleEnvironment;             // the discovery document
};

/// How one VM reaches the internet, and why (the outbound pass; `azlb status` prints it).
struct OutboundPlan {
  std::string vm;    // VmPlan id
  std::string name;  // VmPlan name
  std::string ip;    // the address that gets outbound (the primary one)
  std::string
      kind;  // InstancePublicIp, OutboundRule, LoadBalancingRule, DefaultOutboundAccess, None
  std::string via;     // the public IP, outbound rule or load-balancing rule id ("" otherwise)
  std::string reason;  // in words, for `azlb status`
  std::vector<std::string> publicIps;   // the addresses it leaves from
  std::string protocol = "All";         // Tcp, Udp or All
  std::uint32_t ports = 0;              // SNAT ports allocated (0: 1:1 or none)
  std::vector<std::string> portRanges;  // "198.18.0.5:1024-2047", one per block of its ports
};

/// Stable numbers handed from one plan to the next, so adding a VM never renumbers another.
struct Assignments {
  std::map<std::string, std::uint32_t> vmIndex;    // vm id -> index
  std::map<std::string, std::uint32_t> vmPa;       // vm id -> last octet within its host range
  std::map<std::string, std::uint32_t> vnetIndex;  // vnet id -> small number
};

/// One level's network security group (subnet or NIC) compiled for the data plane, both
/// directions (passes/security.h).
struct GroupRules {
  dataplane::NsgRules inbound, outbound;
};

/// A VM's groups: nullopt where its subnet or NIC has none.
struct VmSecurity {
  std::optional<GroupRules> subnet, nic;
};

struct Plan {
  netns_model::Topology topology;  // namespaces, veths, routes; TUNs belong to the processes
  std::vector<runtime::Snapshot> muxSnapshots;   // [i] for MUX i
  std::vector<runtime::Snapshot> hostSnapshots;  // [j] for host j
  std::vector<VmPlan> vms;
  std::vector<RoleInstancePlan> roleInstances;  // every cloud-service instance, in service order
  /// lb id -> why its data plane is not built; also any input resource (VNet, NIC, public IP,
  /// load balancer) that does not parse, under its own id, with the property at fault.
  std::map<std::string, std::string> loadBalancerErrors;
  std::vector<ProbePlan> probes;           // every (probe, backend) pair, sorted by key
  std::vector<RuleHealthPlan> ruleHealth;  // one per probed load-balancing rule that is built
  std::vector<OutboundPlan> outbound;      // one per VM
  /// VmPlan id -> its network security groups (the host agents' and `azlb trace`'s).
  std::map<std::string, VmSecurity> security;
  Assignments assignments;
  // Addresses the manager and `azlb status` print.
  std::string rootLink, rootAddress, routerAddress;
  std::vector<std::string> muxUnderlays;
  std::string internetNamespace;
};

/// Compiles inputs into a plan. Never fails as a whole: what cannot be built is reported per load
/// balancer in Plan::loadBalancerErrors (and per VM by its absence, with a reason in that map); a
/// resource that does not parse is left out and reported there under its own id.
Plan compile(const Inputs& inputs, const PlanOptions& options, const Assignments& previous,
             std::uint64_t version);

/// Namespace names (also used by status/exec/cleanup).
std::string routerNamespace(const PlanOptions& o);
std::string muxNamespace(const PlanOptions& o, std::uint32_t i);
std::string hostNamespace(const PlanOptions& o, std::uint32_t j);

/// The two ends of MUX i's /30 link to the router (the BGP session runs over it).
struct MuxLink {
  std::string routerSide, muxSide;
};
MuxLink muxLink(const PlanOptions& o, std::uint32_t i);
/// The router's address on the root link (its BGP router id).
std::string routerAddress(const PlanOptions& o);

}  // namespace azlb::controller
