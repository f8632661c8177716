// ForwardingConfig: the immutable snapshot every MUX and host agent forwards with. The
// controller compiles desired state into a ForwardingConfigSpec; build() validates it, builds
// the Maglev tables and the lookup indexes, and returns a shared_ptr<const> that forwarding
// threads swap in between batches. Owns no flows (those live in each forwarder's FlowTable).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "emulator/dataplane/flow_key.h"
#include "emulator/dataplane/ipv4_address.h"
#include "emulator/dataplane/maglev.h"
#include "emulator/dataplane/nanos.h"
#include "emulator/dataplane/snat.h"

namespace azlb::dataplane {

enum class RuleKind : std::uint8_t {
  LoadBalancingRule,  ///< Maglev over the healthy backends, flows pinned in the MUX flow table
  InboundNatRule,     ///< one fixed backend, forwarded whatever its health (as in Azure)
};

/// A rule's protocol. All (HA ports) matches every TCP and UDP port of the frontend IP and
/// requires frontendPort == backendPort == 0; the destination port is then left as it is.
enum class RuleProtocol : std::uint8_t { All = 0, Tcp = 6, Udp = 17 };

struct BackendSpec {
  /// Stable identity, e.g. the NIC ip configuration's resource id. Hashed into the Maglev key,
  /// so the same id lands on the same slots in every process and after every rebuild.
  std::string id{};
  Ipv4Address ip{};  ///< the backend's own (VNet) address
  /// The underlay address the MUX sends this backend's packets to (the outer destination). The
  /// host agent tells backends apart by (this address, frontend), so two backends of one rule
  /// must not share it: give each backend NIC its own underlay address on its host.
  Ipv4Address hostIp{};
  bool healthy = true;  ///< unhealthy backends get no new flows (existing flows stay)
};

struct RuleSpec {
  std::string name{};
  RuleKind kind = RuleKind::LoadBalancingRule;
  Ipv4Address frontendIp{};
  RuleProtocol protocol = RuleProtocol::Tcp;
  std::uint16_t frontendPort = 0;
  std::uint16_t backendPort = 0;
  LoadDistribution loadDistribution = LoadDistribution::Default;
  /// idleTimeoutInMinutes (milliseconds, so a scaled-down timeout for tests fits); must be > 0.
  std::chrono::milliseconds idleTimeout{std::chrono::minutes(4)};
  bool floatingIp = false;  ///< enableFloatingIP: no DNAT, the backend owns the frontend IP
  /// enableTcpReset: when an established TCP flow times out idle, the host agent sends RST to
  /// both ends.
  bool tcpReset = false;
  /// When every backend is probed down, established TCP flows keep their backend (Standard
  /// SKU) or are dropped (Basic). UDP flows always leave an unhealthy backend.
  bool keepTcpFlowsWhenAllDown = true;
  /// Internal frontends: the lower-case id of the VNet the frontend IP lives in (only that
  /// VNet's VMs reach it, through their host agents). Empty: a public frontend (via the MUXes).
  std::string vnet{};
  std::vector<BackendSpec> backends{};  ///< InboundNatRule: exactly one
  /// A Standard public frontend: it answers ping from this rule's health (ForwardingConfig::
  /// pingAnswer).
  bool answersPing = false;
  /// The load balancer's SKU is Standard: its backends are closed until a network security
  /// group allows the flow (the host agent's secure-by-default check, runtime/host_switch.h).
  bool standard = true;
};

struct ForwardingConfigSpec {
  std::uint64_t version = 0;  ///< the manager's snapshot version, for status output
  std::vector<RuleSpec> rules{};
  std::uint32_t maglevTableSize = 0;  ///< 0: MaglevTable::tableSizeFor(backends); else a prime
  std::vector<SnatSpec> outbound{};   ///< every VM's outbound (SnatIndex::build's rules)
  /// Fastpath (fastpath.h): MUXes redirect established VIP-to-VIP TCP flows host to host.
  bool fastpath = true;
  std::chrono::milliseconds fastpathIdleTimeout{std::chrono::minutes(4)};
};

struct Backend {
  std::string id{};
  std::uint64_t key = 0;  ///< hashString(id)
  Ipv4Address ip{};
  Ipv4Address hostIp{};
  bool healthy = true;
};

/// One compiled rule. Backends are sorted by key; Maglev slots index into them.
struct Rule {
  std::uint32_t index = 0;  ///< position in ForwardingConfig::rules()
  std::string name{};
  RuleKind kind = RuleKind::LoadBalancingRule;
  Ipv4Address frontendIp{};
  RuleProtocol protocol = RuleProtocol::Tcp;
  std::uint16_t frontendPort = 0;
  std::uint16_t backendPort = 0;
  LoadDistribution loadDistribution = LoadDistribution::Default;
  Nanos idleTimeout{};
  bool floatingIp = false;
  bool tcpReset = false;
  bool keepTcpFlowsWhenAllDown = true;
  bool standard = true;     ///< RuleSpec::standard
  std::string vnet{};       ///< RuleSpec::vnet
  bool anyHealthy = false;  ///< at least one backend is healthy
  std::vector<Backend> backends{};
  /// Over the healthy backends; shared between rules with the same backend set. Null for
  /// inbound NAT rules.
  std::shared_ptr<const MaglevTable> maglev{};

