// Outbound SNAT as the manager hands it to the data plane (ARCHITECTURE §3, Outbound): per VM,
// how it reaches the internet (instance public IP 1:1, an outbound rule, a load-balancing rule's
// frontend, or azlb's default outbound access) and the SNAT port blocks it owns. SnatIndex is the
// compiled, immutable lookup a ForwardingConfig carries: for a MUX, which VM's host owns a
// (public IP, port) so return traffic goes there; for a host agent, a VM's SNAT by its underlay
// address. Pure: no I/O; built on the control thread, searched without allocation.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "emulator/dataplane/ipv4_address.h"

namespace azlb::dataplane {

/// Azure's outbound precedence, highest first (ARCHITECTURE §3).
enum class OutboundKind : std::uint8_t {
  InstancePublicIp,   ///< the NIC ip configuration's public IP: 1:1, every port, inbound too
  OutboundRule,       ///< a load balancer's outbound rule for a pool the VM is in
  LoadBalancingRule,  ///< SNAT through a load-balancing rule's frontend (default port table)
  DefaultAccess,      ///< Azure's default outbound access, through an address azlb owns
};

constexpr std::string_view outboundKindName(OutboundKind k) {
  switch (k) {
    case OutboundKind::InstancePublicIp:
      return "InstancePublicIp";
    case OutboundKind::OutboundRule:
      return "OutboundRule";
    case OutboundKind::LoadBalancingRule:
      return "LoadBalancingRule";
    case OutboundKind::DefaultAccess:
      return "DefaultOutboundAccess";
  }
  return "unknown";
}

/// SNAT ports [first, first + count) of public address `ip`.
struct PortBlock {
  Ipv4Address ip{};
  std::uint16_t first = 0;
  std::uint16_t count = 0;
  friend bool operator==(const PortBlock&, const PortBlock&) = default;
};

/// Ports per 8-port block: the granularity Azure allocates SNAT ports in.
inline constexpr std::uint16_t kSnatBlock = 8;
/// The SNAT ports of one public address: 64,000 from 1024 up, as Azure gives per frontend IP.
inline constexpr std::uint16_t kFirstSnatPort = 1024;
inline constexpr std::uint32_t kSnatPortsPerIp = 64000;

struct SnatSpec {
  std::string vnet{};     ///< lower-case VNet id of the VM
  Ipv4Address ip{};       ///< the VM address that gets outbound (its primary ip configuration)
  Ipv4Address underlay{};  ///< the VM's PA: the MUXes send return traffic there
  OutboundKind kind = OutboundKind::OutboundRule;
  std::string via{};  ///< the resource that grants it: public IP, outbound rule or rule id
  std::uint8_t protocol = 0;  ///< 6 TCP, 17 UDP, 0 both
  /// InstancePublicIp: exactly one block {public IP, 0, 0}, meaning every port, kept as is.
  std::vector<PortBlock> blocks{};
  std::chrono::milliseconds idleTimeout{std::chrono::minutes(4)};
  /// How long a TCP flow's port stays taken after a FIN, and after an RST (Azure: 240 s, 15 s).
  std::chrono::milliseconds finLinger{std::chrono::seconds(240)};
  std::chrono::milliseconds rstLinger{std::chrono::seconds(15)};
  bool tcpReset = false;
  /// InstancePublicIp: the public IP's SKU is Standard, closed to inbound connections until a
  /// network security group allows them (Basic is open).
  bool standard = true;

  bool oneToOne() const { return kind == OutboundKind::InstancePublicIp; }
  bool covers(std::uint8_t proto) const { return protocol == 0 || protocol == proto; }
  std::uint32_t portCount() const;
};

class SnatIndex {
 public:
  /// Errors (EINVAL) name the VM: two specs for one underlay, a 1:1 spec without exactly one
  /// {ip, 0, 0} block, an empty or overflowing block, two owners of one (public IP, port).
  static Result<SnatIndex> build(std::vector<SnatSpec> specs);

  /// The VM whose host takes packets to (ip, port): SNAT return traffic and, for an instance
  /// public IP, inbound connections. nullopt: none.
  std::optional<Ipv4Address> ownerOf(Ipv4Address ip, std::uint16_t port) const;
  /// The spec of the VM with this underlay address, and its position in specs(); nullptr: none.
  const SnatSpec* find(Ipv4Address underlay) const;
  std::size_t indexOf(const SnatSpec& spec) const {
    return static_cast<std::size_t>(&spec - specs_.data());
  }
  const std::vector<SnatSpec>& specs() const { return specs_; }  ///< sorted by underlay

 private:
  struct Range {
    std::uint32_t ip = 0;
    std::uint32_t first = 0, last = 0;  // inclusive
    std::uint32_t underlay = 0;
  };
  std::vector<SnatSpec> specs_;
  std::vector<Range> ranges_;  // sorted by (ip, first), not overlapping
};

}  // namespace azlb::dataplane