  /// Index of the backend with this key, or MaglevTable::kNoBackend (binary search, no
  /// allocation: used when a flow outlives the snapshot it was created under).
  std::uint32_t findBackend(std::uint64_t key) const;
  /// The destination port after DNAT for a packet to `frontendPort` (HA ports keep it).
  std::uint16_t backendPortFor(std::uint16_t packetPort) const {
    return protocol == RuleProtocol::All ? packetPort : backendPort;
  }
};

/// What a MUX answers to an ICMP echo request to a frontend IP (Azure: Standard public frontends
/// answer from the health of the rules behind them).
enum class PingAnswer : std::uint8_t {
  None,             ///< no rule with a backend (or not a Standard public frontend): silence
  EchoReply,        ///< a rule on it has a backend in rotation
  HostUnreachable,  ///< every backend of its rules is probed down
};

class ForwardingConfig {
 public:
  /// Validates and compiles a spec. Errors name the rule: duplicate frontend (IP, protocol,
  /// port), port/protocol mismatch (All needs ports 0; Tcp/Udp need ports 1-65535), an inbound
  /// NAT rule without exactly one backend, a duplicate backend id, two backends of one rule on
  /// one underlay address, a non-positive idle timeout, Maglev build errors. Allocates; call on
  /// the control thread.
  static Result<std::shared_ptr<const ForwardingConfig>> build(const ForwardingConfigSpec& spec);
  /// A snapshot with no rules (every packet to a frontend is UnknownFrontend).
  static std::shared_ptr<const ForwardingConfig> empty();

  std::uint64_t version() const { return version_; }
  /// Unique per snapshot built in this process; flows remember it to know whether their cached
  /// backend index still applies.
  std::uint64_t instanceId() const { return instanceId_; }
  std::span<const Rule> rules() const { return rules_; }
  /// Every VM's outbound SNAT: who owns a (public IP, port), a VM's blocks.
  const SnatIndex& snat() const { return snat_; }
  bool fastpath() const { return fastpath_; }
  Nanos fastpathIdleTimeout() const { return fastpathIdle_; }

  /// The rule for a packet to (ip, protocol, port): the exact rule, else the frontend IP's HA
  /// ports rule for TCP/UDP; nullptr if none. Binary search, no allocation.
  const Rule* findFrontend(Ipv4Address ip, std::uint8_t protocol, std::uint16_t port) const;
  /// The answer to a ping of `ip` (binary search, no allocation).
  PingAnswer pingAnswer(Ipv4Address ip) const;

  struct HostMatch {
    const Rule* rule = nullptr;
    std::uint32_t backend = 0;  ///< index into rule->backends
  };
  /// For a host agent: which backend an encapsulated packet is for, from the outer destination
  /// (underlay address) and the inner destination (frontend). Exact rule, else HA ports.
  std::optional<HostMatch> findHostBackend(Ipv4Address underlay, Ipv4Address frontendIp,
                                           std::uint8_t protocol, std::uint16_t port) const;

 private:
  struct HostKey {
    std::uint32_t underlay = 0;
    std::uint64_t frontend = 0;  // packed (ip, protocol, port) as in the frontend index
    friend auto operator<=>(const HostKey&, const HostKey&) = default;
  };
  struct HostEntry {
    HostKey key;
    std::uint32_t rule = 0;
    std::uint32_t backend = 0;
  };

  ForwardingConfig() = default;
  const Rule* findFrontendExact(std::uint64_t packed) const;
  std::optional<HostMatch> findHostExact(const HostKey& key) const;

  std::uint64_t version_ = 0;
  std::uint64_t instanceId_ = 0;
  std::vector<Rule> rules_{};
  std::vector<std::pair<std::uint64_t, std::uint32_t>> frontendIndex_{};  // sorted by key
  std::vector<HostEntry> hostIndex_{};                                    // sorted by key
  std::vector<std::pair<Ipv4Address, PingAnswer>> pingIndex_{};           // sorted by address
  SnatIndex snat_{};
  bool fastpath_ = true;
  Nanos fastpathIdle_{std::chrono::minutes(4)};
};

}  // namespace azlb::dataplane
